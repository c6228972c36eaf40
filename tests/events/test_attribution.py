"""attribute(): each drifted row gets the latest write that explains it; nothing else changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from driftcheck.events.attribution import (
    EXPLAINED_BY,
    Wanted,
    attributable,
    attribute,
    unattributed,
    wanted,
)
from driftcheck.events.records import WRITE_EVENT_NAMES, WriteEvent, parse_record
from driftcheck.model import Api, SetKey, SetStatus
from driftcheck.plan_model import Plan, Status
from tests import factories as f
from tests.events.records_data import ACCOUNT, record

NOW = datetime(2026, 11, 30, 19, 0, tzinfo=timezone.utc)
DEFINITION = f.definition("BOUNCE", SnsDestination=f.sns("bounces"))
OTHER = f.definition("SEND", SnsDestination=f.sns("sends"))


def write(
    event_name: str,
    set_name: str,
    destination: str | None = None,
    *,
    minutes_ago: int = 5,
    region: str = "us-east-1",
    account: str = ACCOUNT,
    event_id: str | None = None,
) -> WriteEvent:
    request = {"configurationSetName": set_name}
    if destination is not None:
        request["eventDestinationName"] = destination
    at = (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = parse_record(
        record(
            event_name,
            request,
            at=at,
            awsRegion=region,
            recipientAccountId=account,
            event_id=event_id or f"{event_name}-{set_name}-{destination}-{minutes_ago}",
        )
    )
    assert event is not None
    return event


KEY = f.key("marketing")
DRIFTED = f.plan(
    [f.present(KEY), f.missing_set(f.key("gone"))],
    [
        f.missing(KEY, "lost", DEFINITION, 3),
        f.extra(KEY, "stray", OTHER, 1),
        f.misconfigured(KEY, "changed", DEFINITION, OTHER, [], 5),
        f.in_sync(KEY, "fine", DEFINITION, 7),
        f.missing(f.key("gone"), "lost-with-its-set", DEFINITION, 9),
    ],
)


def changed(plan: Plan) -> dict[str, str | None]:
    """Row or set name -> the event id of its changed_by."""
    out = {r.name: r.changed_by and r.changed_by.event_id for r in plan.destinations}
    out.update({s.key.name: s.changed_by and s.changed_by.event_id for s in plan.sets})
    return out


def test_each_drift_kind_gets_the_write_that_explains_it() -> None:
    events = [
        write("DeleteConfigurationSetEventDestination", "marketing", "lost", event_id="del"),
        write("CreateConfigurationSetEventDestination", "marketing", "stray", event_id="new"),
        write("UpdateConfigurationSetEventDestination", "marketing", "changed", event_id="upd"),
        write("DeleteConfigurationSet", "gone", event_id="gone"),
        write("UpdateConfigurationSetEventDestination", "marketing", "fine", event_id="in-sync"),
    ]
    result = attribute(DRIFTED, events, at=NOW)
    assert changed(result) == {
        "marketing": None,
        "gone": "gone",
        "lost": "del",
        "stray": "new",
        "changed": "upd",
        "fine": None,  # in sync: not drift, never attributed
        "lost-with-its-set": "gone",  # its set's deletion took it
    }
    assert result.attributed_at == NOW
    assert unattributed(result) == 0 and attributable(result) == 5


def test_the_latest_explaining_write_wins_and_others_do_not_count() -> None:
    events = [
        write("UpdateConfigurationSetEventDestination", "marketing", "changed", minutes_ago=50,
              event_id="old"),
        write("CreateConfigurationSetEventDestination", "marketing", "changed", minutes_ago=20,
              event_id="recreated"),
        # deleting cannot explain a destination that is live and misconfigured
        write("DeleteConfigurationSetEventDestination", "marketing", "changed", minutes_ago=1),
        # updating cannot explain an extra destination: only its creation can
        write("UpdateConfigurationSetEventDestination", "marketing", "stray", minutes_ago=1),
    ]  # fmt: skip
    result = attribute(DRIFTED, events, at=NOW)
    assert changed(result)["changed"] == "recreated"
    assert changed(result)["stray"] is None
    assert unattributed(result) == 4


def test_names_match_case_insensitively_within_the_region_and_account() -> None:
    events = [
        write("UpdateConfigurationSetEventDestination", "MARKETING", "Changed", event_id="case"),
        write("CreateConfigurationSetEventDestination", "marketing", "stray", region="eu-west-1"),
        write("DeleteConfigurationSetEventDestination", "marketing", "lost", account="999"),
    ]
    result = attribute(DRIFTED, events, at=NOW)
    assert changed(result)["changed"] == "case"
    assert changed(result)["stray"] is None  # another region
    assert changed(result)["lost"] == "DeleteConfigurationSetEventDestination-marketing-lost-5"
    # a key that names its account takes only that account's events
    fleet_key = SetKey(Api.PINPOINT_EMAIL, "us-east-1", "marketing", account=ACCOUNT)
    fleet = f.plan([f.present(fleet_key)], [f.missing(fleet_key, "lost", DEFINITION, 3)])
    assert changed(attribute(fleet, events, at=NOW))["lost"] is None


def test_an_earlier_attribution_is_kept_unless_a_later_write_comes() -> None:
    first = attribute(DRIFTED, [write("DeleteConfigurationSet", "gone", event_id="1st")], at=NOW)
    again = attribute(first, [], at=NOW)
    later = attribute(
        first, [write("DeleteConfigurationSet", "gone", minutes_ago=1, event_id="2nd")], at=NOW
    )
    older = attribute(
        first, [write("DeleteConfigurationSet", "gone", minutes_ago=9, event_id="0th")], at=NOW
    )
    assert [changed(p)["gone"] for p in (again, later, older)] == ["1st", "2nd", "1st"]


def test_wanted_lists_the_writes_to_look_for_per_target() -> None:
    wants = wanted(DRIFTED)
    assert list(wants) == [("", "us-east-1")]
    found = wants[("", "us-east-1")]
    assert Wanted("DeleteConfigurationSetEventDestination", "marketing", "lost") in found
    assert Wanted("DeleteConfigurationSet", "marketing", None) in found  # for "lost"
    assert Wanted("CreateConfigurationSetEventDestination", "marketing", "stray") in found
    assert Wanted("UpdateConfigurationSetEventDestination", "marketing", "stray") not in found
    assert Wanted("DeleteConfigurationSet", "gone", None) in found
    assert not any(w.destination == "fine" for w in found)
    assert wanted(f.plan([f.present(KEY)], [f.in_sync(KEY, "fine", DEFINITION, 7)])) == {}


# --- property: attribution never changes a verdict ---------------------------------------------

SET_NAMES = st.sampled_from(["marketing", "Marketing", "alerts"])
ROW_NAMES = st.sampled_from(["lost", "LOST", "stray", "changed"])


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    rows, sets = [], []
    for index, name in enumerate(draw(st.lists(SET_NAMES, unique=True, min_size=1))):
        key = f.key(name, region=draw(st.sampled_from(["us-east-1", "eu-west-1"])))
        sets.append(draw(st.sampled_from([f.present(key), f.missing_set(key)])))
        for row_name in draw(st.lists(ROW_NAMES, unique=True)):
            row = draw(
                st.sampled_from(
                    [
                        f.in_sync(key, row_name, DEFINITION, index),
                        f.missing(key, row_name, DEFINITION, index),
                        f.extra(key, row_name, OTHER, index),
                        f.misconfigured(key, row_name, DEFINITION, OTHER, [], index),
                    ]
                )
            )
            rows.append(replace(row, ignored=draw(st.booleans())))
    return f.plan(sets, rows)


@st.composite
def events(draw: st.DrawFn) -> WriteEvent:
    name = draw(st.sampled_from(WRITE_EVENT_NAMES))
    destination = None if "EventDestination" not in name else draw(ROW_NAMES)
    return write(
        name,
        draw(SET_NAMES),
        destination,
        minutes_ago=draw(st.integers(0, 100)),
        region=draw(st.sampled_from(["us-east-1", "eu-west-1"])),
        event_id=f"id-{draw(st.integers(0, 10**6))}",
    )


def without_attribution(plan: Plan) -> Plan:
    return replace(
        plan,
        sets=tuple(replace(s, changed_by=None) for s in plan.sets),
        destinations=tuple(replace(r, changed_by=None) for r in plan.destinations),
        attributed_at=None,
    )


@given(plans(), st.lists(events(), max_size=12, unique_by=lambda e: e.event_id))
def test_attribution_changes_nothing_but_changed_by(plan: Plan, found: list[WriteEvent]) -> None:
    result = attribute(plan, found, at=NOW)
    assert without_attribution(result) == plan
    assert (result.drift, result.summary) == (plan.drift, plan.summary)
    by_id = {e.event_id: e for e in found}
    for row in result.destinations:
        explaining = [
            e
            for e in found
            if e.event_name in EXPLAINED_BY.get(row.status, ())
            and e.set_name.casefold() == row.key.name.casefold()
            and e.region == row.key.region
            and (e.destination_name is None or e.destination_name.casefold() == row.name.casefold())
        ]
        if not row.drifted or not explaining:
            assert row.changed_by is None
            continue
        # the latest of the writes that explain it
        assert row.changed_by is not None
        assert by_id[row.changed_by.event_id] in explaining
        assert row.changed_by.at == max(e.at for e in explaining)
    for set_plan in result.sets:
        if set_plan.changed_by is not None:
            assert set_plan.status is SetStatus.MISSING
            assert by_id[set_plan.changed_by.event_id].event_name == "DeleteConfigurationSet"
    rows_drifted = [r for r in result.destinations if r.drifted]
    assert unattributed(result) == sum(r.changed_by is None for r in rows_drifted) + sum(
        s.changed_by is None for s in result.missing_sets
    )
    assert all(r.status is not Status.IN_SYNC for r in rows_drifted)
