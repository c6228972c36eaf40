"""Injected latency, throttling, rate cap and server faults; and the request counters."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from botocore.config import Config

from driftcheck.emulator import Emulator, Faults
from driftcheck.errors import EmulatorError
from tests.emulator.helpers import api_error, count_codes, destinations, document, sns


@pytest.fixture
def one_set(emulator: Emulator) -> Emulator:
    emulator.reset(document({"us-east-1": {"s": {}, "broken": {}}}))
    return emulator


def test_throttle_rate_is_seeded_and_exact(one_set: Emulator, sesv2: Any) -> None:
    one_set.set_faults(Faults(throttle_rate=0.3, seed=42))
    draws = random.Random(42)
    expected = sum(draws.random() < 0.3 for _ in range(200))

    counts = count_codes(
        lambda: sesv2.get_configuration_set_event_destinations(ConfigurationSetName="s"), 200
    )

    assert 0 < expected < 200
    assert counts == {("TooManyRequestsException", 429): expected, ("", 200): 200 - expected}
    stats = one_set.stats()
    assert stats.throttled == {"GetConfigurationSetEventDestinations": expected}
    assert stats.calls == {"GetConfigurationSetEventDestinations": 200}
    assert stats.ok == {"GetConfigurationSetEventDestinations": 200 - expected}


def test_adaptive_retries_get_through_throttling(
    one_set: Emulator, make_client: Any, boto_session: Any
) -> None:
    # A seed whose first draw throttles and whose second does not: one retry is needed.
    seed = next(s for s in range(1000) if _draws(s, 2) == [True, False])
    one_set.set_faults(Faults(throttle_rate=0.5, seed=seed))
    client = make_client("sesv2", config=Config(retries={"mode": "adaptive", "max_attempts": 5}))

    found = client.get_configuration_set_event_destinations(ConfigurationSetName="s")

    assert found["EventDestinations"] == []
    stats = one_set.stats()
    assert stats.throttled == {"GetConfigurationSetEventDestinations": 1}
    assert stats.ok == {"GetConfigurationSetEventDestinations": 1}


def _draws(seed: int, count: int, rate: float = 0.5) -> list[bool]:
    draws = random.Random(seed)
    return [draws.random() < rate for _ in range(count)]


def test_fail_sets_answer_500_for_those_sets_only(one_set: Emulator, pinpoint: Any) -> None:
    one_set.set_faults(Faults(fail_sets=frozenset({"broken"})))

    with api_error("InternalFailure", 500):
        pinpoint.get_configuration_set_event_destinations(ConfigurationSetName="broken")
    with api_error("InternalFailure", 500):
        pinpoint.create_configuration_set_event_destination(
            ConfigurationSetName="broken", EventDestinationName="d", EventDestination=sns()
        )
    assert destinations(pinpoint, "s") == {}
    assert pinpoint.list_configuration_sets()["ConfigurationSets"] == ["broken", "s"]
    stats = one_set.stats()
    assert stats.failed == {
        "CreateConfigurationSetEventDestination": 1,
        "GetConfigurationSetEventDestinations": 1,
    }
    assert one_set.state["regions"]["us-east-1"]["broken"] == {}


def test_botocore_retries_injected_500(one_set: Emulator, make_client: Any) -> None:
    one_set.set_faults(Faults(fail_sets=frozenset({"broken"})))
    config = Config(retries={"mode": "standard", "total_max_attempts": 2})
    client = make_client("sesv2", config=config)

    with api_error("InternalFailure", 500):
        client.get_configuration_set_event_destinations(ConfigurationSetName="broken")

    assert one_set.stats().failed == {"GetConfigurationSetEventDestinations": 2}


def test_max_rps_throttles_beyond_the_burst(one_set: Emulator, sesv2: Any) -> None:
    one_set.set_faults(Faults(max_rps=0.01))  # a burst of 1, then a token every 100 s

    counts = count_codes(lambda: sesv2.get_configuration_set(ConfigurationSetName="s"), 5)

    assert counts == {("", 200): 1, ("TooManyRequestsException", 429): 4}


def test_latency_is_added_to_api_requests(one_set: Emulator, sesv2: Any) -> None:
    one_set.set_faults(Faults(latency_ms=60))
    start = time.perf_counter()
    sesv2.get_configuration_set(ConfigurationSetName="s")
    assert time.perf_counter() - start >= 0.06


def test_concurrent_requests_are_served_concurrently(one_set: Emulator, make_client: Any) -> None:
    # each request is held 1.5 s: long enough that all 16 overlap even on a loaded machine
    one_set.set_faults(Faults(latency_ms=1500))
    client = make_client("sesv2", config=Config(max_pool_connections=16))
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def call() -> None:
        barrier.wait()
        try:
            client.get_configuration_set_event_destinations(ConfigurationSetName="s")
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert one_set.stats().max_in_flight == 16


def test_faults_can_change_at_runtime(one_set: Emulator, sesv2: Any) -> None:
    one_set.set_faults(Faults(throttle_rate=1.0))
    with api_error("TooManyRequestsException", 429):
        sesv2.get_configuration_set(ConfigurationSetName="s")
    one_set.set_faults(Faults())
    sesv2.get_configuration_set(ConfigurationSetName="s")
    assert one_set.faults == Faults()


@pytest.mark.parametrize(
    "kwargs",
    [{"latency_ms": -1}, {"throttle_rate": 1.5}, {"max_rps": 0}, {"latency_ms": float("nan")}],
)
def test_invalid_faults_are_emulator_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(EmulatorError):
        Faults(**kwargs)


@pytest.mark.parametrize(
    "data",
    [[], {"latency": 5}, {"throttle_rate": "0.5"}, {"fail_sets": "broken"}, {"seed": 1.5}],
)
def test_invalid_fault_documents_are_emulator_errors(data: Any) -> None:
    with pytest.raises(EmulatorError):
        Faults.from_json(data)


def test_faults_json_round_trip() -> None:
    faults = Faults(
        latency_ms=5, throttle_rate=0.25, fail_sets=frozenset({"a", "b"}), max_rps=1, seed=7
    )
    assert Faults.from_json(faults.to_json()) == faults


def test_stats_count_every_call_by_operation_outcome_and_api(
    one_set: Emulator, pinpoint: Any, sesv2: Any
) -> None:
    pinpoint.list_configuration_sets()
    sesv2.list_configuration_sets()
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName="s", EventDestinationName="d", EventDestination=sns()
    )
    with api_error("AlreadyExistsException", 400):
        pinpoint.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="d", EventDestination=sns()
        )
    with api_error("NotFoundException", 404):
        pinpoint.get_configuration_set_event_destinations(ConfigurationSetName="nope")

    stats = one_set.stats()

    assert stats.calls == {
        "CreateConfigurationSetEventDestination": 2,
        "GetConfigurationSetEventDestinations": 1,
        "ListConfigurationSets": 2,
    }
    assert stats.errors == {
        "CreateConfigurationSetEventDestination": 1,
        "GetConfigurationSetEventDestinations": 1,
    }
    assert stats.by_api == {
        "pinpoint-email": {
            "CreateConfigurationSetEventDestination": 1,
            "GetConfigurationSetEventDestinations": 1,
            "ListConfigurationSets": 1,
        },
        "sesv2": {"CreateConfigurationSetEventDestination": 1, "ListConfigurationSets": 1},
    }
    assert stats.total == 5
    assert stats.throttled == {} and stats.failed == {}

    one_set.reset()
    assert one_set.stats().total == 0
