"""Apply against the emulator over HTTP: partial failure, throttling, fatal errors, ignores."""

from __future__ import annotations

from typing import Any

import pytest

from driftcheck.apply import ActionResult, Outcome, apply_plan, build_actions, execute
from driftcheck.apply.executor import SET_NOT_CREATED
from driftcheck.emulator import Emulator, Faults
from driftcheck.live.clients import ClientSettings
from driftcheck.model import Api, DesiredState, SetKey
from tests.apply.helpers import REGION, Session, desired_set, write_calls
from tests.factories import ACCOUNT

pytestmark = pytest.mark.usefixtures("aws_env")

GOOD = SetKey(Api.PINPOINT_EMAIL, REGION, "good")
BAD = SetKey(Api.SESV2, REGION, "bad")


def sns(topic: str, *types: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "Enabled": enabled,
        "MatchingEventTypes": list(types or ["SEND"]),
        "SnsDestination": {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic}"},
    }


def outcomes(results: tuple[ActionResult, ...]) -> list[tuple[str, str, str | None, str]]:
    return [
        (r.action.kind.value, r.action.key.name, r.action.destination, r.outcome.value)
        for r in results
    ]


def test_a_failing_set_is_reported_per_action_while_the_others_complete(
    emulator: Emulator,
) -> None:
    session = Session(emulator, max_attempts=2)
    session.seed({"good": {"old": sns("old")}})
    desired = DesiredState(
        (
            desired_set(GOOD, {"a": sns("a"), "b": sns("b")}),
            desired_set(BAD, {"x": sns("x"), "y": sns("y")}),
        )
    )
    planned = session.plan(desired)
    emulator.set_faults(Faults(fail_sets=frozenset({"bad"})))  # from now on: 500 for "bad"
    results = session.apply_plan(planned)
    assert outcomes(results) == [
        ("create", "good", "a", "ok"),
        ("create", "good", "b", "ok"),
        ("delete", "good", "old", "ok"),
        ("create-set", "bad", None, "failed"),
        ("create", "bad", "x", "skipped"),
        ("create", "bad", "y", "skipped"),
    ]
    failed = results[3]
    assert (failed.code, failed.reason) == ("InternalFailure", "We encountered an internal error.")
    assert results[4].reason == SET_NOT_CREATED
    assert "bad" not in session.live_sets()

    emulator.set_faults(Faults())
    again = session.apply(desired)
    assert [r.outcome for r in again] == [Outcome.OK] * 3  # the set and its two destinations
    assert not session.plan(desired).drift


def test_a_refused_write_does_not_stop_the_rest_of_its_set(emulator: Emulator) -> None:
    session = Session(emulator)
    session.seed({"good": {}})
    broken = {**sns("x"), "SnsDestination": {"TopicArn": "not-an-arn"}}
    results = session.apply(DesiredState((desired_set(GOOD, {"a": broken, "b": sns("b")}),)))
    assert outcomes(results) == [
        ("create", "good", "a", "failed"),
        ("create", "good", "b", "ok"),
    ]
    assert results[0].code == "BadRequestException" and "not-an-arn" in (results[0].reason or "")


def test_a_throttled_write_is_absorbed_by_the_adaptive_retries(emulator: Emulator) -> None:
    session = Session(emulator)
    session.seed({"s0": {}, "s1": {}})
    keys = [SetKey(Api.SESV2, REGION, name) for name in ("s0", "s1")]
    desired = DesiredState(tuple(desired_set(key, {"a": sns("a")}) for key in keys))
    planned = session.plan(desired)
    # half of the requests answer 429; seed 1 draws 0.13, 0.85, 0.76: exactly one throttle,
    # whichever write it hits (botocore waits up to 1 s before retrying a throttled call)
    emulator.set_faults(Faults(throttle_rate=0.5, seed=1))
    emulator.reset_stats()
    results = session.apply_plan(planned)
    assert {r.outcome for r in results} == {Outcome.OK}
    stats = emulator.stats()
    assert stats.throttled == {"CreateConfigurationSetEventDestination": 1}
    assert stats.ok == {"CreateConfigurationSetEventDestination": 2}
    # (not re-planned on these clients: their adaptive limiter now slows every call down)
    assert session.live_sets() == {"s0": {"a": sns("a")}, "s1": {"a": sns("a")}}


def test_rejected_credentials_stop_the_run(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.reset({"version": 1, "regions": {REGION: {"good": {}}}})
    desired = DesiredState(
        (
            desired_set(GOOD, {"a": sns("a"), "b": sns("b")}),
            desired_set(BAD, {"x": sns("x")}),
        )
    )
    plan = Session(emulator).plan(desired)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "EXPIREDKEY")
    settings = ClientSettings(endpoint_url=emulator.url, concurrency=1)
    results = apply_plan(plan, settings, max_rps=1000)
    assert outcomes(results)[0] == ("create", "good", "a", "failed")
    assert [r.outcome for r in results] == [Outcome.FAILED] + [Outcome.SKIPPED] * 3
    assert "have expired" in (results[0].reason or "")
    assert all(
        "not attempted: the AWS credentials have expired" in (r.reason or "") for r in results[1:]
    )
    # one call refused, none after it
    assert write_calls(emulator.stats()) == {"CreateConfigurationSetEventDestination": 1}


def test_results_are_reported_once_each_and_returned_in_action_order(emulator: Emulator) -> None:
    session = Session(emulator, concurrency=4)
    keys = [SetKey(Api.PINPOINT_EMAIL, REGION, f"s{i}") for i in range(6)]
    desired = DesiredState(tuple(desired_set(k, {"a": sns("a"), "b": sns("b")}) for k in keys))
    actions = build_actions(session.plan(desired))
    seen: list[ActionResult] = []
    emulator.set_faults(Faults(latency_ms=20))  # sets overlap while their calls wait
    results = execute(actions, session.writer, concurrency=4, on_result=seen.append)
    assert [r.action for r in results] == list(actions)
    assert sorted(seen, key=lambda r: actions.index(r.action)) == list(results)
    assert len(results) == 18 and {r.outcome for r in results} == {Outcome.OK}
    assert emulator.stats().max_in_flight > 1  # independent sets ran concurrently


def test_ignored_differences_keep_their_live_values(emulator: Emulator) -> None:
    session = Session(emulator)
    live = sns("live-topic", "OPEN", enabled=False)
    session.seed({"good": {"a": live}})
    spec = sns("spec-topic", "BOUNCE", "OPEN")
    desired = DesiredState((desired_set(GOOD, {"a": spec}, {"a": ["Enabled"]}),))
    results = session.apply(desired)
    assert outcomes(results) == [("update", "good", "a", "ok")]
    assert session.live_sets()["good"]["a"] == {
        **spec,
        "Enabled": False,
        "MatchingEventTypes": ["BOUNCE", "OPEN"],
    }
    after = session.plan(desired)
    assert not after.drift and after.destinations[0].ignored_differences  # shown, not drift
    session.emulator.reset_stats()
    assert session.apply(desired) == ()
    assert write_calls(emulator.stats()) == {}


def test_no_delete_and_unmanaged_sets(emulator: Emulator) -> None:
    session = Session(emulator)
    session.seed({"good": {"extra": sns("e")}, "unmanaged": {"z": sns("z")}})
    desired = DesiredState((desired_set(GOOD, {"a": sns("a")}),))
    assert outcomes(session.apply(desired, no_delete=True)) == [("create", "good", "a", "ok")]
    assert set(session.live_sets()["good"]) == {"a", "extra"}
    assert session.live_sets()["unmanaged"] == {"z": sns("z")}
