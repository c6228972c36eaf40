"""The live reader: real boto3 over real HTTP against the emulator."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from driftcheck.emulator import Emulator, Faults
from driftcheck.errors import ApiError, CredentialsError
from driftcheck.live import ClientSettings, read_live_state
from driftcheck.model import Api, SetKey, SetStatus

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:bounces"
GET = "GetConfigurationSetEventDestinations"

pytestmark = pytest.mark.usefixtures("aws_env")


def sns(*types: str) -> dict[str, Any]:
    return {
        "Enabled": True,
        "MatchingEventTypes": list(types),
        "SnsDestination": {"TopicArn": TOPIC},
    }


def seed(emulator: Emulator, regions: dict[str, Any]) -> None:
    emulator.reset({"version": 1, "regions": regions})


def settings(emulator: Emulator, **overrides: Any) -> ClientSettings:
    return ClientSettings(endpoint_url=emulator.url, **overrides)


def key(name: str, region: str = "us-east-1", api: Api = Api.PINPOINT_EMAIL) -> SetKey:
    return SetKey(api, region, name)


def test_present_and_missing_sets_through_both_apis(emulator: Emulator) -> None:
    seed(emulator, {"us-east-1": {"tx": {"bounces": sns("COMPLAINT", "BOUNCE")}, "empty": {}}})
    keys = [key("tx"), key("tx", api=Api.SESV2), key("empty"), key("nope")]
    live = read_live_state(keys, settings(emulator))
    assert live.sets[key("tx")].status is SetStatus.PRESENT
    # the API returns event types sorted and without Name; the reader keeps them as sent
    assert live.sets[key("tx")].destinations == {"bounces": sns("BOUNCE", "COMPLAINT")}
    assert live.sets[key("tx", api=Api.SESV2)].destinations == live.sets[key("tx")].destinations
    assert live.sets[key("empty")].status is SetStatus.PRESENT
    assert live.sets[key("empty")].destinations == {}
    assert live.sets[key("nope")].status is SetStatus.MISSING


def test_regions_are_kept_apart(emulator: Emulator) -> None:
    seed(emulator, {"us-east-1": {"tx": {"a": sns("SEND")}}, "eu-west-1": {"tx": {}}})
    live = read_live_state(
        [key("tx"), key("tx", "eu-west-1"), key("tx", "ap-south-1")], settings(emulator)
    )
    assert list(live.sets[key("tx")].destinations) == ["a"]
    assert live.sets[key("tx", "eu-west-1")].destinations == {}
    assert live.sets[key("tx", "ap-south-1")].status is SetStatus.MISSING


def test_exactly_one_read_call_per_set(emulator: Emulator) -> None:
    names = [f"set-{i}" for i in range(40)]
    seed(emulator, {"us-east-1": {n: {"a": sns("SEND")} for n in names[::2]}})
    progress: list[int] = []
    live = read_live_state(
        [key(n) for n in names], settings(emulator, concurrency=8), lambda: progress.append(1)
    )
    stats = emulator.stats()
    assert stats.calls == {GET: 40}
    assert len(live.sets) == 40 and len(progress) == 40


def test_a_429_storm_is_absorbed_by_adaptive_retries(emulator: Emulator) -> None:
    names = [f"s{i}" for i in range(12)]
    seed(emulator, {"us-east-1": {n: {} for n in names}})
    # SES throttles by rate: concurrent reads against a 3 rps cap (a burst of 3) get 429s.
    # The cap is low so that even a loaded machine, whose client threads send slowly, still
    # sends faster than it: the storm must happen whatever the machine's speed.
    emulator.set_faults(Faults(max_rps=3))
    live = read_live_state(
        [key(n) for n in names], settings(emulator, concurrency=12, max_attempts=10)
    )
    assert {s.status for s in live.sets.values()} == {SetStatus.PRESENT}
    stats = emulator.stats()
    assert stats.throttled.get(GET, 0) > 0  # the storm really happened
    assert stats.ok[GET] == 12


def test_throttling_that_outlasts_the_attempts_is_a_per_set_error(emulator: Emulator) -> None:
    seed(emulator, {"us-east-1": {"a": {}}})
    emulator.set_faults(Faults(throttle_rate=1.0))
    live = read_live_state([key("a")], settings(emulator, max_attempts=2))
    failed = live.sets[key("a")]
    assert failed.status is SetStatus.ERROR
    assert failed.error is not None and failed.error.code == "TooManyRequestsException"
    assert emulator.stats().calls[GET] == 2  # --max-attempts counts attempts, not retries


def test_a_failing_set_is_reported_while_the_others_are_read(emulator: Emulator) -> None:
    seed(emulator, {"us-east-1": {"good": {"a": sns("SEND")}, "bad": {}}})
    emulator.set_faults(Faults(fail_sets=frozenset({"bad"})))
    live = read_live_state([key("good"), key("bad")], settings(emulator, max_attempts=2))
    assert live.sets[key("good")].status is SetStatus.PRESENT
    bad = live.sets[key("bad")]
    assert bad.status is SetStatus.ERROR
    assert bad.error is not None and bad.error.code == "InternalFailure"


def test_eventbridge_destination_read_through_pinpoint_email_has_no_block(
    emulator: Emulator,
) -> None:
    bus = {"EventBusArn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"}
    seed(
        emulator,
        {
            "us-east-1": {
                "tx": {
                    "bus": {
                        "Enabled": True,
                        "MatchingEventTypes": ["SEND"],
                        "EventBridgeDestination": bus,
                    }
                }
            }
        },
    )
    pinpoint = read_live_state([key("tx")], settings(emulator)).sets[key("tx")]
    assert pinpoint.destinations == {"bus": {"Enabled": True, "MatchingEventTypes": ["SEND"]}}
    sesv2 = read_live_state([key("tx", api=Api.SESV2)], settings(emulator)).sets[
        key("tx", api=Api.SESV2)
    ]
    assert sesv2.destinations["bus"]["EventBridgeDestination"] == bus


def test_no_credentials_is_one_clear_error(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(CredentialsError, match="no AWS credentials found"):
        read_live_state([key("a")], settings(emulator))
    assert emulator.stats().total == 0  # nothing was sent unsigned


def test_an_unknown_profile_is_one_clear_error(emulator: Emulator) -> None:
    with pytest.raises(ApiError, match="profile 'nobody' is not configured"):
        read_live_state([key("a")], settings(emulator, profile="nobody"))


def test_an_unreachable_endpoint_is_one_clear_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = ClientSettings(endpoint_url=f"http://127.0.0.1:{port}", max_attempts=2)
    with pytest.raises(ApiError, match="cannot reach the pinpoint-email endpoint in us-east-1"):
        read_live_state([key(f"s{i}") for i in range(20)], unreachable)


def test_endpoint_comes_from_the_standard_environment_variable(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(emulator, {"us-east-1": {"a": {}}})
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_EMAIL", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", emulator.url)
    live = read_live_state([key("a"), key("a", api=Api.SESV2)], ClientSettings())
    assert {s.status for s in live.sets.values()} == {SetStatus.PRESENT}
    assert emulator.stats().by_api == {"pinpoint-email": {GET: 1}, "sesv2": {GET: 1}}


def test_access_denied_on_one_set_is_reported_for_that_set(emulator: Emulator) -> None:
    seed(emulator, {"us-east-1": {"open": {}, "locked": {}}})
    emulator.set_faults(Faults(deny_sets=frozenset({"locked"})))
    live = read_live_state([key("open"), key("locked")], settings(emulator))
    assert live.sets[key("open")].status is SetStatus.PRESENT
    locked = live.sets[key("locked")]
    assert locked.error is not None
    assert (locked.status, locked.error.code) == (SetStatus.ERROR, "AccessDeniedException")
    assert "not authorized" in locked.error.message


@pytest.mark.parametrize(
    ("access_key", "words"),
    [("EXPIREDKEY", "have expired"), ("INVALIDKEY", "rejected the access key id")],
)
def test_rejected_credentials_stop_the_read(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, access_key: str, words: str
) -> None:
    seed(emulator, {"us-east-1": {f"s{i}": {} for i in range(10)}})
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key)
    with pytest.raises(CredentialsError, match=words):
        read_live_state([key(f"s{i}") for i in range(10)], settings(emulator, concurrency=2))


def test_listing_every_set_once_per_region(emulator: Emulator) -> None:
    seed(
        emulator,
        {"us-east-1": {f"s{i:03d}": {} for i in range(150)}, "eu-west-1": {"eu": {}}},
    )
    keys = [key("s000"), key("s000", api=Api.SESV2), key("eu", "eu-west-1")]
    live = read_live_state(keys, settings(emulator), list_sets=True)
    assert live.listed == {
        ("", Api.PINPOINT_EMAIL, "eu-west-1"): ("eu",),
        ("", Api.PINPOINT_EMAIL, "us-east-1"): tuple(f"s{i:03d}" for i in range(150)),
    }
    assert emulator.stats().calls["ListConfigurationSets"] >= 3  # paginated in us-east-1
