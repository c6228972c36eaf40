"""Differential properties of the plan: its verdict is ``normalise(a) == normalise(b)`` and
nothing else, and its differences are the truth (applied to the spec side, they give the
live side; each one changes something).

Names and values are drawn to upset libraries and path syntaxes: leading ``_`` and ``__``
(deepdiff hides such mapping keys by default), ``-``, digits, the empty string, non-ASCII
text and the characters of the path grammar (``.``, ``[``, ``]``, ``"``). Pairs are mostly
near-misses (one leaf changed, a dimension added, removed or duplicated), where a false
"in sync" hides.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from driftcheck.differences import apply_differences
from driftcheck.diffpath import keyed_items
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
from driftcheck.plan import (
    _deepdiff_differences,
    compare,
    fingerprint,
    plan,
    structural_differences,
)
from driftcheck.plan_model import Status
from driftcheck.service_model import event_types

KEY = SetKey(Api.SESV2, "us-east-1", "tx")
SOURCE = Source("specs/tx.yaml", 1, 1)
# max_examples of each property (a few seconds together)
PAIRS = settings(max_examples=200, deadline=None)
STATES = settings(max_examples=100, deadline=None)

AWKWARD = st.sampled_from(
    ["", "_", "__", "__campaign", "_campaign", "campaign", "-x", "0", "42", "é", "日本",
     "a.b", "a]b", "a[b", 'a"b', "Campaign"]
)  # fmt: skip
TEXT = AWKWARD | st.text("_-0aZé.[]", max_size=5)
SOURCES = st.sampled_from(["MESSAGE_TAG", "EMAIL_HEADER", "LINK_TAG", "messageTag", "__x"])
EVENT_TYPES = st.lists(
    st.sampled_from([*event_types(Api.SESV2), "bounce", "renderingFailure", "__X", ""]),
    max_size=5,
)
# dimension names are the keys of a mapping inside deepdiff: awkward ones often
DIMENSION_NAMES = (
    st.sampled_from(["__campaign", "__", "_x", "campaign", "", "é", "a.b", "0"]) | TEXT
)
DIMENSION = st.fixed_dictionaries(
    {
        "DimensionName": DIMENSION_NAMES,
        "DimensionValueSource": SOURCES,
        "DefaultDimensionValue": TEXT,
    }
)
BLOCKS: dict[str, Any] = {
    "SnsDestination": st.fixed_dictionaries({"TopicArn": TEXT}),
    "KinesisFirehoseDestination": st.fixed_dictionaries(
        {"IamRoleArn": TEXT, "DeliveryStreamArn": TEXT}
    ),
    "PinpointDestination": st.fixed_dictionaries({"ApplicationArn": TEXT}),
    "EventBridgeDestination": st.fixed_dictionaries({"EventBusArn": TEXT}),
    "CloudWatchDestination": st.fixed_dictionaries(
        {"DimensionConfigurations": st.lists(DIMENSION, max_size=4)}
    ),
}


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    definition: dict[str, Any] = {"MatchingEventTypes": draw(EVENT_TYPES)}
    enabled = draw(st.sampled_from([True, False, None]))
    if enabled is not None:
        definition["Enabled"] = enabled
    # CloudWatch, the only block with a keyed list, half of the time
    kinds = st.sampled_from([*sorted(BLOCKS), *["CloudWatchDestination"] * 4])
    for block in draw(st.lists(kinds, min_size=1, max_size=2)):
        definition[block] = draw(BLOCKS[block])
    return definition


@st.composite
def mutated(draw: st.DrawFn, definition: dict[str, Any]) -> dict[str, Any]:
    """``definition`` with one near-miss change (or none, reordered)."""
    out: dict[str, Any] = {
        name: ({**value} if isinstance(value, dict) else value)
        for name, value in definition.items()
    }
    out["MatchingEventTypes"] = draw(st.permutations(definition["MatchingEventTypes"]))
    cloudwatch = out.get("CloudWatchDestination")
    dimensions = list(cloudwatch["DimensionConfigurations"]) if cloudwatch else []
    choice = draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7]))  # 7: no change
    if choice == 0 and dimensions:  # one field of one dimension changes
        index = draw(st.integers(0, len(dimensions) - 1))
        field = draw(st.sampled_from(sorted(dimensions[index])))
        dimensions[index] = {**dimensions[index], field: draw(TEXT)}
    elif choice == 1 and dimensions:  # a dimension is missing
        dimensions.pop(draw(st.integers(0, len(dimensions) - 1)))
    elif choice == 2:  # a dimension is added, maybe with a name that is already there
        dimensions.append(draw(DIMENSION))
    elif choice == 3 and dimensions:  # a dimension is repeated
        dimensions.append(dimensions[0])
    elif choice == 4:
        out["Enabled"] = draw(st.booleans())
    elif choice == 5:
        out["MatchingEventTypes"] = draw(EVENT_TYPES)
    elif choice == 6:  # another destination type, or a second one
        block = draw(st.sampled_from(sorted(BLOCKS)))
        out[block] = draw(BLOCKS[block])
    if cloudwatch:
        out["CloudWatchDestination"] = {
            "DimensionConfigurations": draw(st.permutations(dimensions))
        }
    return out


@st.composite
def pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = draw(definitions())
    live = draw(mutated(spec) | definitions())
    return spec, live


def one_row(spec: dict[str, Any], live_definition: dict[str, Any]) -> Any:
    desired = DesiredState(
        (DesiredSet(KEY, (DesiredDestination("d", normalise_definition(spec), SOURCE),), SOURCE),)
    )
    result = plan(
        desired, LiveState({KEY: LiveSet(KEY, SetStatus.PRESENT, {"d": live_definition})})
    )
    [row] = result.destinations
    return row


@PAIRS
@given(pairs())
def test_the_verdict_is_equality_of_normalised_forms(pair: tuple[dict[str, Any], ...]) -> None:
    spec, live_definition = pair
    expected, actual = normalise_definition(spec), normalise_definition(live_definition)
    row = one_row(spec, live_definition)
    equal = expected == actual
    assert (row.status is Status.IN_SYNC) == equal
    assert row.status is (Status.IN_SYNC if equal else Status.MISCONFIGURED)
    assert row.actual == actual  # always the live value, never the spec's
    assert row.expected == expected
    assert bool(row.differences) != equal
    event("in sync" if equal else "misconfigured")


@PAIRS
@given(pairs())
def test_differences_applied_to_the_spec_give_the_live_side(
    pair: tuple[dict[str, Any], ...],
) -> None:
    spec, live_definition = pair
    expected, actual = normalise_definition(spec), normalise_definition(live_definition)
    differences = compare(expected, actual)
    assert apply_differences(expected, differences) == actual
    assert len(set(map(repr, differences))) == len(differences)
    for difference in differences:  # each one is real: alone, it changes the spec side
        assert apply_differences(expected, [difference]) != expected


@PAIRS
@given(pairs())
def test_the_structural_comparison_alone_explains_every_pair(
    pair: tuple[dict[str, Any], ...],
) -> None:
    """The fallback, on its own: it must be right whenever deepdiff is not."""
    expected, actual = (normalise_definition(d) for d in pair)
    differences = structural_differences(expected, actual)
    assert (differences == []) == (expected == actual)
    assert apply_differences(expected, differences) == actual
    for difference in differences:
        assert apply_differences(expected, [difference]) != expected


def keyable(definition: dict[str, Any]) -> bool:
    dimensions = definition.get("CloudWatchDestination", {}).get("DimensionConfigurations", [])
    return keyed_items("DimensionConfigurations", dimensions) is not None


@PAIRS
@given(pairs())
def test_deepdiff_as_configured_explains_every_pair_it_can_address(
    pair: tuple[dict[str, Any], ...],
) -> None:
    """Without the structural fallback: with its defaults, deepdiff fails this (it skips
    ``__`` keys, so a dimension named ``__campaign`` is never compared)."""
    expected, actual = (normalise_definition(d) for d in pair)
    assume(expected != actual and keyable(expected) and keyable(actual))
    differences = _deepdiff_differences(expected, actual)
    assert differences is not None
    assert apply_differences(expected, differences) == actual


# equal under `==`, told apart by str(), repr() or type: what normalising must not look at
EQUAL_SCALARS = st.sampled_from([True, 1, 1.0, False, 0, 0.0])


@st.composite
def loose_definitions(draw: st.DrawFn) -> dict[str, Any]:
    """Definitions as no validated spec or API answer has them: dimension names and values
    that are numbers or booleans, besides the awkward strings."""
    definition = draw(definitions())
    cloudwatch = definition.get("CloudWatchDestination")
    if cloudwatch is not None:
        loose = st.fixed_dictionaries(
            {
                "DimensionName": DIMENSION_NAMES | EQUAL_SCALARS,
                "DimensionValueSource": SOURCES | EQUAL_SCALARS,
                "DefaultDimensionValue": TEXT | EQUAL_SCALARS,
            }
        )
        extra = draw(st.lists(loose, max_size=3))
        dimensions = [*cloudwatch["DimensionConfigurations"], *extra]
        definition["CloudWatchDestination"] = {
            "DimensionConfigurations": draw(st.permutations(dimensions))
        }
    if draw(st.booleans()):
        definition["Enabled"] = draw(EQUAL_SCALARS)
    return definition


@st.composite
def equal_twin(draw: st.DrawFn, value: Any, *, same_types: bool = False) -> Any:
    """A value ``==`` to ``value`` and built anew: every mapping's members in another order
    and, unless ``same_types``, each bool, int or float swapped for an equal one of another
    type (``True`` for ``1.0``...)."""
    if isinstance(value, dict):
        names = draw(st.permutations(list(value)))
        return {name: draw(equal_twin(value[name], same_types=same_types)) for name in names}
    if isinstance(value, list):
        return [draw(equal_twin(item, same_types=same_types)) for item in value]
    if not same_types and isinstance(value, (bool, int, float)) and value in (0, 1):
        return draw(st.sampled_from([v for v in (True, 1, 1.0, False, 0, 0.0) if v == value]))
    return value


@PAIRS
@given(loose_definitions() | definitions())
def test_normalising_is_idempotent(definition: dict[str, Any]) -> None:
    normalised = normalise_definition(definition)
    assert normalise_definition(normalised) == normalised


@PAIRS
@given(st.data(), loose_definitions() | definitions())
def test_normalising_respects_equality(data: st.DataObject, definition: dict[str, Any]) -> None:
    """``x == y`` gives ``N(x) == N(y)``: what lets the plan skip normalising a live
    definition that is already ``==`` to the spec's normalised one."""
    twin = data.draw(equal_twin(definition))
    assert twin == definition
    assert normalise_definition(twin) == normalise_definition(definition)


@PAIRS
@given(st.data(), definitions())
def test_a_live_definition_equal_to_the_normalised_spec_is_in_sync_and_fingerprinted_alike(
    data: st.DataObject, spec: dict[str, Any]
) -> None:
    """The plan's shortcut (``read == N(spec)``: in sync, not normalised) gives the verdict,
    the ``actual`` and the set fingerprint that normalising the live side gives: the one
    ``apply`` compares with a re-read's."""
    live_definition = data.draw(equal_twin(normalise_definition(spec), same_types=True))
    live_set = LiveSet(KEY, SetStatus.PRESENT, {"d": live_definition})
    desired = DesiredState(
        (DesiredSet(KEY, (DesiredDestination("d", normalise_definition(spec), SOURCE),), SOURCE),)
    )
    result = plan(desired, LiveState({KEY: live_set}))
    [row], [set_plan] = result.destinations, result.sets
    assert row.status is Status.IN_SYNC and row.differences == ()
    assert row.actual == normalise_definition(live_definition)
    assert set_plan.fingerprint == fingerprint(live_set)


@STATES
@given(
    st.lists(st.sampled_from(["a", "b", "__c", "-d", "0"]), unique=True, max_size=4),
    st.lists(st.sampled_from(["present", "missing", "error", "absent"]), min_size=4, max_size=4),
    st.lists(st.sampled_from(["x", "y", "__z"]), unique=True, max_size=3),
    st.lists(st.sampled_from(["__u", "u", "a"]), unique=True, max_size=3),
)
def test_every_declared_set_is_planned_or_an_error(
    names: list[str], fates: list[str], destinations: list[str], listed: list[str]
) -> None:
    keys = [SetKey(Api.SESV2, "us-east-1", name) for name in names]
    definition = normalise_definition({"Enabled": True, "SnsDestination": {"TopicArn": "t"}})
    desired = DesiredState(
        tuple(
            DesiredSet(
                k, tuple(DesiredDestination(d, definition, SOURCE) for d in destinations), SOURCE
            )
            for k in keys
        )
    )
    live_sets: dict[SetKey, LiveSet] = {}
    for key, fate in zip(keys, fates, strict=False):
        if fate == "present":
            live_sets[key] = LiveSet(key, SetStatus.PRESENT, {d: definition for d in destinations})
        elif fate == "missing":
            live_sets[key] = LiveSet(key, SetStatus.MISSING)
        elif fate == "error":
            live_sets[key] = LiveSet(key, SetStatus.ERROR, error=ReadFailure("Throttling", "slow"))
    state = LiveState(live_sets, {("", Api.SESV2, "us-east-1"): tuple(listed)})
    result = plan(desired, state)
    for key in keys:
        [set_plan] = [s for s in result.sets if s.key == key]
        rows = [r for r in result.destinations if r.key == key]
        if key not in live_sets or live_sets[key].status is SetStatus.ERROR:
            assert set_plan.status is SetStatus.ERROR and set_plan.error is not None
            assert rows == [] and set_plan.fingerprint is None
        else:
            assert set_plan.status is live_sets[key].status
            assert sorted(r.name for r in rows) == sorted(destinations)
            missing = set_plan.status is SetStatus.MISSING
            assert all((r.status is Status.MISSING) == missing for r in rows)
    assert result.summary.errors == sum(1 for s in result.sets if s.status is SetStatus.ERROR)
    unmanaged = {s.key.name for s in result.sets if s.status is SetStatus.UNMANAGED}
    assert unmanaged == set(listed) - set(names)
    # the live destinations equal the declared ones: only a missing set is drift
    assert result.drift == any(s.status is SetStatus.MISSING for s in live_sets.values())
