"""The alert state file: when to alert, and a file that is atomic and never silently reset."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from driftcheck.alerts import AlertError, AlertKind, AlertState, read_state, write_state
from driftcheck.alerts.state import decide

DRIFT, ERROR, RESOLVED = AlertKind.DRIFT, AlertKind.ERROR, AlertKind.RESOLVED
OUTSTANDING = AlertState("sha256:aaa", DRIFT, ("us-east-1",), "t0", "t0")
CLEARED = AlertState(None, RESOLVED, (), "t1", "t1")


@pytest.mark.parametrize(
    ("kind_now", "fingerprint_now", "previous", "expected"),
    [
        (DRIFT, "sha256:aaa", None, DRIFT),  # first run with drift
        (DRIFT, "sha256:aaa", CLEARED, DRIFT),  # drift appears again
        (DRIFT, "sha256:aaa", OUTSTANDING, None),  # unchanged
        (DRIFT, "sha256:bbb", OUTSTANDING, DRIFT),  # changed
        (ERROR, "sha256:ccc", OUTSTANDING, ERROR),  # now unreadable: not resolved
        (None, None, OUTSTANDING, RESOLVED),  # cleared
        (None, None, CLEARED, None),  # still clean
        (None, None, None, None),  # clean from the start
    ],
)
def test_with_state_alerts_only_on_changes(
    kind_now: AlertKind | None,
    fingerprint_now: str | None,
    previous: AlertState | None,
    expected: AlertKind | None,
) -> None:
    assert decide(kind_now, fingerprint_now, previous, stateful=True) is expected


@pytest.mark.parametrize("kind_now", [DRIFT, ERROR, None])
def test_without_state_every_drift_alerts_and_nothing_resolves(
    kind_now: AlertKind | None,
) -> None:
    assert decide(kind_now, "sha256:aaa", OUTSTANDING, stateful=False) is kind_now


def test_the_state_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "alert-state.json"  # directories are created
    write_state(path, OUTSTANDING)
    assert read_state(path) == OUTSTANDING
    assert json.loads(path.read_text())["kind"] == "driftcheck-alert-state"
    write_state(path, CLEARED)
    assert read_state(path) == CLEARED
    assert sorted(p.name for p in path.parent.iterdir()) == ["alert-state.json"]


def test_no_file_is_no_state(tmp_path: Path) -> None:
    assert read_state(tmp_path / "absent.json") is None


def test_the_accounts_of_an_alert_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    fleet = AlertState(
        "sha256:aaa", DRIFT, ("us-east-1",), "t0", "t0", (("111111111111", "prod"), ("2" * 12, ""))
    )
    write_state(path, fleet)
    assert read_state(path) == fleet
    assert json.loads(path.read_text())["accounts"] == [
        {"account": "111111111111", "account_name": "prod"},
        {"account": "222222222222", "account_name": None},
    ]


def test_a_state_file_written_before_accounts_still_loads(tmp_path: Path) -> None:
    """Exactly what the release before accounts wrote: no "accounts" key."""
    path = tmp_path / "state.json"
    path.write_text(
        '{\n  "kind": "driftcheck-alert-state",\n  "version": 1,\n'
        '  "fingerprint": "sha256:aaa",\n  "last_alert": "drift",\n'
        '  "regions": [\n    "us-east-1"\n  ],\n'
        '  "alerted_at": "t0",\n  "checked_at": "t0"\n}\n'
    )
    assert read_state(path) == OUTSTANDING
    assert OUTSTANDING.accounts == ()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "Expecting value"),
        ("{not json", "Expecting property name"),
        ("[]", "not a JSON object"),
        ('{"kind": "terraform-state", "version": 1}', '"kind" is not "driftcheck-alert-state"'),
        ('{"kind": "driftcheck-alert-state", "version": 2}', '"version" 2 is not 1'),
        (
            '{"kind": "driftcheck-alert-state", "version": 1, "fingerprint": 42}',
            '"fingerprint" is not a sha256 fingerprint',
        ),
        (
            '{"kind": "driftcheck-alert-state", "version": 1, "last_alert": "panic"}',
            "\"last_alert\" 'panic' is not an alert kind",
        ),
        (
            '{"kind": "driftcheck-alert-state", "version": 1, "regions": "us-east-1"}',
            '"regions" is not a list of region names',
        ),
        ("[" * 100_000, "maximum recursion depth"),
        (
            '{"kind": "driftcheck-alert-state", "version": 1, "accounts": ["111111111111"]}',
            '"accounts" is not a list of {"account", "account_name"} objects',
        ),
        (
            '{"kind": "driftcheck-alert-state", "version": 1, "accounts": [{"account": 1}]}',
            '"accounts" is not a list of {"account", "account_name"} objects',
        ),
    ],
)
def test_a_corrupt_or_foreign_file_is_an_error_and_is_left_alone(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(AlertError) as caught:
        read_state(path)
    message = str(caught.value)
    assert message.startswith(f"{path} is not a driftcheck alert state file (")
    assert reason in message
    assert "fix or delete it" in message
    assert path.read_text() == content


def test_an_unreadable_state_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AlertError, match=r"cannot read the alert state file .*: is a directory"):
        read_state(tmp_path)


def test_a_failed_replace_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    write_state(path, OUTSTANDING)
    before = path.read_bytes()

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(AlertError, match=r"cannot write the alert state file .*: no space left"):
        write_state(path, CLEARED)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_state_path_under_a_file_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(AlertError, match="cannot write the alert state file"):
        write_state(blocker / "state.json", OUTSTANDING)
