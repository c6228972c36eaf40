"""The writer: real boto3 over HTTP against the emulator, and the rate limiter on a fake clock."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from driftcheck.emulator import Emulator, Faults
from driftcheck.errors import CredentialsError
from driftcheck.live.clients import ClientSettings, make_clients
from driftcheck.live.pacing import Pacing
from driftcheck.live.writer import RateLimiter, WriteError, Writer, event_destination
from driftcheck.model import Api, SetKey
from tests.factories import ACCOUNT, definition, pinpoint, sns, topic_arn

pytestmark = pytest.mark.usefixtures("aws_env")

TX = SetKey(Api.PINPOINT_EMAIL, "us-east-1", "tx")


class FakeClock:
    """Time that moves only when someone sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)


class CountingLimiter(RateLimiter):
    def __init__(self) -> None:
        super().__init__(1000.0)
        self.taken = 0

    def acquire(self) -> None:
        self.taken += 1


def writer(emulator: Emulator, limiter: RateLimiter | None = None, **settings: Any) -> Writer:
    keys = [("", api, "us-east-1") for api in Api]
    clients = make_clients(keys, ClientSettings(endpoint_url=emulator.url, **settings))
    shared = limiter or RateLimiter(1000.0)
    return Writer(clients, Pacing(lambda: shared))


def stored(emulator: Emulator, set_name: str = "tx") -> dict[str, Any]:
    sets: dict[str, Any] = emulator.state["regions"].get("us-east-1", {})
    return dict(sets[set_name])


# --- the rate limiter ----------------------------------------------------------------------


def test_calls_are_spaced_one_interval_apart() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        limiter.acquire()
    assert clock.sleeps == [0.25, 0.5]  # the first call goes at once


def test_an_idle_bucket_holds_one_token_only() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 10.0  # idle for a long time: still no burst beyond one call
    limiter.acquire()
    limiter.acquire()
    assert clock.sleeps == [0.5]


def test_threads_share_one_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10.0, clock=clock, sleep=clock.sleep)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 20 callers at the same instant: one goes at once, the others get distinct later slots
    assert sorted(round(s, 6) for s in clock.sleeps) == [round(i / 10, 6) for i in range(1, 20)]


@pytest.mark.parametrize("rate", [0.0, -1.0, float("inf"), float("nan")])
def test_a_rate_must_be_positive_and_finite(rate: float) -> None:
    with pytest.raises(ValueError, match="a rate must be a finite number > 0"):
        RateLimiter(rate)


# --- the calls -----------------------------------------------------------------------------


def test_create_set_sends_the_name_only(emulator: Emulator) -> None:
    note = writer(emulator).create_set(TX)
    assert note is None
    assert stored(emulator) == {}
    assert emulator.stats().calls == {"CreateConfigurationSet": 1}


def test_creating_a_set_that_exists_is_a_note_not_a_failure(emulator: Emulator) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    assert writer(emulator).create_set(TX) == "it already existed"


def test_every_write_sends_the_complete_definition_with_enabled(emulator: Emulator) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    write = writer(emulator)
    write.create_destination(TX, "a", definition("SEND", "BOUNCE", SnsDestination=sns("one")))
    disabled = definition("OPEN", enabled=False, SnsDestination=sns("two"))
    write.update_destination(TX, "a", disabled)
    assert stored(emulator)["a"] == {
        "Enabled": False,
        "MatchingEventTypes": ["OPEN"],
        "SnsDestination": {"TopicArn": topic_arn("two")},
    }
    write.update_destination(TX, "a", definition("OPEN", SnsDestination=sns("two")))
    assert stored(emulator)["a"]["Enabled"] is True


def test_enabled_is_explicit_even_when_the_definition_lacks_it() -> None:
    body = event_destination({"Name": "x", "MatchingEventTypes": ["SEND"], "SnsDestination": {}})
    assert body == {"MatchingEventTypes": ["SEND"], "SnsDestination": {}, "Enabled": False}


def test_sesv2_writes_eventbridge_destinations(emulator: Emulator) -> None:
    key = SetKey(Api.SESV2, "us-east-1", "tx")
    write = writer(emulator)
    write.create_set(key)
    bus = {"EventBusArn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"}
    write.create_destination(key, "bus", definition("DELIVERY_DELAY", EventBridgeDestination=bus))
    assert stored(emulator)["bus"]["EventBridgeDestination"] == bus


def test_deleting_a_destination_that_is_gone_is_a_note(emulator: Emulator) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    assert writer(emulator).delete_destination(TX, "gone") == "it was already deleted"


def test_updating_a_destination_that_is_gone_fails(emulator: Emulator) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    with pytest.raises(WriteError) as info:
        writer(emulator).update_destination(TX, "gone", definition("SEND", SnsDestination=sns("a")))
    assert info.value.failure.code == "NotFoundException"


def test_the_service_refusing_a_definition_is_a_write_error(emulator: Emulator) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    two_blocks = definition("SEND", SnsDestination=sns("a"), PinpointDestination=pinpoint("a"))
    with pytest.raises(WriteError, match="BadRequestException: Please provide only one"):
        writer(emulator).create_destination(TX, "a", two_blocks)


def test_a_botocore_validation_error_is_one_line(emulator: Emulator) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    bad = definition("SEND", PinpointDestination={"X": "y"})
    with pytest.raises(WriteError) as info:
        writer(emulator).create_destination(TX, "a", bad)
    assert info.value.failure.code == "ParamValidationError"
    assert "\n" not in str(info.value) and "Unknown parameter in EventDestination" in str(
        info.value
    )
    assert emulator.stats().total == 0  # refused before sending


def test_every_attempt_takes_a_token_retries_included(emulator: Emulator) -> None:
    emulator.set_faults(Faults(fail_sets=frozenset({"tx"})))
    limiter = CountingLimiter()
    with pytest.raises(WriteError, match="InternalFailure"):
        writer(emulator, limiter, max_attempts=3).create_set(TX)
    assert emulator.stats().calls == {"CreateConfigurationSet": 3}
    assert limiter.taken == 3


def test_rejected_credentials_concern_every_call(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "INVALIDKEY")
    with pytest.raises(CredentialsError, match="rejected the access key id"):
        writer(emulator).create_set(TX)
