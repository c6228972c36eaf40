"""The plan engine: normalisation, matching by name, and deepdiff's differences in our terms."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import pytest
from deepdiff import DeepDiff
from hypothesis import given
from hypothesis import strategies as st

from driftcheck.differences import apply_differences
from driftcheck.diffpath import Member, parse_path
from driftcheck.model import (
    Api,
    DesiredDestination,
    DesiredSet,
    DesiredState,
    LiveSet,
    LiveState,
    ReadFailure,
    SetKey,
    SetStatus,
    Source,
)
from driftcheck.normalise import normalise_definition
from driftcheck.plan import _DEEPDIFF_OPTIONS, _deepdiff_differences, compare, plan
from driftcheck.plan_model import Action, DiffType, Status
from driftcheck.service_model import event_types

KEY = SetKey(Api.PINPOINT_EMAIL, "us-east-1", "marketing")
SET_SOURCE = Source("specs/prod.yaml", 5, 3)
SNS = "arn:aws:sns:us-east-1:123456789012:"


def sns(topic: str, *types: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "Enabled": enabled,
        "MatchingEventTypes": list(types),
        "SnsDestination": {"TopicArn": SNS + topic},
    }


def desired(key: SetKey = KEY, **definitions: dict[str, Any]) -> DesiredState:
    destinations = tuple(
        DesiredDestination(name, normalise_definition(body), Source("specs/prod.yaml", 7 + i, 7))
        for i, (name, body) in enumerate(sorted(definitions.items()))
    )
    return DesiredState((DesiredSet(key, destinations, SET_SOURCE),))


def live(key: SetKey = KEY, **definitions: dict[str, Any]) -> LiveState:
    return LiveState({key: LiveSet(key, SetStatus.PRESENT, definitions)})


def test_identical_states_are_in_sync() -> None:
    result = plan(desired(a=sns("a", "BOUNCE")), live(a=sns("a", "BOUNCE")))
    assert [(d.name, d.status, d.action) for d in result.destinations] == [
        ("a", Status.IN_SYNC, Action.NOOP)
    ]
    assert not result.drift
    assert result.summary.in_sync == 1


def test_missing_extra_and_misconfigured_are_told_apart() -> None:
    result = plan(
        desired(keep=sns("k", "SEND"), new=sns("n", "SEND"), bad=sns("b", "SEND")),
        live(keep=sns("k", "SEND"), bad=sns("other", "SEND"), old=sns("o", "SEND")),
    )
    rows = {d.name: d for d in result.destinations}
    assert [d.name for d in result.destinations] == ["bad", "keep", "new", "old"]
    assert (rows["new"].status, rows["new"].action, rows["new"].actual) == (
        Status.MISSING,
        Action.CREATE,
        None,
    )
    assert (rows["old"].status, rows["old"].action, rows["old"].expected) == (
        Status.EXTRA,
        Action.DELETE,
        None,
    )
    assert rows["old"].source == SET_SOURCE  # an extra is located at its set
    assert rows["bad"].status is Status.MISCONFIGURED
    assert rows["bad"].action is Action.UPDATE
    assert rows["bad"].differences[0].path == "SnsDestination.TopicArn"
    summary = result.summary
    assert (summary.in_sync, summary.missing, summary.extra, summary.misconfigured) == (1, 1, 1, 1)
    assert result.drift


def test_event_type_order_and_case_never_matter() -> None:
    spec = sns("a", "COMPLAINT", "BOUNCE", "renderingFailure")
    actual = sns("a", "RENDERING_FAILURE", "BOUNCE", "COMPLAINT")
    assert not plan(desired(a=spec), live(a=actual)).drift


def test_live_destination_without_enabled_means_false() -> None:
    actual = sns("a", "BOUNCE")
    del actual["Enabled"]
    result = plan(desired(a=sns("a", "BOUNCE", enabled=False)), live(a=actual))
    assert not result.drift
    result = plan(desired(a=sns("a", "BOUNCE", enabled=True)), live(a=actual))
    [difference] = result.destinations[0].differences
    assert (difference.path, difference.type, difference.expected, difference.actual) == (
        "Enabled",
        DiffType.NOT_EQUAL,
        True,
        False,
    )


def test_event_type_changes_are_items_added_and_removed() -> None:
    differences = compare(
        normalise_definition(sns("a", "BOUNCE", "COMPLAINT")),
        normalise_definition(sns("b", "BOUNCE", "OPEN")),
    )
    assert [(d.path, d.type, d.expected, d.actual) for d in differences] == [
        ("MatchingEventTypes", DiffType.REMOVE, "COMPLAINT", None),
        ("MatchingEventTypes", DiffType.ADD, None, "OPEN"),
        ("SnsDestination.TopicArn", DiffType.NOT_EQUAL, SNS + "a", SNS + "b"),
    ]


def cloudwatch(*dimensions: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "Enabled": True,
        "MatchingEventTypes": ["SEND"],
        "CloudWatchDestination": {
            "DimensionConfigurations": [
                {"DimensionName": n, "DimensionValueSource": s, "DefaultDimensionValue": v}
                for n, s, v in dimensions
            ]
        },
    }


def test_dimensions_compare_by_name_not_position() -> None:
    a, b = ("a", "MESSAGE_TAG", "x"), ("b", "EMAIL_HEADER", "y")
    assert (
        compare(normalise_definition(cloudwatch(a, b)), normalise_definition(cloudwatch(b, a)))
        == ()
    )
    differences = compare(
        normalise_definition(cloudwatch(a, b)),
        normalise_definition(cloudwatch(("b", "EMAIL_HEADER", "z"), ("c", "LINK_TAG", "w"))),
    )
    assert [(d.path, d.type) for d in differences] == [
        ("CloudWatchDestination.DimensionConfigurations[a]", DiffType.REMOVE),
        (
            "CloudWatchDestination.DimensionConfigurations[b].DefaultDimensionValue",
            DiffType.NOT_EQUAL,
        ),
        ("CloudWatchDestination.DimensionConfigurations[c]", DiffType.ADD),
    ]
    assert differences[0].expected == {
        "DefaultDimensionValue": "x",
        "DimensionName": "a",
        "DimensionValueSource": "MESSAGE_TAG",
    }


def test_dimensions_with_no_common_name_are_removed_and_added_one_by_one() -> None:
    differences = compare(
        normalise_definition(cloudwatch(("a", "MESSAGE_TAG", "x"))),
        normalise_definition(cloudwatch(("b", "MESSAGE_TAG", "x"), ("c", "LINK_TAG", "y"))),
    )
    assert [(d.path, d.type) for d in differences] == [
        ("CloudWatchDestination.DimensionConfigurations[a]", DiffType.REMOVE),
        ("CloudWatchDestination.DimensionConfigurations[b]", DiffType.ADD),
        ("CloudWatchDestination.DimensionConfigurations[c]", DiffType.ADD),
    ]


def test_a_changed_destination_type_is_one_remove_and_one_add() -> None:
    firehose = {
        "Enabled": True,
        "MatchingEventTypes": ["BOUNCE"],
        "KinesisFirehoseDestination": {
            "IamRoleArn": "arn:aws:iam::123456789012:role/r",
            "DeliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/s",
        },
    }
    differences = compare(normalise_definition(sns("a", "BOUNCE")), normalise_definition(firehose))
    assert [(d.path, d.type) for d in differences] == [
        ("KinesisFirehoseDestination", DiffType.ADD),
        ("SnsDestination", DiffType.REMOVE),
    ]
    assert differences[1].expected == {"TopicArn": SNS + "a"}


def test_eventbridge_read_through_pinpoint_email_is_misconfigured_with_a_note() -> None:
    # botocore drops the EventBridgeDestination member it does not know: no block is left.
    result = plan(
        desired(a=sns("a", "BOUNCE")), live(a={"Enabled": True, "MatchingEventTypes": ["BOUNCE"]})
    )
    [row] = result.destinations
    assert row.status is Status.MISCONFIGURED
    assert row.note is not None and "EventBridgeDestination" in row.note
    extra = plan(desired(), live(x={"Enabled": True, "MatchingEventTypes": ["SEND"]}))
    assert extra.destinations[0].note is not None


def test_missing_set_makes_every_destination_missing() -> None:
    result = plan(
        desired(a=sns("a", "SEND"), b=sns("b", "SEND")),
        LiveState({KEY: LiveSet(KEY, SetStatus.MISSING)}),
    )
    assert [s.status for s in result.sets] == [SetStatus.MISSING]
    assert {d.status for d in result.destinations} == {Status.MISSING}
    assert result.drift


def test_empty_desired_set_that_is_missing_is_still_drift() -> None:
    result = plan(desired(), LiveState({KEY: LiveSet(KEY, SetStatus.MISSING)}))
    assert result.destinations == ()
    assert result.drift


def test_unreadable_set_has_no_rows_and_counts_as_an_error() -> None:
    failure = ReadFailure("AccessDeniedException", "not allowed")
    result = plan(
        desired(a=sns("a", "SEND")), LiveState({KEY: LiveSet(KEY, SetStatus.ERROR, error=failure)})
    )
    assert result.destinations == ()
    assert result.failed_sets[0].error == failure
    assert result.summary.errors == 1


def test_a_set_the_reader_did_not_return_is_never_taken_as_in_sync() -> None:
    result = plan(desired(a=sns("a", "SEND")), LiveState())
    assert result.failed_sets and result.failed_sets[0].error is not None


def test_plan_is_sorted_by_api_region_set_and_name() -> None:
    keys = [
        SetKey(Api.SESV2, "eu-west-1", "a"),
        SetKey(Api.PINPOINT_EMAIL, "us-east-1", "b"),
        SetKey(Api.PINPOINT_EMAIL, "eu-west-1", "z"),
    ]
    state = DesiredState(tuple(DesiredSet(k, (), SET_SOURCE) for k in keys))
    result = plan(state, LiveState({k: LiveSet(k, SetStatus.PRESENT) for k in keys}))
    assert [s.key for s in result.sets] == sorted(keys)


# --- properties --------------------------------------------------------------------------

NAMES = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)
EVENT_TYPES = st.lists(st.sampled_from(event_types(Api.PINPOINT_EMAIL)), min_size=1, unique=True)
ARN = NAMES.map(lambda n: SNS + n)
DIMENSION = st.fixed_dictionaries(
    {
        "DimensionName": NAMES,
        "DimensionValueSource": st.sampled_from(["MESSAGE_TAG", "EMAIL_HEADER", "LINK_TAG"]),
        "DefaultDimensionValue": NAMES,
    }
)
BLOCKS = st.one_of(
    st.builds(lambda a: {"SnsDestination": {"TopicArn": a}}, ARN),
    st.builds(lambda a: {"PinpointDestination": {"ApplicationArn": a}}, ARN),
    st.builds(
        lambda a, b: {"KinesisFirehoseDestination": {"IamRoleArn": a, "DeliveryStreamArn": b}},
        ARN,
        ARN,
    ),
    st.lists(DIMENSION, min_size=1, max_size=4, unique_by=lambda d: d["DimensionName"]).map(
        lambda dims: {"CloudWatchDestination": {"DimensionConfigurations": dims}}
    ),
)
DEFINITIONS = st.builds(
    lambda enabled, types, block: {"Enabled": enabled, "MatchingEventTypes": types, **block},
    st.booleans(),
    EVENT_TYPES,
    BLOCKS,
)


@given(st.dictionaries(NAMES, DEFINITIONS, max_size=5), st.randoms())
def test_a_spec_diffed_against_itself_in_any_order_is_in_sync(
    definitions: dict[str, dict[str, Any]], random: Any
) -> None:
    shuffled = {}
    for name, body in definitions.items():
        copy = {**body, "MatchingEventTypes": list(body["MatchingEventTypes"])}
        random.shuffle(copy["MatchingEventTypes"])
        if "CloudWatchDestination" in copy:
            dims = list(copy["CloudWatchDestination"]["DimensionConfigurations"])
            random.shuffle(dims)
            copy["CloudWatchDestination"] = {"DimensionConfigurations": dims}
        shuffled[name] = copy
    result = plan(desired(**definitions), live(**shuffled))
    assert not result.drift
    assert all(d.status is Status.IN_SYNC for d in result.destinations)


def _resolve(definition: Any, path: str) -> Any:
    """Follow a plan path into a normalised definition; KeyError when it names nothing."""
    node = definition
    for segment in parse_path(path):
        if isinstance(segment, Member):
            node = node[segment.name]
        else:
            [node] = [d for d in node if d["DimensionName"] == segment.value]
    return node


@given(DEFINITIONS, DEFINITIONS)
def test_every_difference_names_a_real_path(a: dict[str, Any], b: dict[str, Any]) -> None:
    expected, actual = normalise_definition(a), normalise_definition(b)
    differences = compare(expected, actual)
    assert (differences == ()) == (expected == actual)
    for difference in differences:
        if difference.type is DiffType.ADD:
            target = _resolve(actual, difference.path)
        else:
            target = _resolve(expected, difference.path)
        if difference.path == "MatchingEventTypes":
            assert (difference.expected or difference.actual) in target
        elif difference.type is DiffType.NOT_EQUAL:
            # a change is reported at the scalar that changed, never at a whole mapping
            assert not isinstance(difference.expected, dict)
            assert target == difference.expected
            assert _resolve(actual, difference.path) == difference.actual
        else:
            assert target == (
                difference.actual if difference.type is DiffType.ADD else difference.expected
            )


def test_fingerprints_change_exactly_when_the_live_set_changes() -> None:
    def fingerprint_of(state: LiveState) -> str | None:
        return plan(desired(), state).sets[0].fingerprint

    base = fingerprint_of(live(a=sns("a", "BOUNCE", "SEND")))
    assert base is not None and base.startswith("sha256:")
    # the same state, as the API may order it differently: the same fingerprint
    assert fingerprint_of(live(a=sns("a", "SEND", "BOUNCE"))) == base
    assert fingerprint_of(live(a=sns("a", "SEND"))) != base
    assert fingerprint_of(live(b=sns("a", "BOUNCE", "SEND"))) != base
    missing = fingerprint_of(LiveState({KEY: LiveSet(KEY, SetStatus.MISSING)}))
    assert missing not in (None, base, fingerprint_of(live()))
    failure = LiveSet(KEY, SetStatus.ERROR, error=ReadFailure("X", "y"))
    assert fingerprint_of(LiveState({KEY: failure})) is None


# --- private-looking names are data (deepdiff hides `__` keys by default) -------------------

PRIVATE = ("__campaign", "MESSAGE_TAG", "none")


def test_a_private_looking_dimension_with_another_source_live_is_misconfigured() -> None:
    result = plan(
        desired(a=cloudwatch(PRIVATE)), live(a=cloudwatch(("__campaign", "EMAIL_HEADER", "none")))
    )
    [row] = result.destinations
    assert (row.status, row.action) == (Status.MISCONFIGURED, Action.UPDATE)
    assert [(d.path, d.type, d.expected, d.actual) for d in row.differences] == [
        (
            "CloudWatchDestination.DimensionConfigurations[__campaign].DimensionValueSource",
            DiffType.NOT_EQUAL,
            "MESSAGE_TAG",
            "EMAIL_HEADER",
        )
    ]
    assert row.actual == normalise_definition(cloudwatch(("__campaign", "EMAIL_HEADER", "none")))
    assert result.drift


def test_a_private_looking_dimension_with_another_default_live_is_misconfigured() -> None:
    result = plan(
        desired(a=cloudwatch(PRIVATE)), live(a=cloudwatch(("__campaign", "MESSAGE_TAG", "other")))
    )
    [row] = result.destinations
    assert row.status is Status.MISCONFIGURED
    [difference] = row.differences
    assert difference.path.endswith("[__campaign].DefaultDimensionValue")
    assert (difference.expected, difference.actual) == ("none", "other")


def test_a_private_looking_dimension_missing_live_is_misconfigured() -> None:
    present = ("campaign", "MESSAGE_TAG", "none")
    result = plan(desired(a=cloudwatch(PRIVATE, present)), live(a=cloudwatch(present)))
    [row] = result.destinations
    assert row.status is Status.MISCONFIGURED
    assert [(d.path, d.type) for d in row.differences] == [
        ("CloudWatchDestination.DimensionConfigurations[__campaign]", DiffType.REMOVE)
    ]
    assert row.actual is not None
    assert [
        d["DimensionName"] for d in row.actual["CloudWatchDestination"]["DimensionConfigurations"]
    ] == ["campaign"]


# --- the invariant holds whatever deepdiff says ------------------------------------------------

DIMS = "CloudWatchDestination.DimensionConfigurations"


@dataclass
class FakeLevel:
    """What deepdiff's tree view gives for one difference."""

    parts: list[Any]
    t1: Any
    t2: Any

    def path(self, output_format: str) -> list[Any]:
        assert output_format == "list"
        return self.parts


def fake_deepdiff(monkeypatch: pytest.MonkeyPatch, answer: dict[str, list[FakeLevel]]) -> None:
    monkeypatch.setattr("driftcheck.plan.DeepDiff", lambda *args, **kwargs: answer)


@pytest.mark.parametrize(
    "answer",
    [
        {},  # explains nothing
        {"a_report_from_a_future_major": [FakeLevel(["Enabled"], True, False)]},
        {"values_changed": [FakeLevel(["Enabled"], True, False)]},  # not what differs
        {  # a real difference, and one that is not
            "values_changed": [
                FakeLevel(
                    [*DIMS.split("."), "__campaign", "DimensionValueSource"],
                    "MESSAGE_TAG",
                    "EMAIL_HEADER",
                ),
                FakeLevel(["Enabled"], True, False),
            ]
        },
        {"values_changed": [FakeLevel([*DIMS.split("."), 0], {}, {})]},  # a list position
    ],
    ids=["empty", "unknown-report", "unrelated", "one-too-many", "position"],
)
def test_a_pair_that_differs_is_misconfigured_whatever_deepdiff_answers(
    monkeypatch: pytest.MonkeyPatch, answer: dict[str, list[FakeLevel]]
) -> None:
    fake_deepdiff(monkeypatch, answer)
    live_definition = cloudwatch(("__campaign", "EMAIL_HEADER", "none"))
    result = plan(desired(a=cloudwatch(PRIVATE)), live(a=live_definition))
    [row] = result.destinations
    assert row.status is Status.MISCONFIGURED
    assert row.actual == normalise_definition(live_definition)
    assert [(d.path, d.type, d.expected, d.actual) for d in row.differences] == [
        (
            f"{DIMS}[__campaign].DimensionValueSource",
            DiffType.NOT_EQUAL,
            "MESSAGE_TAG",
            "EMAIL_HEADER",
        )
    ]


def test_deepdiffs_explanation_is_kept_when_it_is_the_truth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the structural comparison would report the whole event type list; deepdiff's items win
    a, b = normalise_definition(sns("a", "BOUNCE")), normalise_definition(sns("a", "SEND"))
    assert [(d.path, d.type) for d in compare(a, b)] == [
        ("MatchingEventTypes", DiffType.REMOVE),
        ("MatchingEventTypes", DiffType.ADD),
    ]
    fake_deepdiff(monkeypatch, {})
    assert [(d.path, d.type, d.actual) for d in compare(a, b)] == [
        ("MatchingEventTypes", DiffType.NOT_EQUAL, ["SEND"])
    ]


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ({"__X": 1}, {"__X": 2}),  # private-looking keys
        ({"X": {"__y": "a"}}, {"X": {}}),
        ({"X": "campaign"}, {"X": "Campaign"}),  # case
        ({"X": "1"}, {"X": 1}),  # type groups
        ({"X": 1}, {"X": 1.5}),  # numbers, exactly
        ({"X": 1.0000001}, {"X": 1.0000002}),
        ({"X": "a"}, {"X": b"a"}),  # str and bytes
        ({"X": {"a": 1, "b": 2, "c": 3}}, {"X": {"a": 9, "b": 9, "c": 9}}),  # never merged
    ],
)
def test_deepdiff_is_configured_to_hide_nothing(expected: Any, actual: Any) -> None:
    differences = _deepdiff_differences(expected, actual)
    assert differences  # deepdiff's own explanation, not the fallback's
    assert apply_differences(expected, differences) == actual


def test_deepdiff_options_are_parameters_of_the_installed_deepdiff() -> None:
    parameters = inspect.signature(DeepDiff.__init__).parameters
    assert set(_DEEPDIFF_OPTIONS) <= set(parameters)
    assert _DEEPDIFF_OPTIONS["ignore_private_variables"] is False
    assert parameters["ignore_private_variables"].default is True  # why it is set


def test_repeated_dimension_names_live_are_one_change_of_the_whole_list() -> None:
    dimension = ("a", "MESSAGE_TAG", "x")
    live_definition = cloudwatch(dimension, dimension)
    result = plan(desired(a=cloudwatch(dimension)), live(a=live_definition))
    [row] = result.destinations
    assert row.status is Status.MISCONFIGURED
    [difference] = row.differences
    assert (difference.path, difference.type) == (DIMS, DiffType.NOT_EQUAL)
    assert (
        difference.actual
        == normalise_definition(live_definition)["CloudWatchDestination"]["DimensionConfigurations"]
    )


def test_names_outside_the_ses_alphabet_are_quoted_in_paths() -> None:
    differences = compare(
        normalise_definition(cloudwatch(("a.b]", "MESSAGE_TAG", "x"), ("", "LINK_TAG", "y"))),
        normalise_definition(cloudwatch(("a.b]", "MESSAGE_TAG", "z"))),
    )
    assert [(d.path, d.type) for d in differences] == [
        (f'{DIMS}[""]', DiffType.REMOVE),
        (f'{DIMS}["a.b]"].DefaultDimensionValue', DiffType.NOT_EQUAL),
    ]
