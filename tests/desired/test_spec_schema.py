"""The JSON Schema of specs: committed up to date, a valid draft-07 schema, and consistent with
validation: it accepts every spec that validation accepts and rejects what it can express."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import Write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_helpers import destination, load, problems
from test_spec_loading import ALL_TYPES, SESV2_EXTRA, definitions
from test_spec_validation import DESTINATION_CASES

from driftcheck.desired.definition import _SCALAR_TYPES
from driftcheck.desired.json_schema import JSON_TYPES, REGENERATE, SCHEMA_FILE, build_schema
from driftcheck.model import Api
from driftcheck.normalise import canonical_enum
from driftcheck.service_model import event_types

REPO = Path(__file__).resolve().parents[2]
VALIDATOR = jsonschema.Draft7Validator(build_schema())
TOPIC = "arn:aws:sns:us-east-1:123456789012:t"
SNS = f"SnsDestination:\n  TopicArn: {TOPIC}"
SEND = "Enabled: true\nMatchingEventTypes: [SEND]"
DIMENSIONS = "CloudWatchDestination.DimensionConfigurations"

# Problems of DESTINATION_CASES that the schema cannot express (see json_schema.py).
BEYOND_THE_SCHEMA = {
    "duplicate event types after normalisation",
    "Name not equal to the key",
}


def schema_errors(text: str) -> list[str]:
    """The schema's complaints about the spec ``text`` (loaded as editors load it)."""
    instance = yaml.safe_load(text)
    return [error.message for error in VALIDATOR.iter_errors(instance)]


def accepted_by_both(write: Write, text: str) -> None:
    path = write(text)
    load([path])  # raises SpecError if validation rejects it
    assert schema_errors(text) == []


def rejected_by_both(write: Write, text: str) -> None:
    path = write(text)
    assert problems([path])
    assert schema_errors(text) != []


# --- the committed file ------------------------------------------------------------------


def test_the_committed_schema_is_what_the_generator_prints() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "driftcheck.desired.json_schema"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    if result.stdout != committed:
        pytest.fail(
            f"{SCHEMA_FILE.relative_to(REPO)} is out of date with the service model or the "
            f"validation rules; regenerate it with: {REGENERATE}",
            pytrace=False,
        )
    assert committed.endswith("}\n")
    assert json.loads(committed) == build_schema()


def test_it_is_a_valid_draft_07_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


def test_every_model_type_the_validator_reads_has_a_json_type() -> None:
    assert set(JSON_TYPES) == set(_SCALAR_TYPES)


# --- valid specs ---------------------------------------------------------------------------


@pytest.mark.parametrize("api", list(Api))
def test_the_spec_of_every_destination_type_is_valid(write: Write, api: Api) -> None:
    extra = SESV2_EXTRA if api is Api.SESV2 else ""
    accepted_by_both(write, ALL_TYPES.replace("{api}", api.value).replace("{sesv2_extra}", extra))


@pytest.mark.parametrize("spec", sorted((REPO / "specs").glob("*.yaml")), ids=lambda p: p.name)
def test_the_demo_specs_are_valid(write: Write, spec: Path) -> None:
    accepted_by_both(write, spec.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            destination(
                f"{SEND}\n{SNS}\nIgnoreChanges: [Enabled, SnsDestination.TopicArn, "
                f"'{DIMENSIONS}[my-dim].DefaultDimensionValue', '{DIMENSIONS}[d]', "
                "MatchingEventTypes]"
            ),
            id="IgnoreChanges",
        ),
        pytest.param(
            "version: 1\nregion: ${env:R}\nvars: {dim: campaign, n: 3, on: true}\n"
            "configuration_sets:\n  s:\n    event_destinations:\n      d:\n"
            "        Enabled: true\n        MatchingEventTypes: [SEND]\n"
            "        CloudWatchDestination:\n          DimensionConfigurations:\n"
            "            - {DimensionName: '${dim}', DimensionValueSource: MESSAGE_TAG, "
            "DefaultDimensionValue: '${dim}-${n}'}\n"
            f"        IgnoreChanges: ['{DIMENSIONS}[${{dim}}]']\n",
            id="references",
        ),
        pytest.param(
            "version: 1\nconfiguration_sets:\n  s:\n    event_destinations: {}\n",
            id="a set without destinations",
        ),
    ],
)
def test_valid_specs(write: Write, text: str) -> None:
    path = write(text)
    load([path], cli_vars={"dim": "campaign"}, environ={"R": "eu-west-1"})
    assert schema_errors(text) == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), api=st.sampled_from(list(Api)))
def test_every_written_definition_is_valid(write: Write, data: st.DataObject, api: Api) -> None:
    written, _ = data.draw(definitions(api))
    spec = {
        "version": 1,
        "api": api.value,
        "configuration_sets": {"s": {"event_destinations": {"d": written}}},
    }
    accepted_by_both(write, yaml.safe_dump(spec))


# --- invalid specs -------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), DESTINATION_CASES)
def test_the_schema_agrees_with_validation_on_destinations(
    write: Write, body: str, expected: list[str], request: pytest.FixtureRequest
) -> None:
    text = destination(body)
    case = request.node.callspec.id
    if not expected:
        accepted_by_both(write, text)
    elif case in BEYOND_THE_SCHEMA:
        assert schema_errors(text) == []
    else:
        assert schema_errors(text) != []


SET = "version: 1\nconfiguration_sets:\n  s:\n    event_destinations:\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("version: 1\nregoin: x\nconfiguration_sets: {}\n", id="unknown key"),
        pytest.param("configuration_sets: {}\n", id="no version"),
        pytest.param("version: 2\nconfiguration_sets: {}\n", id="version 2"),
        pytest.param("version: '1'\nconfiguration_sets: {}\n", id="quoted version"),
        pytest.param("version: 1\n", id="no sets"),
        pytest.param("version: 1\napi: sesv3\nconfiguration_sets: {}\n", id="unknown api"),
        pytest.param("version: 1\nregion: US East\nconfiguration_sets: {}\n", id="bad region"),
        pytest.param("version: 1\nvars: {1x: a}\nconfiguration_sets: {}\n", id="variable name"),
        pytest.param("version: 1\nvars: {x: [a]}\nconfiguration_sets: {}\n", id="variable list"),
        pytest.param("version: 1\nvars: {x: }\nconfiguration_sets: {}\n", id="variable null"),
        pytest.param(
            "version: 1\nconfiguration_sets:\n  'bad name':\n    event_destinations: {}\n",
            id="set name",
        ),
        pytest.param(
            f"version: 1\nconfiguration_sets:\n  {'s' * 65}:\n    event_destinations: {{}}\n",
            id="long set name",
        ),
        pytest.param("version: 1\nconfiguration_sets:\n  s: {}\n", id="no event_destinations"),
        pytest.param(
            "version: 1\nconfiguration_sets:\n  s: {event_destinations: [], x: 1}\n",
            id="destinations list",
        ),
        pytest.param(
            SET
            + "".join(
                f"      d{i}: {{Enabled: true, MatchingEventTypes: [SEND], "
                "PinpointDestination: {}}\n"
                for i in range(11)
            ),
            id="11 destinations",
        ),
        pytest.param(
            SET
            + "      'a b': {Enabled: true, MatchingEventTypes: [SEND], PinpointDestination: {}}\n",
            id="destination name",
        ),
        pytest.param(
            # no `api`: pinpoint-email, which has no EventBridge destination
            SET + "      d:\n        Enabled: true\n        MatchingEventTypes: [SEND]\n"
            "        EventBridgeDestination: "
            "{EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/b'}\n",
            id="EventBridge by default",
        ),
        pytest.param(
            destination(f"{SEND}\n{SNS}\nIgnoreChanges: [Enabled, Enabled]"),
            id="IgnoreChanges repeated",
        ),
        pytest.param(
            destination(f"{SEND}\n{SNS}\nIgnoreChanges: [SnsDestination.TopicARN]"),
            id="IgnoreChanges unknown member",
        ),
        pytest.param(
            destination(f"{SEND}\n{SNS}\nIgnoreChanges: ['MatchingEventTypes[BOUNCE]']"),
            id="IgnoreChanges bracket",
        ),
        pytest.param(
            destination(f"{SEND}\n{SNS}\nIgnoreChanges: ['{DIMENSIONS}[*].DimensionName']"),
            id="IgnoreChanges wildcard",
        ),
        pytest.param(
            destination(f"{SEND}\n{SNS}\nIgnoreChanges: [EventBridgeDestination]"),
            id="IgnoreChanges EventBridge on pinpoint-email",
        ),
        pytest.param(destination(f"{SEND}\n{SNS}\nIgnoreChanges: ['']"), id="IgnoreChanges ''"),
        pytest.param(destination(f"{SEND}\n{SNS}\nIgnoreChanges: Enabled"), id="IgnoreChanges str"),
        pytest.param(
            destination(
                f"{SEND}\nCloudWatchDestination:\n  DimensionConfigurations:\n"
                "    - {DimensionName: n, DimensionValueSource: MESSAGE_TAG, "
                "DefaultDimensionValue: user.name}"
            ),
            id="dimension value characters on pinpoint-email",
        ),
        pytest.param(
            destination(
                f"{SEND}\nCloudWatchDestination:\n  DimensionConfigurations:\n"
                f"    - {{DimensionName: {'n' * 256}, DimensionValueSource: MESSAGE_TAG, "
                "DefaultDimensionValue: v}",
                api="sesv2",
            ),
            id="dimension name length on sesv2",
        ),
        pytest.param(
            destination(
                f"{SEND}\nCloudWatchDestination:\n  DimensionConfigurations:\n"
                + "\n".join(
                    f"    - {{DimensionName: d{i}, DimensionValueSource: MESSAGE_TAG, "
                    "DefaultDimensionValue: v}"
                    for i in range(11)
                )
            ),
            id="11 dimensions",
        ),
        pytest.param(
            destination(f"{SEND}\nCloudWatchDestination:\n  DimensionConfigurations: []"),
            id="no dimensions",
        ),
    ],
)
def test_invalid_specs(write: Write, text: str) -> None:
    rejected_by_both(write, text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            destination(f"{SEND}\nSnsDestination: {{TopicArn: 'arn:aws:sqs:us-east-1:1:q'}}"),
            id="an ARN of another service",
        ),
        pytest.param(
            destination(f"{SEND}\nSnsDestination: {{TopicArn: '${{nope}}'}}"),
            id="an undefined variable",
        ),
        pytest.param(
            destination(
                f"{SEND}\nCloudWatchDestination:\n  DimensionConfigurations:\n"
                "    - {DimensionName: n, DimensionValueSource: MESSAGE_TAG, "
                "DefaultDimensionValue: a}\n"
                "    - {DimensionName: n, DimensionValueSource: LINK_TAG, "
                "DefaultDimensionValue: b}"
            ),
            id="a repeated dimension name",
        ),
    ],
)
def test_what_only_validation_checks(write: Write, text: str) -> None:
    """Documented limits of the schema (json_schema.py): an editor accepts these."""
    path = write(text)
    assert problems([path])
    assert schema_errors(text) == []


def test_a_set_declared_in_two_files_is_beyond_the_schema(write: Write) -> None:
    text = "version: 1\nregion: us-east-1\nconfiguration_sets:\n  s:\n    event_destinations: {}\n"
    assert problems([write(text, "a.yaml"), write(text, "b.yaml")])
    assert schema_errors(text) == []


# --- enum spellings ------------------------------------------------------------------------


def camel(value: str) -> str:
    first, *rest = value.lower().split("_")
    return first + "".join(part.capitalize() for part in rest)


def spellings(value: str) -> list[str]:
    return [value, camel(value), value.lower(), value.title(), value.capitalize(), value + "S"]


def event_type_spec(api: Api, spelling: str) -> str:
    body = f"Enabled: true\nMatchingEventTypes: [{json.dumps(spelling)}]\n{SNS}"
    return destination(body, api=api.value)


def dimension_source_spec(spelling: str) -> str:
    body = (
        f"{SEND}\nCloudWatchDestination:\n  DimensionConfigurations:\n"
        f"    - {{DimensionName: n, DimensionValueSource: {json.dumps(spelling)}, "
        "DefaultDimensionValue: v}"
    )
    return destination(body, api="sesv2")


@pytest.mark.parametrize("api", list(Api))
def test_the_schema_accepts_exactly_the_event_type_spellings_validation_accepts(
    api: Api,
) -> None:
    allowed = event_types(api)
    candidates = {s for value in event_types(Api.SESV2) for s in spellings(value)}
    for spelling in sorted(candidates):
        accepted = canonical_enum(spelling, allowed) is not None
        assert (schema_errors(event_type_spec(api, spelling)) == []) is accepted, spelling


def test_the_schema_accepts_exactly_the_dimension_source_spellings_validation_accepts() -> None:
    allowed = ["MESSAGE_TAG", "EMAIL_HEADER", "LINK_TAG"]
    candidates = {s for value in allowed for s in spellings(value)} | {"linkTags", "linkTag"}
    for spelling in sorted(candidates):
        accepted = canonical_enum(spelling, allowed) is not None
        assert (schema_errors(dimension_source_spec(spelling)) == []) is accepted, spelling


def test_editors_are_offered_the_api_spelling_only() -> None:
    items: dict[str, Any] = build_schema()["definitions"]["destination.sesv2"]["properties"][
        "MatchingEventTypes"
    ]["items"]
    offered = [choice["enum"] for choice in items["anyOf"] if "enum" in choice]
    assert offered == [list(event_types(Api.SESV2))]
