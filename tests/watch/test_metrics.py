"""The metrics endpoint, scraped over HTTP and parsed with prometheus_client's own parser."""

from __future__ import annotations

import math
from collections.abc import Iterator
from urllib.error import HTTPError
from urllib.request import urlopen

import boto3
import pytest
from botocore.config import Config
from prometheus_client.parser import text_string_to_metric_families

from driftcheck.emulator import Emulator, Faults
from driftcheck.model import Api, SetKey
from driftcheck.watch.metrics import Metrics, MetricsServer
from tests.factories import extra, in_sync, key, missing_set, plan, present, sns

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def clock() -> list[float]:
    return [100.0]


@pytest.fixture
def served(clock: list[float]) -> Iterator[tuple[Metrics, str]]:
    metrics = Metrics(clock=lambda: clock[0])
    server = MetricsServer(metrics, "127.0.0.1", 0).start()
    try:
        yield metrics, f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def scrape(url: str) -> Samples:
    with urlopen(f"{url}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def status(url: str) -> int:
    try:
        with urlopen(f"{url}/healthz", timeout=10) as response:
            return int(response.status)
    except HTTPError as error:
        return error.code


def test_drifted_destinations_by_account_region_and_set(served: tuple[Metrics, str]) -> None:
    metrics, url = served
    east, west = key("marketing"), key("billing", "eu-west-1")
    gone = SetKey(Api.SESV2, "us-east-1", "gone", account="111122223333")
    metrics.show_plan(
        plan(
            [present(east), present(west), missing_set(gone)],
            [
                extra(east, "a", sns("a"), 1),
                extra(east, "b", sns("b"), 1),
                in_sync(west, "c", sns("c"), 2),
            ],
        )
    )
    samples = scrape(url)
    drifted = {k: v for k, v in samples.items() if k[0] == "driftcheck_drifted_destinations"}
    assert drifted == {
        (
            "driftcheck_drifted_destinations",
            (("account", ""), ("region", "us-east-1"), ("set", "marketing")),
        ): 2.0,
        (
            "driftcheck_drifted_destinations",
            (("account", "111122223333"), ("region", "us-east-1"), ("set", "gone")),
        ): 1.0,
    }
    metrics.show_plan(plan([present(east)], [in_sync(east, "a", sns("a"), 1)]))
    assert not any(k[0] == "driftcheck_drifted_destinations" for k in scrape(url))


def test_seconds_since_the_last_checks(served: tuple[Metrics, str], clock: list[float]) -> None:
    metrics, url = served
    since = "driftcheck_seconds_since_last_check"
    assert math.isnan(scrape(url)[(since, (("kind", "full"),))])
    metrics.checked("full")
    clock[0] += 30
    metrics.checked("incremental")
    clock[0] += 12
    samples = scrape(url)
    assert samples[(since, (("kind", "full"),))] == 42.0
    assert samples[(since, (("kind", "incremental"),))] == 12.0


def test_alert_and_event_counters(served: tuple[Metrics, str]) -> None:
    metrics, url = served
    metrics.alerts.labels("drift").inc()
    metrics.alert_failures.inc(2)
    samples = scrape(url)
    assert samples[("driftcheck_alert_deliveries_total", (("kind", "drift"),))] == 1.0
    assert samples[("driftcheck_alert_failures_total", ())] == 2.0


def test_api_calls_and_throttles_are_counted_by_operation(
    served: tuple[Metrics, str], emulator: Emulator, aws_env: dict[str, str]
) -> None:
    metrics, url = served
    emulator.set_faults(Faults(throttle_rate=1.0))  # every request throttled
    client = boto3.Session().client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url=emulator.url,
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
    )
    metrics.observe_client(client)
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.get_configuration_set_event_destinations(ConfigurationSetName="marketing")
    emulator.set_faults(Faults())
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_configuration_set_event_destinations(ConfigurationSetName="marketing")
    samples = scrape(url)
    operation = (("operation", "GetConfigurationSetEventDestinations"),)
    assert samples[("driftcheck_api_calls_total", operation)] == 4.0  # 3 attempts, then 1
    assert samples[("driftcheck_api_throttles_total", operation)] == 3.0
    assert emulator.stats().total == 4


def test_healthz_follows_the_loop(served: tuple[Metrics, str]) -> None:
    metrics, url = served
    assert status(url) == 200
    metrics.healthy = False
    assert status(url) == 503
    metrics.healthy = True
    assert status(url) == 200


def test_other_paths_are_not_found(served: tuple[Metrics, str]) -> None:
    _, url = served
    with pytest.raises(HTTPError) as raised:
        urlopen(f"{url}/", timeout=10)
    assert raised.value.code == 404
