"""The SARIF format: valid against the OASIS SARIF 2.1.0 schema committed beside the tests.

``schemas/sarif-2.1.0.json`` is the OASIS schema (errata01, the ``id`` inside it), the same
112,768 characters as ``Schemata/sarif-schema-2.1.0.json`` of oasis-tcs/sarif-spec.
Formats are checked too (``uri``, ``uri-reference``: rfc3986-validator).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker

from driftcheck import __version__
from driftcheck.formats import Format, render
from driftcheck.formats.sarif import artifact_uri, document
from driftcheck.json_data import json_text
from driftcheck.model import SetStatus
from driftcheck.plan_model import SetPlan
from tests.factories import key, plan, present
from tests.formats.scenarios import (
    SCENARIOS,
    every_kind_of_drift,
    noise_ignored,
    unmanaged_sets,
    unreadable_set,
)

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.json").read_text())
VALIDATOR = Draft4Validator(SCHEMA, format_checker=FormatChecker())


def log(subject: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render(subject, Format.SARIF))
    return document


def results(subject: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = log(subject)["runs"][0]["results"]
    return found


def errors_of(document: Any) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(document)]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_scenario_is_valid_sarif(scenario: str) -> None:
    assert errors_of(log(SCENARIOS[scenario]())) == []


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_results_encoded_one_by_one_read_as_the_whole_document(scenario: str) -> None:
    subject = SCENARIOS[scenario]()
    assert render(subject, Format.SARIF) == json_text(document(subject)) + "\n"


def test_the_schema_and_its_formats_are_enforced() -> None:
    document = log(every_kind_of_drift())
    assert errors_of({**document, "version": "2.0.0"})
    bad_uri = json.loads(json.dumps(document).replace('"specs/prod.yaml"', '"specs/a b.yaml"'))
    assert any("uri-reference" in message for message in errors_of(bad_uri))


def test_the_tool_and_one_rule_per_kind() -> None:
    run = log(every_kind_of_drift())["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("driftcheck", __version__)
    assert "informationUri" not in driver
    assert [(r["id"], r["name"], r["defaultConfiguration"]["level"]) for r in driver["rules"]] == [
        ("DC001", "missing-destination", "error"),
        ("DC002", "extra-destination", "error"),
        ("DC003", "misconfigured-destination", "error"),
        ("DC004", "missing-configuration-set", "error"),
        ("DC005", "unreadable-configuration-set", "error"),
        ("DC006", "unmanaged-configuration-set", "warning"),
    ]
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_results_are_located_at_spec_lines() -> None:
    placed = [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        )
        for r in results(every_kind_of_drift())
    ]
    marketing = "pinpoint-email/us-east-1/marketing"
    assert placed == [
        ("DC001", "error", "specs/prod.yaml", 26, f"{marketing}/archive"),
        ("DC003", "error", "specs/prod.yaml", 14, f"{marketing}/cw-metrics"),
        ("DC002", "error", "specs/prod.yaml", 8, f"{marketing}/legacy-bus"),
        ("DC002", "error", "specs/prod.yaml", 8, f"{marketing}/old-pinpoint"),
        ("DC003", "error", "specs/prod.yaml", 10, f"{marketing}/sns-bounces"),
        ("DC003", "error", "specs/prod.yaml", 20, f"{marketing}/stream"),
        ("DC005", "error", "specs/prod.yaml", 50, "pinpoint-email/us-west-2/reports"),
        ("DC003", "error", "specs/prod.yaml", 33, "sesv2/eu-west-1/tx/bus"),
    ]
    sns = results(every_kind_of_drift())[4]
    assert sns["message"]["text"].splitlines()[0] == (
        "marketing/sns-bounces (us-east-1) is misconfigured and will be updated in-place."
    )
    assert sns["partialFingerprints"] == {"driftcheckResource/v1": f"{marketing}/sns-bounces"}


def test_ignored_findings_are_suppressed_notes() -> None:
    by_name = {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].rsplit("/", 1)[1]: r
        for r in results(noise_ignored())
    }
    assert sorted(by_name) == ["archive", "cw-metrics", "old-pinpoint", "sns-bounces"]
    assert (
        by_name["old-pinpoint"]["level"],
        by_name["old-pinpoint"]["suppressions"][0]["kind"],
    ) == (
        "note",
        "external",  # only an ignore pattern ignores a whole destination
    )
    assert by_name["cw-metrics"]["suppressions"][0]["kind"] == "inSource"
    assert "suppressions" not in by_name["sns-bounces"]
    assert by_name["sns-bounces"]["level"] == "error"


def test_unmanaged_sets_are_warnings_unless_strict() -> None:
    lenient, strict = results(unmanaged_sets()), results(replace(unmanaged_sets(), strict=True))
    assert [(r["ruleId"], r["level"]) for r in lenient] == [("DC006", "warning"), ("DC006", "note")]
    assert [(r["ruleId"], r["level"]) for r in strict] == [("DC006", "error"), ("DC006", "note")]
    region = lenient[0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 8, "startColumn": 1}  # the declared set of its api/region


def test_an_unmanaged_set_with_no_declared_neighbour_has_only_a_logical_location() -> None:
    lone = SetPlan(key("lone", region="ap-south-1"), SetStatus.UNMANAGED, None)
    document = log(plan([present(key("a")), lone], []))
    assert errors_of(document) == []
    (result,) = document["runs"][0]["results"]
    assert list(result["locations"][0]) == ["logicalLocations"]


def test_the_invocation_fails_when_a_set_could_not_be_read_and_carries_warnings() -> None:
    invocation = log(unreadable_set())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "error",
            "message": {
                "text": "configuration set tx (us-east-1) could not be read: "
                "ThrottlingException: Rate exceeded."
            },
        }
    ]
    noisy = log(noise_ignored())["runs"][0]["invocations"][0]
    assert noisy["executionSuccessful"] is True
    assert noisy["toolExecutionNotifications"][0]["level"] == "warning"


@pytest.mark.parametrize(
    ("file", "uri"),
    [
        ("specs/prod.yaml", "specs/prod.yaml"),
        ("my specs/prod #1.yaml", "my%20specs/prod%20%231.yaml"),
        ("/srv/specs/prod.yaml", "file:///srv/specs/prod.yaml"),
        ("spécs/x.yaml", "sp%C3%A9cs/x.yaml"),
    ],
)
def test_spec_paths_become_uri_references(file: str, uri: str) -> None:
    assert artifact_uri(file) == uri
    assert FormatChecker().conforms(uri, "uri-reference")
