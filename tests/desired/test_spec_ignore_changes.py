"""``IgnoreChanges`` in a spec: read into DesiredDestination.ignore_changes, paths checked
against the service model, and in the very syntax of the plan's difference paths."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Write
from hypothesis import given, settings
from hypothesis import strategies as st
from spec_helpers import destination, load, problems
from test_spec_loading import definitions

from driftcheck.desired.ignore_changes import keyed_lists, path_problem, static_paths
from driftcheck.model import Api, LiveSet, LiveState, SetStatus
from driftcheck.plan import compare, plan
from driftcheck.plan_model import Status

SEND = "Enabled: true\nMatchingEventTypes: [SEND]"
TOPIC = "arn:aws:sns:us-east-1:123456789012:t"
SNS = f"SnsDestination:\n  TopicArn: {TOPIC}"
DIMENSIONS = "CloudWatchDestination.DimensionConfigurations"


def with_ignore(*paths: str, api: str = "pinpoint-email", block: str = SNS) -> str:
    """A spec whose destination ignores ``paths``; the first item is at line 13, column 13."""
    items = "\n".join(f"  - {p}" for p in paths)
    return destination(f"{SEND}\n{block}\nIgnoreChanges:\n{items}", api=api)


def test_paths_are_kept_as_written_and_out_of_the_definition(write: Write) -> None:
    paths = (
        "MatchingEventTypes",
        "Enabled",
        "SnsDestination.TopicArn",
        f"{DIMENSIONS}[my-dim].DefaultDimensionValue",
        f"{DIMENSIONS}[my-dim]",
        DIMENSIONS,
        "KinesisFirehoseDestination",
    )
    path = write(with_ignore(*paths))
    [desired] = load([path]).sets
    [dest] = desired.destinations
    assert dest.ignore_changes == paths
    assert dest.definition == {
        "Enabled": True,
        "MatchingEventTypes": ["SEND"],
        "SnsDestination": {"TopicArn": TOPIC},
    }


def test_without_ignore_changes_nothing_is_ignored(write: Write) -> None:
    path = write(destination(f"{SEND}\n{SNS}"))
    assert load([path]).sets[0].destinations[0].ignore_changes == ()


def test_an_empty_list_ignores_nothing(write: Write) -> None:
    path = write(destination(f"{SEND}\n{SNS}\nIgnoreChanges: []"))
    assert load([path]).sets[0].destinations[0].ignore_changes == ()


def test_variables_are_resolved_in_paths(write: Write) -> None:
    path = write(with_ignore("${dim_path}.DefaultDimensionValue"))
    state = load([path], cli_vars={"dim_path": f"{DIMENSIONS}[campaign]"})
    assert state.sets[0].destinations[0].ignore_changes == (
        f"{DIMENSIONS}[campaign].DefaultDimensionValue",
    )


def test_event_bridge_paths_need_sesv2(write: Write) -> None:
    bus = (
        "EventBridgeDestination:\n  EventBusArn: arn:aws:events:us-east-1:123456789012:event-bus/b"
    )
    path = write(with_ignore("EventBridgeDestination.EventBusArn", api="sesv2", block=bus))
    assert load([path]).sets[0].destinations[0].ignore_changes == (
        "EventBridgeDestination.EventBusArn",
    )


INVALID = [
    pytest.param(
        "SnsDestinaton.TopicArn",
        "`SnsDestinaton` is not a member of a destination; did you mean `SnsDestination.TopicArn`?",
        id="misspelt block",
    ),
    pytest.param(
        "SnsDestination.TopicARN",
        "`TopicARN` is not a member of `SnsDestination`; did you mean `SnsDestination.TopicArn`?",
        id="misspelt member",
    ),
    pytest.param(
        "TopicArn",
        "`TopicArn` is not a member of a destination; did you mean `SnsDestination.TopicArn`?",
        id="member without its block",
    ),
    pytest.param(
        "Tags",
        "`Tags` is not a member of a destination; expected `Enabled`, `MatchingEventTypes`, "
        "`KinesisFirehoseDestination`, `CloudWatchDestination`, `SnsDestination` or "
        "`PinpointDestination`",
        id="unknown member",
    ),
    pytest.param(
        "Name",
        "`Name` is not a member of a destination; expected `Enabled`, `MatchingEventTypes`, "
        "`KinesisFirehoseDestination`, `CloudWatchDestination`, `SnsDestination` or "
        "`PinpointDestination`",
        id="Name is the key, never a difference",
    ),
    pytest.param(
        "EventBridgeDestination",
        "`EventBridgeDestination` is not available with api pinpoint-email; use `api: sesv2`",
        id="sesv2 block on pinpoint-email",
    ),
    pytest.param("Enabled.Value", "`Enabled` has no member `Value`", id="below a scalar"),
    pytest.param(
        "MatchingEventTypes[BOUNCE]",
        f"`[BOUNCE]` is only valid after `{DIMENSIONS}`",
        id="bracket on event types",
    ),
    pytest.param(
        "SnsDestination[x].TopicArn",
        f"`[x]` is only valid after `{DIMENSIONS}`",
        id="bracket on a block",
    ),
    pytest.param(
        f"{DIMENSIONS}.DefaultDimensionValue",
        f"the items of `{DIMENSIONS}` are addressed by their `DimensionName`: "
        f"write `{DIMENSIONS}[NAME].DefaultDimensionValue`",
        id="dimension member without a name",
    ),
    pytest.param(
        f"{DIMENSIONS}[*].DefaultDimensionValue",
        "`*` is not a valid `DimensionName`: it may only contain letters, digits, `_` and `-`; "
        "paths take no wildcards",
        id="wildcard",
    ),
    pytest.param(
        f"{DIMENSIONS}[a.b]",
        "`a.b` is not a valid `DimensionName`: it may only contain letters, digits, `_` and `-`",
        id="not a dimension name",
    ),
    pytest.param(
        f"{DIMENSIONS}[{'d' * 257}]",
        "a `DimensionName` has at most 256 characters, got 257",
        id="dimension name too long",
    ),
    pytest.param(
        f"{DIMENSIONS}[].DefaultDimensionValue",
        f"the `DimensionName` in `{DIMENSIONS}[]` is empty",
        id="empty dimension name",
    ),
    pytest.param(
        f"{DIMENSIONS}[d].DefaultDimesionValue",
        f"`DefaultDimesionValue` is not a member of `{DIMENSIONS}[d]`; "
        f"did you mean `{DIMENSIONS}[d].DefaultDimensionValue`?",
        id="misspelt dimension member",
    ),
    pytest.param(
        f"{DIMENSIONS}[d].DefaultDimensionValue.X",
        f"`{DIMENSIONS}[d].DefaultDimensionValue` has no member `X`",
        id="below a dimension value",
    ),
    *(
        pytest.param(
            text,
            "not a path like `SnsDestination.TopicArn` or "
            f"`{DIMENSIONS}[NAME].DefaultDimensionValue`",
            id=f"syntax {text}",
        )
        for text in ("SnsDestination..TopicArn", "SnsDestination.", ".Enabled", f"{DIMENSIONS}[d")
    ),
]


@pytest.mark.parametrize(("path_text", "reason"), INVALID)
def test_invalid_paths(write: Write, path_text: str, reason: str) -> None:
    path = write(with_ignore(f"'{path_text}'"))
    assert problems([path]) == [f"spec.yaml:13:13: `IgnoreChanges` path `{path_text}`: {reason}"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "IgnoreChanges: Enabled",
            "spec.yaml:12:24: `IgnoreChanges` must be a list, got a string; write [Enabled]",
        ),
        (
            "IgnoreChanges: {Enabled: true}",
            "spec.yaml:12:24: `IgnoreChanges` must be a list, got a mapping",
        ),
        (
            "IgnoreChanges: [Enabled, '']",
            "spec.yaml:12:34: an item of `IgnoreChanges` must not be empty",
        ),
        (
            "IgnoreChanges: [Enabled, 12]",
            "spec.yaml:12:34: an item of `IgnoreChanges` must be a string, got the integer 12; "
            'quote it if you mean the string: "12"',
        ),
        (
            "IgnoreChanges: [Enabled, [SnsDestination]]",
            "spec.yaml:12:34: an item of `IgnoreChanges` must be a string, got a list",
        ),
        (
            "IgnoreChanges: [Enabled, SnsDestination, Enabled]",
            "spec.yaml:12:50: `Enabled` is repeated in `IgnoreChanges` (first at line 12, "
            "column 25)",
        ),
        (
            "IgnoreChanges: ['${nope}']",
            "spec.yaml:12:25: undefined variable `nope`; define it under `vars:` or pass "
            "--var nope=...",
        ),
        (
            "IgnoreChange: [Enabled]",
            "spec.yaml:12:9: unknown key `IgnoreChange` in destination `dest`; "
            "did you mean `IgnoreChanges`?",
        ),
    ],
)
def test_invalid_lists(write: Write, value: str, expected: str) -> None:
    path = write(destination(f"{SEND}\n{SNS}\n{value}"))
    assert problems([path]) == [expected]


def test_every_problem_is_reported_with_the_definitions(write: Write) -> None:
    body = f"Enabled: true\nMatchingEventTypes: [BOUNCES]\n{SNS}\nIgnoreChanges: [Enable]"
    path = write(destination(body))
    assert problems([path]) == [
        "spec.yaml:9:30: `BOUNCES` is not a valid value for an item of `MatchingEventTypes`; "
        "did you mean `BOUNCE`?",
        "spec.yaml:12:25: `IgnoreChanges` path `Enable`: `Enable` is not a member of a "
        "destination; did you mean `Enabled`?",
    ]


# --- the plan's paths ------------------------------------------------------------------------


@pytest.mark.parametrize("api", list(Api))
def test_static_paths_follow_the_model(api: Api) -> None:
    blocks = ["KinesisFirehoseDestination", "CloudWatchDestination", "SnsDestination"]
    if api is Api.SESV2:
        blocks.append("EventBridgeDestination")
    blocks.append("PinpointDestination")
    paths = static_paths(api)
    assert [p for p in paths if "." not in p] == ["Enabled", "MatchingEventTypes", *blocks]
    assert DIMENSIONS in paths
    assert "SnsDestination.TopicArn" in paths
    assert [k.path for k in keyed_lists(api)] == [DIMENSIONS]
    assert all(path_problem(api, p) is None for p in paths)


@settings(max_examples=80, deadline=None)
@given(data=st.data(), api=st.sampled_from(list(Api)))
def test_every_difference_the_plan_reports_is_a_valid_path(data: st.DataObject, api: Api) -> None:
    """Whatever two valid definitions differ in, each difference's path can be ignored."""
    _, expected = data.draw(definitions(api))
    _, actual = data.draw(definitions(api))
    for difference in compare(expected, actual):
        assert path_problem(api, difference.path) is None, difference.path


def test_ignored_paths_reach_the_plan(write: Write) -> None:
    """End to end: a spec's IgnoreChanges turns those differences into ignored ones."""
    body = (
        "Enabled: true\nMatchingEventTypes: [BOUNCE]\n"
        "CloudWatchDestination:\n  DimensionConfigurations:\n"
        "    - {DimensionName: campaign, DimensionValueSource: MESSAGE_TAG, "
        "DefaultDimensionValue: none}\n"
        f"IgnoreChanges: [Enabled, '{DIMENSIONS}[campaign].DefaultDimensionValue']"
    )
    desired = load([write(destination(body))])
    [desired_set] = desired.sets
    live_definition: dict[str, Any] = {
        "Enabled": False,
        "MatchingEventTypes": ["BOUNCE"],
        "CloudWatchDestination": {
            "DimensionConfigurations": [
                {
                    "DimensionName": "campaign",
                    "DimensionValueSource": "MESSAGE_TAG",
                    "DefaultDimensionValue": "other",
                }
            ]
        },
    }
    live = LiveState(
        {desired_set.key: LiveSet(desired_set.key, SetStatus.PRESENT, {"dest": live_definition})}
    )
    [row] = plan(desired, live).destinations
    assert [(d.path, d.ignored) for d in row.differences] == [
        (f"{DIMENSIONS}[campaign].DefaultDimensionValue", True),
        ("Enabled", True),
    ]
    assert row.status is Status.IN_SYNC


def test_an_accepted_path_is_always_one_the_plan_can_match(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were a list's key rule ever to allow any text, a key the plan would write quoted
    (``["a.b"]``) must not be accepted unquoted: it would silently ignore nothing."""
    monkeypatch.setattr("driftcheck.desired.ignore_changes._key_problem", lambda keyed, key: None)
    path_problem.cache_clear()
    try:
        assert path_problem(Api.SESV2, f"{DIMENSIONS}[a.b].DefaultDimensionValue") is not None
        assert path_problem(Api.SESV2, f'{DIMENSIONS}["a.b"].DefaultDimensionValue') is None
    finally:
        path_problem.cache_clear()
