"""``driftcheck watch`` for real: a subprocess polling the emulator's CloudTrail, an outside
writer, a webhook on 127.0.0.1, SIGTERM, and a restart with the same alert state."""

from __future__ import annotations

import signal
from pathlib import Path
from urllib.request import urlopen

import pytest
from prometheus_client.parser import text_string_to_metric_families

from driftcheck.emulator import Emulator, Faults
from tests.bench.common import live_state, spec_text
from tests.conftest import run_cli
from tests.test_cli_ci import REGION, in_sync_state
from tests.watch.conftest import (
    MALLORY_ARN,
    SPECS,
    StartWatch,
    disable_bounce_alerts,
    wait_until,
)
from tests.webhooks import SECRETS, WebhookServer

pytestmark = pytest.mark.integration


def watch_args(emulator: Emulator, webhook: WebhookServer, state: Path, *more: str) -> list[str]:
    return [
        str(SPECS),
        "--endpoint-url",
        emulator.url,
        "--interval",
        "1s",
        "--alert",
        f"webhook:{webhook.url}",
        "--alert-state",
        str(state),
        *more,
    ]


def test_an_outside_change_is_alerted_once_with_its_author_and_not_again_after_a_restart(
    watching: Emulator,
    env: dict[str, str],
    webhook: WebhookServer,
    tmp_path: Path,
    start_watch: StartWatch,
) -> None:
    state = tmp_path / "alert-state.json"
    args = watch_args(watching, webhook, state)
    first = start_watch(*args)
    first.wait_for("full_check")
    assert webhook.requests == []  # in sync: nothing to say
    watching.reset_stats()

    disable_bounce_alerts(watching)
    wait_until(lambda: len(webhook.requests) == 1, "the drift alert")
    [request] = webhook.requests
    body = request.json()
    bounce_alerts = "pinpoint-email/us-east-1/transactional/bounce-alerts"
    assert body["changes"] == [f"{bounce_alerts}: misconfigured"]
    author = body["changed_by"][bounce_alerts]
    assert (author["principal"], author["via"]) == (MALLORY_ARN, "sdk")
    assert f"changed by {MALLORY_ARN} via sdk" in body["text"]
    [event] = first.wait_for("write_event")
    assert event["principal"] == MALLORY_ARN
    assert event["event_name"] == "UpdateConfigurationSetEventDestination"
    assert event["set"] == "transactional"
    [drift] = first.wait_for("drift")
    assert (drift["set"], drift["destination"], drift["status"]) == (
        "transactional",
        "bounce-alerts",
        "misconfigured",
    )
    # only the set the event named was read again, not the whole estate
    reads = watching.stats().calls.get("GetConfigurationSetEventDestinations", 0)
    assert reads == 1 + 1  # mallory's own read before her write, and watch's one re-read

    first.wait_for("incremental_check")
    polls_before = len(first.events("write_event"))
    assert first.stop(signal.SIGTERM) == 0
    assert len(first.events("write_event")) == polls_before == 1  # the overlap re-finds it:
    assert len(webhook.requests) == 1  # de-duplicated by event id, never alerted twice

    second = start_watch(*args)  # same alert state: the same drift is not news
    second.wait_for("full_check")
    second.wait_for("write_event")  # the event, still in the overlap window, read again
    second.wait_for("alert", 2)  # the full check's and the re-read's verdicts
    assert second.stop(signal.SIGINT) == 0
    assert len(webhook.requests) == 1
    assert all("unchanged" in r["message"] for r in second.events("alert"))
    for line in first.lines + second.lines:
        for secret in SECRETS:
            assert secret not in line


def test_a_change_cloudtrail_never_delivered_is_caught_by_the_full_read(
    watching: Emulator,
    env: dict[str, str],
    webhook: WebhookServer,
    tmp_path: Path,
    start_watch: StartWatch,
) -> None:
    args = watch_args(watching, webhook, tmp_path / "state.json", "--full-every", "3s")
    watch = start_watch(*args)
    watch.wait_for("full_check")
    # the state changes with no CloudTrail record at all (reset clears the trail too)
    document = in_sync_state()
    del document["regions"][REGION]["marketing"]["engagement-stream"]
    watching.reset(document)
    wait_until(lambda: len(webhook.requests) == 1, "the drift alert")
    assert "engagement-stream" in webhook.requests[0].body.decode()
    assert len(watch.events("full_check")) >= 2
    assert watch.events("write_event") == []
    [drift] = watch.wait_for("drift")
    assert (drift["set"], drift["destination"], drift["status"]) == (
        "marketing",
        "engagement-stream",
        "missing",
    )
    assert watch.stop() == 0


def test_metrics_are_served_and_parse(
    watching: Emulator,
    env: dict[str, str],
    webhook: WebhookServer,
    tmp_path: Path,
    start_watch: StartWatch,
) -> None:
    args = watch_args(watching, webhook, tmp_path / "state.json", "--metrics-port", "0")
    watch = start_watch(*args)
    watch.wait_for("full_check")
    disable_bounce_alerts(watching)
    wait_until(lambda: len(webhook.requests) == 1, "the drift alert")
    watch.wait_for("alert", 2)
    [served] = watch.events("serving")
    url = served["url"]
    with urlopen(f"{url}/metrics", timeout=10) as response:
        text = response.read().decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    drifted = ("account", ""), ("region", REGION), ("set", "transactional")
    assert samples[("driftcheck_drifted_destinations", drifted)] == 1.0
    assert samples[("driftcheck_alert_deliveries_total", (("kind", "drift"),))] == 1.0
    get = (("operation", "GetConfigurationSetEventDestinations"),)
    assert samples[("driftcheck_api_calls_total", get)] == 3.0  # 2 sets, then 1 re-read
    lookups = (("operation", "LookupEvents"),)
    assert samples[("driftcheck_api_calls_total", lookups)] >= 5  # 5 event names a poll
    assert samples[("driftcheck_seconds_since_last_check", (("kind", "full"),))] >= 0
    with urlopen(f"{url}/healthz", timeout=10) as response:
        assert response.status == 200
    assert watch.stop() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--interval", "0"], "invalid value for --interval: '0' is not a duration from 1s to 1d"),
        (["--events", "kafka:x"], "--events takes cloudtrail or sqs:<queue-url>, not 'kafka:x'"),
        (["--log-format", "xml"], "--log-format takes text or json, not 'xml'"),
        (["--alert-state", "s.json"], "--alert-state needs at least one --alert"),
    ],
)
def test_bad_flags_exit_1(
    args: list[str], message: str, env: dict[str, str], watching: Emulator
) -> None:
    result = run_cli("watch", str(SPECS), *args, env=env)
    assert result.code == 1, result
    assert message in result.stderr
    assert watching.stats().total == 0


def test_a_bad_spec_exits_1(tmp_path: Path, env: dict[str, str], watching: Emulator) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("version: 1\nconfiguration_sets: [oops]\n")
    result = run_cli("watch", str(spec), "--endpoint-url", watching.url, env=env)
    assert result.code == 1, result
    assert f"{spec}:" in result.stderr
    assert watching.stats().total == 0


def test_sigterm_during_the_full_scan_abandons_it_and_exits_0(
    watching: Emulator, env: dict[str, str], tmp_path: Path, start_watch: StartWatch
) -> None:
    sets = 100
    watching.reset(live_state(sets, 1, drift=False))
    watching.set_faults(Faults(latency_ms=100))
    spec = tmp_path / "many.yaml"
    spec.write_text(spec_text(sets, 1))
    watch = start_watch(str(spec), "--endpoint-url", watching.url, "--concurrency", "1")
    wait_until(lambda: watching.stats().total >= 3, "the full scan is under way")
    assert watch.stop(signal.SIGTERM) == 0
    assert watching.stats().total < sets  # abandoned: the clients sent nothing more
    assert watch.events("full_check") == []  # nothing concluded from half a scan
    assert watch.events("stopped")
