"""Saved plans: exact round trip, clear errors for bad files, and stale plans refused."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from driftcheck.apply import Outcome, apply_plan, verify_saved_plan
from driftcheck.emulator import Emulator
from driftcheck.formats.json_format import document
from driftcheck.live.clients import ClientSettings
from driftcheck.live.reader import read_live_state
from driftcheck.model import (
    Api,
    DesiredState,
    LiveSet,
    LiveState,
    Plan,
    ReadFailure,
    SetKey,
    SetStatus,
)
from driftcheck.plan import plan
from driftcheck.saved_plan import (
    SavedPlanError,
    StalePlanError,
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
        )
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
        listed={(Api.PINPOINT_EMAIL, "us-east-1"): ("locked", "other", "tx")},
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
    assert load(save(original, created_at=WHEN), "plan.json") == original


def test_the_file_holds_the_public_plan_document_and_its_metadata() -> None:
    original = rich_plan()
    saved = json.loads(save(original, created_at=WHEN))
    assert list(saved)[:4] == ["kind", "format_version", "driftcheck_version", "created_at"]
    assert (saved["kind"], saved["format_version"]) == ("driftcheck-saved-plan", "1")
    assert saved["created_at"] == "2026-11-29T05:30:00Z"  # in UTC
    public = document(original)
    for name, value in public.items():
        if not isinstance(value, list):
            assert saved["plan"][name] == value
    for saved_set, public_set, set_plan in zip(
        saved["plan"]["configuration_sets"],
        public["configuration_sets"],
        original.sets,
        strict=True,
    ):
        assert {**saved_set, **public_set} == saved_set  # the document's keys, and more
        assert saved_set["fingerprint"] == set_plan.fingerprint
    assert saved["plan"]["destinations"][0].keys() >= public["destinations"][0].keys()


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


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "plan.json is not a driftcheck saved plan: it is not JSON"),
        ("[1, 2]", 'plan.json is not a driftcheck saved plan (no "kind"'),
        ('{"format_version": "1", "destinations": []}', "is not a driftcheck saved plan"),
        (
            '{"kind": "driftcheck-saved-plan", "format_version": "2"}',
            "plan.json is a saved plan of format version '2', which driftcheck",
        ),
    ],
)
def test_foreign_and_incompatible_files_are_one_sentence(text: str, words: str) -> None:
    with pytest.raises(SavedPlanError, match=words.replace("(", r"\(")):
        load(text, "plan.json")


def test_an_edited_plan_is_refused() -> None:
    saved = json.loads(save(rich_plan(), created_at=WHEN))
    saved["plan"]["destinations"][0]["expected"]["Enabled"] = False
    with pytest.raises(SavedPlanError, match="damaged or was edited: its checksum does not match"):
        load(json.dumps(saved), "plan.json")


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (
            ("configuration_sets", 0, "status"),
            "bogus",
            r"configuration_sets\[0\].status is 'bogus'",
        ),
        (("configuration_sets", 0, "api"), 7, r"configuration_sets\[0\].api has the wrong type"),
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
    del saved["plan"]["configuration_sets"][1]["fingerprint"]
    with pytest.raises(SavedPlanError, match=r"configuration_sets\[1\] has no 'fingerprint'"):
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
