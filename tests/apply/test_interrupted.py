"""Apply once the stop flag is set (Ctrl-C, SIGTERM): against the emulator over HTTP.

No action starts after the flag; the write in flight finishes and keeps its result; the
others are "not attempted"; a write whose retry the flag cut is failed (it may not be done).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from driftcheck.apply import ActionResult, Outcome, build_actions, execute, verdict
from driftcheck.apply.executor import NOT_ATTEMPTED, NOT_RETRIED
from driftcheck.emulator import Emulator, Faults
from driftcheck.interrupt import StopFlag
from driftcheck.model import Api, DesiredState, SetKey
from tests.apply.helpers import REGION, Session, desired_set, write_calls
from tests.factories import ACCOUNT

pytestmark = pytest.mark.usefixtures("aws_env")

SETS = [SetKey(Api.PINPOINT_EMAIL, REGION, name) for name in ("one", "two")]


def sns(topic: str) -> dict[str, Any]:
    return {
        "Enabled": True,
        "MatchingEventTypes": ["SEND"],
        "SnsDestination": {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic}"},
    }


def three_creates_per_set(session: Session) -> DesiredState:
    session.seed({key.name: {} for key in SETS})
    return DesiredState(
        tuple(desired_set(k, {f"d{i}": sns(f"{k.name}-{i}") for i in range(3)}) for k in SETS)
    )


def test_no_action_starts_after_the_flag(emulator: Emulator) -> None:
    stop = StopFlag()
    session = Session(emulator, stop=stop, concurrency=1)
    actions = build_actions(session.plan(three_creates_per_set(session)))
    emulator.reset_stats()

    def stop_after_the_first(result: ActionResult) -> None:
        stop.set()

    results = execute(
        actions, session.writer, concurrency=1, on_result=stop_after_the_first, stop=stop
    )
    assert [(r.outcome, r.reason) for r in results] == [(Outcome.OK, None)] + [
        (Outcome.SKIPPED, NOT_ATTEMPTED)
    ] * 5
    assert write_calls(emulator.stats()) == {"CreateConfigurationSetEventDestination": 1}
    assert session.live_sets() == {"one": {"d0": sns("one-0")}, "two": {}}
    assert verdict(results, interrupted=True) == (
        "Interrupted: 1 of 6 actions done, 5 not attempted. Run apply again to finish."
    )


def test_a_write_whose_retry_was_cut_is_failed(emulator: Emulator) -> None:
    stop = StopFlag()
    session = Session(emulator, stop=stop, concurrency=1, max_attempts=5)
    actions = build_actions(session.plan(three_creates_per_set(session)))[:1]
    emulator.reset_stats()
    emulator.set_faults(Faults(latency_ms=300, fail_sets=frozenset({"one"})))

    def stop_once_in_flight() -> None:
        while emulator.stats().max_in_flight < 1 and not stop.wait(0.002):
            pass
        stop.set()

    watcher = threading.Thread(target=stop_once_in_flight)
    watcher.start()
    try:
        results = execute(actions, session.writer, concurrency=1, stop=stop)
    finally:
        stop.set()
        watcher.join(30)
    assert [(r.outcome, r.reason) for r in results] == [(Outcome.FAILED, NOT_RETRIED)]
    assert emulator.stats().failed == {"CreateConfigurationSetEventDestination": 1}
    assert verdict(results, interrupted=True) == (
        "Interrupted: 0 of 1 action done, 1 failed, 0 not attempted. Run apply again to finish."
    )


def test_without_the_flag_set_every_action_runs(emulator: Emulator) -> None:
    stop = StopFlag()
    session = Session(emulator, stop=stop)
    actions = build_actions(session.plan(three_creates_per_set(session)))
    results = execute(actions, session.writer, stop=stop)
    assert {r.outcome for r in results} == {Outcome.OK}
    assert verdict(results) == "Apply complete: 6 created, 0 updated, 0 deleted."
