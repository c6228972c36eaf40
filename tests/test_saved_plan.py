"""Saved plans: exact round trip, clear errors for bad files, and stale plans refused."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftcheck import saved_plan
from driftcheck.apply import Outcome, apply_plan, verify_saved_plan
from driftcheck.diffpath import Key, Member, format_path
from driftcheck.emulator import Emulator
from driftcheck.formats import Format, render
from driftcheck.live.clients import ClientSettings
from driftcheck.live.reader import read_live_state
from driftcheck.model import (
    Api,
    DesiredState,
    LiveSet,
    LiveState,
    ReadFailure,
    SetKey,
    SetStatus,
    Source,
)
from driftcheck.plan import plan
from driftcheck.plan_model import (
    Action,
    DestinationPlan,
    Difference,
    DiffType,
    Plan,
    SetPlan,
    Status,
)
from driftcheck.saved_plan import (
    SavedPlanError,
    StalePlanError,
    check_replaceable,
    checksum,
    ensure_fresh,
    load,
    read_file,
    save,
    saved_plan_path,
    stale_sets,
    verify_keys,
    write_file,
)
from tests.apply.helpers import desired_set, write_calls
from tests.factories import ACCOUNT

GOLDEN_PLAN = Path(__file__).parent / "golden" / "saved-plan.json"
WHEN = datetime(2026, 11, 29, 6, 30, tzinfo=timezone(timedelta(hours=1)))
TX = SetKey(Api.PINPOINT_EMAIL, "us-east-1", "tx")
NEW = SetKey(Api.SESV2, "us-east-1", "new")
LOCKED = SetKey(Api.PINPOINT_EMAIL, "us-east-1", "locked")
OTHER = SetKey(Api.PINPOINT_EMAIL, "us-east-1", "other")


def sns(topic: str, *types: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "Enabled": enabled,
        "MatchingEventTypes": list(types or ["SEND"]),
        "SnsDestination": {"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:{topic}"},
    }


def desired() -> DesiredState:
    return DesiredState(
        (
            desired_set(
                TX, {"a": sns("a", "BOUNCE"), "b": sns("b"), "c": sns("c")}, {"c": ["Enabled"]}
            ),
            desired_set(NEW, {"x": sns("x")}),
            desired_set(LOCKED, {}),
        ),
        files=("specs/a.yaml", "specs/b.yaml", "specs/empty.yaml"),
    )


def live() -> LiveState:
    return LiveState(
        {
            TX: LiveSet(
                TX,
                SetStatus.PRESENT,
                {
                    "a": sns("a", "OPEN"),
                    "c": sns("c", enabled=False),
                    "z": {"MatchingEventTypes": []},
                },
            ),
            NEW: LiveSet(NEW, SetStatus.MISSING),
            LOCKED: LiveSet(
                LOCKED, SetStatus.ERROR, error=ReadFailure("AccessDeniedException", "no\x1b[31m")
            ),
        },
        listed={("", Api.PINPOINT_EMAIL, "us-east-1"): ("locked", "other", "tx")},
    )


def rich_plan() -> Plan:
    """Every kind of row and set, an ignored difference, an ignored row and set, a warning."""
    result = plan(desired(), live(), strict=True)
    rows = tuple(replace(r, ignored=True) if r.name == "z" else r for r in result.destinations)
    sets = tuple(
        replace(s, ignored=True) if s.status is SetStatus.UNMANAGED else s for s in result.sets
    )
    return replace(result, sets=sets, destinations=rows, warnings=("a 'warning' ü",))


# --- round trip --------------------------------------------------------------------------


def test_a_saved_plan_loads_back_exactly() -> None:
    original = rich_plan()
    assert {s.status for s in original.sets} == set(SetStatus)  # the test covers every kind
    assert any(d.ignored for r in original.destinations for d in r.differences)
    assert original.spec_files == 3 and original.warnings and original.strict
    assert load(save(original, created_at=WHEN), "plan.json") == original


# any text a name, a value, a message or a path may hold: control characters, DEL,
# non-ASCII, surrogate-free unicode, leading dashes and underscores
TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
KEYS = st.builds(SetKey, st.sampled_from(list(Api)), TEXT, TEXT)
PATHS = (
    st.lists(st.one_of(st.builds(Member, TEXT), st.builds(Key, TEXT)), max_size=4)
    .filter(lambda segments: not segments or isinstance(segments[0], Member))
    .map(format_path)
)
SOURCES = st.none() | st.builds(Source, TEXT, st.integers(1, 10**6), st.integers(1, 10**4))
DEFINITIONS = st.none() | st.dictionaries(TEXT, JSON_VALUES, max_size=4)
PLANS = st.builds(
    Plan,
    sets=st.lists(
        st.builds(
            SetPlan,
            key=KEYS,
            status=st.sampled_from(list(SetStatus)),
            source=SOURCES,
            error=st.none() | st.builds(ReadFailure, TEXT, TEXT),
            fingerprint=st.none() | TEXT,
            ignored=st.booleans(),
        ),
        max_size=4,
    ).map(tuple),
    destinations=st.lists(
        st.builds(
            DestinationPlan,
            key=KEYS,
            name=TEXT,
            status=st.sampled_from(list(Status)),
            action=st.sampled_from(list(Action)),
            expected=DEFINITIONS,
            actual=DEFINITIONS,
            differences=st.lists(
                st.builds(
                    Difference,
                    path=PATHS,
                    type=st.sampled_from(list(DiffType)),
                    expected=JSON_VALUES,
                    actual=JSON_VALUES,
                    ignored=st.booleans(),
                ),
                max_size=3,
            ).map(tuple),
            source=SOURCES,
            note=st.none() | TEXT,
            ignored=st.booleans(),
        ),
        max_size=4,
    ).map(tuple),
    warnings=st.lists(TEXT, max_size=3).map(tuple),
    strict=st.booleans(),
    spec_files=st.integers(0, 10**6),
)


@settings(max_examples=300, deadline=None)
@given(PLANS)
def test_any_plan_loads_back_exactly_from_ascii_text(original: Plan) -> None:
    text = save(original, created_at=WHEN)
    assert text.isascii() and "\x7f" not in text  # no character reaches a terminal raw
    assert load(text, "plan.json") == original


def test_the_file_is_its_own_versioned_document_not_the_json_report() -> None:
    original = rich_plan()
    saved = json.loads(save(original, created_at=WHEN))
    assert list(saved) == [
        "kind",
        "version",
        "driftcheck_version",
        "created_at",
        "checksum",
        "plan",
    ]
    assert (saved["kind"], saved["version"]) == ("driftcheck-saved-plan", 3)
    assert saved["created_at"] == "2026-11-29T05:30:00Z"  # in UTC
    # the plan itself, member by member: nothing derived, no key of the report's
    assert list(saved["plan"]) == ["sets", "destinations", "warnings", "strict", "spec_files"]
    assert "summary" not in saved["plan"] and "format_version" not in saved["plan"]
    assert [s["fingerprint"] for s in saved["plan"]["sets"]] == [
        s.fingerprint for s in original.sets
    ]
    assert saved["plan"]["sets"][0]["key"] == {
        "account": original.sets[0].key.account,
        "account_name": original.sets[0].key.account_name,
        "api": original.sets[0].key.api.value,
        "region": original.sets[0].key.region,
        "name": original.sets[0].key.name,
    }


def test_the_document_matches_its_golden_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any change of the saved-plan document shows here: change saved_plan.VERSION with it."""
    monkeypatch.setattr(saved_plan, "__version__", "0.1.0")
    text = save(rich_plan(), created_at=WHEN)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN_PLAN.write_text(text, encoding="utf-8")
    assert text == GOLDEN_PLAN.read_text(encoding="utf-8")


def test_who_changed_it_is_not_saved_the_plan_saves_the_same() -> None:
    from tests.formats.scenarios import attributed

    with_authors = attributed()
    without = replace(
        with_authors,
        sets=tuple(replace(s, changed_by=None) for s in with_authors.sets),
        destinations=tuple(replace(r, changed_by=None) for r in with_authors.destinations),
        attributed_at=None,
    )
    assert any(r.changed_by is not None for r in with_authors.destinations)
    assert save(with_authors, created_at=WHEN) == save(without, created_at=WHEN)
    assert load(save(with_authors, created_at=WHEN), "plan.json") == without


def test_saving_is_pure_and_ascii() -> None:
    text = save(rich_plan(), created_at=WHEN)
    assert text == save(rich_plan(), created_at=WHEN)
    assert text.isascii() and "\x1b" not in text and text.endswith("}\n")


# --- the file ------------------------------------------------------------------------------


def test_a_plan_written_to_a_file_reads_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_file(path, rich_plan(), created_at=WHEN)
    assert path.read_text(encoding="utf-8") == save(rich_plan(), created_at=WHEN)
    assert read_file(path) == rich_plan()


def test_a_file_that_cannot_be_written_or_read_is_one_sentence(tmp_path: Path) -> None:
    nowhere = tmp_path / "no-such-dir" / "plan.json"
    with pytest.raises(SavedPlanError, match=r"cannot save the plan to .*no-such-dir/plan\.json"):
        write_file(nowhere, rich_plan(), created_at=WHEN)
    with pytest.raises(SavedPlanError, match=r"cannot read the saved plan .*no-such-dir"):
        read_file(nowhere)
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(b'{"kind": "\xe9"}')
    with pytest.raises(SavedPlanError, match=r"cannot read the saved plan .*latin1\.json"):
        read_file(latin1)


def test_apply_takes_one_json_file_as_a_saved_plan_and_anything_else_as_specs(
    tmp_path: Path,
) -> None:
    (tmp_path / "specs.json").mkdir()
    assert saved_plan_path([tmp_path / "plan.json"]) == tmp_path / "plan.json"
    assert saved_plan_path([tmp_path / "plan.JSON"]) is None  # as before: .json only
    assert saved_plan_path([tmp_path / "specs.json"]) is None  # a directory of specs
    assert saved_plan_path([tmp_path / "a.json", tmp_path / "b.json"]) is None
    assert saved_plan_path([tmp_path / "specs.yaml"]) is None
    assert saved_plan_path([]) is None and saved_plan_path(None) is None


# --- files that are not usable ---------------------------------------------------------------


def resealed(saved: dict[str, Any]) -> str:
    """A saved plan whose content was changed and whose checksum was recomputed to match."""
    saved["checksum"] = checksum(saved["plan"])
    return json.dumps(saved)


# a saved plan as driftcheck 0.1.0 wrote it before the saved plan had its own document
VERSION_1 = {
    "kind": "driftcheck-saved-plan",
    "format_version": "1",
    "driftcheck_version": "0.1.0",
    "created_at": "2026-11-29T05:00:00Z",
    "checksum": "sha256:0",
    "plan": {"format_version": "1", "drift": False, "summary": {}, "configuration_sets": []},
}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "plan.json is not a driftcheck saved plan: it is not JSON"),
        ("[1, 2]", 'plan.json is not a driftcheck saved plan (no "kind"'),
        ('{"format_version": "1", "destinations": []}', "is not a driftcheck saved plan"),
        (
            '{"kind": "driftcheck-saved-plan", "version": 2}',
            "plan.json is a saved plan of version 2, which driftcheck",
        ),
        ('{"kind": "driftcheck-saved-plan", "version": true}', "of version True, which"),
        (
            json.dumps(VERSION_1),
            "plan.json is a saved plan of version '1' (written by driftcheck 0.1.0), which "
            "driftcheck 0.1.0 cannot apply (it reads version 3); run `driftcheck plan --out",
        ),
        (
            render(rich_plan(), Format.JSON),
            "plan.json is a JSON report (`plan --format json`), not a saved plan; apply takes "
            "the file that `driftcheck plan --out FILE` writes",
        ),
    ],
)
def test_foreign_and_incompatible_files_are_one_sentence(text: str, words: str) -> None:
    with pytest.raises(SavedPlanError) as caught:
        load(text, "plan.json")
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_edited_plan_is_refused() -> None:
    saved = json.loads(save(rich_plan(), created_at=WHEN))
    saved["plan"]["destinations"][0]["expected"]["Enabled"] = False
    with pytest.raises(SavedPlanError, match="damaged or was edited: its checksum does not match"):
        load(json.dumps(saved), "plan.json")


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (("sets", 0, "status"), "bogus", r"sets\[0\].status is 'bogus'"),
        (("sets", 0, "key", "api"), 7, r"sets\[0\].key.api has the wrong type"),
        (("destinations", 2, "key"), [], r"destinations\[2\].key has the wrong type"),
        (("spec_files",), "3", "plan.spec_files has the wrong type"),
        (("destinations", 1, "differences"), None, r"destinations\[1\].differences has the wrong"),
        (
            ("destinations", 0, "source", "line"),
            True,
            r"destinations\[0\].source.line has the wrong",
        ),
        (("strict",), "yes", "plan.strict has the wrong type"),
        (
            ("destinations", 0, "differences", 0, "path"),
            "DimensionConfigurations[a.b]",  # unquoted: not what plan writes
            r"destinations\[0\].differences\[0\].path is not a difference path",
        ),
    ],
)
def test_a_structurally_corrupt_plan_names_the_place(
    path: tuple[Any, ...], value: Any, words: str
) -> None:
    saved = json.loads(save(rich_plan(), created_at=WHEN))
    target = saved["plan"]
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(SavedPlanError, match=f"plan.json is corrupt: .*{words}"):
        load(resealed(saved), "plan.json")


def test_a_missing_member_is_named() -> None:
    saved = json.loads(save(rich_plan(), created_at=WHEN))
    del saved["plan"]["sets"][1]["fingerprint"]
    with pytest.raises(SavedPlanError, match=r"sets\[1\] has no 'fingerprint'"):
        load(resealed(saved), "plan.json")


# --- staleness ---------------------------------------------------------------------------


def test_verify_keys_are_the_sets_whose_live_state_was_recorded() -> None:
    assert verify_keys(rich_plan()) == [TX, NEW]  # not the unreadable, not the unmanaged


def test_an_unchanged_live_state_is_fresh() -> None:
    saved = rich_plan()
    assert stale_sets(saved, live()) == []
    ensure_fresh(saved, live())  # no error
    # the order of event types and destinations, or a Name member, is not a change
    reordered = live().sets[TX]
    same = {n: {**d, "Name": n} for n, d in reversed(list(reordered.destinations.items()))}
    fresh = LiveState({**live().sets, TX: replace(reordered, destinations=same)})
    assert stale_sets(saved, fresh) == []


def test_changed_created_and_unreadable_sets_are_stale() -> None:
    saved = rich_plan()
    tx = live().sets[TX]
    changed = replace(tx, destinations={**tx.destinations, "a": sns("a", "CLICK")})
    created = LiveSet(NEW, SetStatus.PRESENT, {})
    fresh = LiveState({TX: changed, NEW: created})
    assert stale_sets(saved, fresh) == [TX, NEW]
    denied = LiveSet(NEW, SetStatus.ERROR, error=ReadFailure("AccessDeniedException", "denied"))
    with pytest.raises(StalePlanError) as info:
        ensure_fresh(saved, LiveState({TX: changed, NEW: denied}))
    message = str(info.value)
    assert message.startswith("the saved plan cannot be applied: 1 configuration set changed")
    assert "tx (us-east-1, pinpoint-email)" in message
    assert "new (us-east-1, sesv2) could not be re-read (AccessDeniedException: denied)" in message
    assert "nothing was written" in message
    assert (info.value.changed, info.value.unreadable) == ([TX], [NEW])


# --- against the emulator ----------------------------------------------------------------


@pytest.mark.usefixtures("aws_env")
def test_a_stale_saved_plan_is_refused_and_a_fresh_one_applies(emulator: Emulator) -> None:
    emulator.reset(
        {"version": 1, "regions": {"us-east-1": {"tx": {"a": sns("a", "OPEN")}, "other": {}}}}
    )
    settings = ClientSettings(endpoint_url=emulator.url)
    spec = DesiredState(
        (desired_set(TX, {"a": sns("a", "BOUNCE")}), desired_set(NEW, {"x": sns("x")}))
    )
    planned = plan(spec, read_live_state([TX, NEW], settings))
    text = save(planned, created_at=WHEN)

    # someone changes tx by hand after the plan was saved; "other" (not in the plan) too
    state = emulator.state
    state["regions"]["us-east-1"]["tx"]["a"]["Enabled"] = False
    state["regions"]["us-east-1"]["other"] = {"b": sns("b")}
    emulator.reset(state)
    with pytest.raises(
        StalePlanError, match=r"1 configuration set changed since it was made: tx \("
    ):
        verify_saved_plan(load(text, "plan.json"), settings)
    assert write_calls(emulator.stats()) == {}
    assert emulator.stats().calls == {"GetConfigurationSetEventDestinations": 2}  # tx and new

    fresh = save(plan(spec, read_live_state([TX, NEW], settings)), created_at=WHEN)
    saved = load(fresh, "plan.json")
    verify_saved_plan(saved, settings)
    results = apply_plan(saved, settings, max_rps=1000)
    assert [r.outcome for r in results] == [Outcome.OK] * 3  # update a, create new, create x
    assert not plan(spec, read_live_state([TX, NEW], settings)).drift


# --- the file ------------------------------------------------------------------------------


def test_a_saved_plan_file_round_trips_and_replaces_only_a_saved_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.touch()  # empty, as `mktemp` leaves it: nothing to lose
    write_file(path, rich_plan(), created_at=WHEN)
    assert read_file(path) == rich_plan()
    path.write_text(json.dumps(VERSION_1, indent=4))  # an older saved plan is replaced too
    write_file(path, rich_plan(), created_at=WHEN)
    assert read_file(path) == rich_plan()

    spec = tmp_path / "prod.yaml"
    spec.write_text("version: 1\n")
    with pytest.raises(SavedPlanError, match=r"prod\.yaml exists and is not a driftcheck saved"):
        write_file(spec, rich_plan(), created_at=WHEN)
    assert spec.read_text() == "version: 1\n"
    check_replaceable(Path("/dev/null"))  # nothing to destroy: written through
    check_replaceable(tmp_path / "new.json")


def test_an_unreadable_saved_plan_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(SavedPlanError, match=r"cannot read the saved plan .*: No such file"):
        read_file(tmp_path / "nope.json")
    (tmp_path / "latin.json").write_bytes(b'{"kind": "caf\xe9"}')
    with pytest.raises(SavedPlanError, match=r"latin\.json: it is not UTF-8 text"):
        read_file(tmp_path / "latin.json")
