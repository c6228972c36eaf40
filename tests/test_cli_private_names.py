"""End to end: names that look private to Python libraries are data like any other.

deepdiff skips mapping keys that start with ``__`` unless told otherwise; a CloudWatch
dimension named ``__campaign`` is valid for SES, so its drift must reach the gate's verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from driftcheck.emulator import Emulator
from tests.conftest import isolated_aws_env, run_cli

SPEC = """\
version: 1
api: sesv2
region: us-east-1
configuration_sets:
  tx:
    event_destinations:
      metrics:
        Enabled: true
        MatchingEventTypes: [SEND]
        CloudWatchDestination:
          DimensionConfigurations:
            - DimensionName: __campaign
              DimensionValueSource: MESSAGE_TAG
              DefaultDimensionValue: none
            - DimensionName: campaign
              DimensionValueSource: MESSAGE_TAG
              DefaultDimensionValue: none
"""


def dimension(name: str, source: str, default: str) -> dict[str, str]:
    return {"DimensionName": name, "DimensionValueSource": source, "DefaultDimensionValue": default}


def state(*dimensions: dict[str, str]) -> dict[str, Any]:
    destination = {
        "Enabled": True,
        "MatchingEventTypes": ["SEND"],
        "CloudWatchDestination": {"DimensionConfigurations": list(dimensions)},
    }
    return {"version": 1, "regions": {"us-east-1": {"tx": {"metrics": destination}}}}


CAMPAIGN = dimension("campaign", "MESSAGE_TAG", "none")


@pytest.mark.parametrize(
    ("live", "path"),
    [
        (
            [dimension("__campaign", "EMAIL_HEADER", "none"), CAMPAIGN],
            "CloudWatchDestination.DimensionConfigurations[__campaign].DimensionValueSource",
        ),
        (
            [dimension("__campaign", "MESSAGE_TAG", "other"), CAMPAIGN],
            "CloudWatchDestination.DimensionConfigurations[__campaign].DefaultDimensionValue",
        ),
        ([CAMPAIGN], "CloudWatchDestination.DimensionConfigurations[__campaign]"),
    ],
    ids=["another-source", "another-default", "missing"],
)
def test_drift_of_a_dunder_dimension_is_drift_and_actual_is_the_live_value(
    emulator: Emulator, tmp_path: Path, live: list[dict[str, str]], path: str
) -> None:
    emulator.reset(state(*live))
    spec = tmp_path / "tx.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    env = isolated_aws_env(tmp_path, AWS_REGION="us-east-1")
    result = run_cli("plan", str(spec), "--format", "json", "--endpoint-url", emulator.url, env=env)
    assert result.code == 2, result
    document = json.loads(result.stdout)
    [row] = document["destinations"]
    assert row["status"] == "misconfigured"
    assert [d["path"] for d in row["differences"]] == [path]
    dimensions = row["actual"]["CloudWatchDestination"]["DimensionConfigurations"]
    assert dimensions == sorted(live, key=lambda d: d["DimensionName"])
    text = run_cli("plan", str(spec), "--endpoint-url", emulator.url, env=env)
    assert text.code == 2 and "No changes" not in text.stdout, text
