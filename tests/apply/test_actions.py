"""From a plan to apply actions: what is done, in which order, and what is never touched."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from driftcheck.apply.actions import ActionKind, ApplyAction, build_actions, update_definition
from driftcheck.errors import UsageError
from driftcheck.ignore import Target
from driftcheck.model import (
    Api,
    DesiredDestination,
    DesiredSet,
    DesiredState,
    LiveSet,
    LiveState,
    SetStatus,
    Source,
)
from driftcheck.plan import plan as real_plan
from driftcheck.plan_model import DestinationPlan, SetPlan
from tests.factories import (
    added,
    cloudwatch,
    definition,
    dimension,
    extra,
    in_sync,
    key,
    misconfigured,
    missing,
    missing_set,
    not_equal,
    plan,
    present,
    removed,
    sns,
    unreadable,
)

TX = key("tx")
NEW = key("new", api=Api.SESV2)
A = definition("BOUNCE", SnsDestination=sns("a"))
B = definition("SEND", SnsDestination=sns("b"))


def kinds(actions: tuple[ApplyAction, ...]) -> list[tuple[str, str, str | None]]:
    return [(a.kind.value, a.key.name, a.destination) for a in actions]


def ignored(row: DestinationPlan) -> DestinationPlan:
    return replace(row, differences=tuple(replace(d, ignored=True) for d in row.differences))


def test_a_missing_set_is_created_before_its_destinations() -> None:
    result = build_actions(
        plan([missing_set(NEW)], [missing(NEW, "b", B, 3), missing(NEW, "a", A, 2)])
    )
    assert kinds(result) == [
        ("create-set", "new", None),
        ("create", "new", "a"),
        ("create", "new", "b"),
    ]
    assert result[1].definition == A


def test_a_missing_set_without_destinations_is_still_created() -> None:
    assert kinds(build_actions(plan([missing_set(NEW)], []))) == [("create-set", "new", None)]


def test_every_kind_of_drift_in_a_present_set() -> None:
    rows = [
        misconfigured(TX, "a", A, B, [not_equal("SnsDestination.TopicArn", "x", "y")], 2),
        missing(TX, "b", B, 3),
        extra(TX, "c", A, 1),
        in_sync(TX, "d", A, 4),
    ]
    result = build_actions(plan([present(TX)], rows))
    # updates and creates first, deletes last: a renamed destination is never missing between
    assert kinds(result) == [("update", "tx", "a"), ("create", "tx", "b"), ("delete", "tx", "c")]
    assert result[0].definition == A  # the complete spec definition
    assert result[2].definition is None


def test_deletes_go_first_when_creates_would_exceed_ten_destinations() -> None:
    rows = [in_sync(TX, f"keep{i}", A, i) for i in range(9)]
    rows += [extra(TX, "old", A, 1), missing(TX, "new", B, 20)]
    assert kinds(build_actions(plan([present(TX)], rows)))[:2] == [
        ("delete", "tx", "old"),
        ("create", "tx", "new"),
    ]


def test_no_delete_keeps_extras() -> None:
    rows = [extra(TX, "c", A, 1), missing(TX, "b", B, 3)]
    assert kinds(build_actions(plan([present(TX)], rows), no_delete=True)) == [
        ("create", "tx", "b")
    ]


def test_unreadable_and_unmanaged_sets_are_never_touched() -> None:
    other = key("other")
    sets = [unreadable(TX), SetPlan(other, SetStatus.UNMANAGED, source=None)]
    # rows for them cannot come from plan(); even if they did, they would be left alone
    rows = [extra(TX, "c", A, 1), extra(other, "z", A, 1)]
    assert build_actions(plan(sets, rows)) == ()


def test_ignored_rows_and_all_ignored_differences_are_left_alone() -> None:
    row = misconfigured(TX, "a", A, B, [not_equal("SnsDestination.TopicArn", "x", "y")], 2)
    in_sync_now = replace(ignored(row), status=in_sync(TX, "a", A, 2).status)
    rows = [replace(extra(TX, "c", A, 1), ignored=True), in_sync_now]
    assert build_actions(plan([present(TX)], rows)) == ()


def test_targets_limit_the_actions() -> None:
    rows = [missing(NEW, "a", A, 2), missing(NEW, "b", B, 3), extra(TX, "c", A, 1)]
    sets = [missing_set(NEW), present(TX)]
    result = build_actions(plan(sets, rows), targets=[Target("new", "b")])
    assert kinds(result) == [("create-set", "new", None), ("create", "new", "b")]
    assert kinds(build_actions(plan(sets, rows), targets=[Target("tx")])) == [("delete", "tx", "c")]
    with pytest.raises(UsageError, match="no such destination"):
        build_actions(plan(sets, rows), targets=[Target("tx", "nope")])
    with pytest.raises(UsageError, match="--target nope: the plan has no such configuration set"):
        build_actions(plan(sets, rows), targets=[Target("nope")])


def test_an_action_names_its_target() -> None:
    action = build_actions(plan([present(NEW)], [missing(NEW, "a", A, 2)]))[0]
    assert str(action) == "create event destination new/a (us-east-1, sesv2)"
    assert str(ApplyAction(ActionKind.CREATE_SET, TX)) == (
        "create configuration set tx (us-east-1, pinpoint-email)"
    )
    prod = replace(TX, account="111111111111", account_name="prod")
    assert str(ApplyAction(ActionKind.DELETE, prod, "c")) == (
        "delete event destination tx/c (us-east-1, pinpoint-email) in account prod (111111111111)"
    )


def test_an_account_target_limits_the_actions_to_that_account() -> None:
    prod = replace(TX, account="111111111111", account_name="prod")
    staging = replace(TX, account="222222222222", account_name="staging")
    fleet = plan(
        [present(prod), present(staging)], [extra(prod, "c", A, 1), extra(staging, "c", A, 1)]
    )
    [action] = build_actions(fleet, targets=[Target.parse("staging:tx")])
    assert (action.kind, action.key.account) == (ActionKind.DELETE, "222222222222")
    assert len(build_actions(fleet, targets=[Target.parse("tx/c")])) == 2
    with pytest.raises(UsageError, match="--target dev:tx: the plan has no such configuration set"):
        build_actions(fleet, targets=[Target.parse("dev:tx")])


# --- an update keeps the live value of ignored differences -------------------------------


def test_ignored_enabled_keeps_the_live_value() -> None:
    spec = definition("BOUNCE", "OPEN", SnsDestination=sns("spec"))
    live = definition("BOUNCE", enabled=False, SnsDestination=sns("live"))
    differences = [
        removed("MatchingEventTypes", "OPEN"),
        replace(not_equal("Enabled", True, False), ignored=True),
        not_equal("SnsDestination.TopicArn", sns("spec")["TopicArn"], sns("live")["TopicArn"]),
    ]
    row = misconfigured(TX, "a", spec, live, differences, 2)
    sent = update_definition(row)
    assert sent == {**spec, "Enabled": False}


@pytest.mark.parametrize(
    ("difference", "expected_types"),
    [
        (added("MatchingEventTypes", "CLICK"), ["BOUNCE", "CLICK", "OPEN"]),
        (removed("MatchingEventTypes", "OPEN"), ["BOUNCE"]),
    ],
)
def test_ignored_event_types_keep_the_live_value(
    difference: Any, expected_types: list[str]
) -> None:
    spec = definition("BOUNCE", "OPEN", SnsDestination=sns("a"))
    row = misconfigured(TX, "a", spec, spec, [replace(difference, ignored=True)], 2)
    assert update_definition(row)["MatchingEventTypes"] == expected_types


def test_ignored_topic_keeps_the_live_topic_while_the_rest_is_updated() -> None:
    spec = definition("BOUNCE", SnsDestination=sns("spec"))
    live = definition("SEND", SnsDestination=sns("live"))
    row = misconfigured(
        TX,
        "a",
        spec,
        live,
        [
            added("MatchingEventTypes", "SEND"),
            removed("MatchingEventTypes", "BOUNCE"),
            replace(
                not_equal(
                    "SnsDestination.TopicArn", sns("spec")["TopicArn"], sns("live")["TopicArn"]
                ),
                ignored=True,
            ),
        ],
        2,
    )
    assert update_definition(row) == {**spec, "SnsDestination": sns("live")}


def test_ignored_dimension_differences_keep_the_live_dimensions() -> None:
    spec = definition(
        "SEND", CloudWatchDestination=cloudwatch(dimension("a", "x"), dimension("b", "y"))
    )
    live = definition(
        "SEND", CloudWatchDestination=cloudwatch(dimension("a", "live"), dimension("c", "z"))
    )
    dims = "CloudWatchDestination.DimensionConfigurations"
    differences = [
        not_equal(f"{dims}[a].DefaultDimensionValue", "x", "live"),
        removed(f"{dims}[b]", dimension("b", "y")),
        added(f"{dims}[c]", dimension("c", "z")),
    ]
    row = misconfigured(TX, "a", spec, live, differences, 2)
    every = replace(row, differences=tuple(replace(d, ignored=True) for d in differences))
    assert update_definition(every) == live
    only_value = replace(row, differences=(replace(differences[0], ignored=True), *differences[1:]))
    assert update_definition(only_value) == definition(
        "SEND", CloudWatchDestination=cloudwatch(dimension("a", "live"), dimension("b", "y"))
    )


def test_no_ignored_difference_sends_the_spec_unchanged() -> None:
    row = misconfigured(TX, "a", A, B, [not_equal("Enabled", True, False)], 2)
    sent = update_definition(row)
    assert sent == A and sent is not A  # a copy: the plan's definition is never mutated


def test_ignored_dimensions_of_any_name_keep_their_live_values_through_a_real_plan() -> None:
    """From plan() to the update sent: the paths plan writes are the paths apply reads,
    for a private-looking name and for a name that needs quoting."""
    dims = "CloudWatchDestination.DimensionConfigurations"
    spec = definition(
        "SEND",
        CloudWatchDestination=cloudwatch(
            dimension("__campaign", "x"), dimension("a.b]", "x"), dimension("c", "x")
        ),
    )
    live = definition(
        "SEND",
        CloudWatchDestination=cloudwatch(
            dimension("__campaign", "live"), dimension("a.b]", "live"), dimension("c", "live")
        ),
    )
    ignore = (f"{dims}[__campaign]", f'{dims}["a.b]"].DefaultDimensionValue')
    desired = DesiredState(
        (
            DesiredSet(
                TX,
                (DesiredDestination("d", spec, Source("s.yaml", 2), ignore),),
                Source("s.yaml", 1),
            ),
        )
    )
    [row] = real_plan(
        desired, LiveState({TX: LiveSet(TX, SetStatus.PRESENT, {"d": live})})
    ).destinations
    assert [d.ignored for d in row.differences] == [True, True, False]
    assert update_definition(row) == definition(
        "SEND",
        CloudWatchDestination=cloudwatch(
            dimension("__campaign", "live"), dimension("a.b]", "live"), dimension("c", "x")
        ),
    )
