"""``driftcheck plan --alert`` in a real subprocess: a local webhook server in a thread (and
one SNS run against a moto server), ``--alert-state``, failed deliveries, bad targets.

The webhook URL's path and query are secrets: no test output may show them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from driftcheck.emulator import DEMO_STATE, Emulator, Faults
from tests.alerts.conftest import Moto
from tests.conftest import Result
from tests.test_cli_ci import (
    PLAN_LINE,
    READ,
    SPECS,
    assert_error,
    cli_env,
    in_sync_state,
    only_extra_state,
    plan,
)
from tests.webhooks import SECRET_PATH, SECRET_QUERY, SECRETS, Reply, WebhookServer

CHANGES = [
    "pinpoint-email/us-east-1/marketing/legacy-open-tracking: extra",
    "pinpoint-email/us-east-1/transactional/bounce-alerts: misconfigured",
    "pinpoint-email/us-east-1/transactional/complaint-feedback: missing",
]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path)


@pytest.fixture
def demo(emulator: Emulator) -> Emulator:
    emulator.reset(DEMO_STATE)
    return emulator


@pytest.fixture
def broken_hook() -> Iterator[WebhookServer]:
    server = WebhookServer([Reply(500, b"upstream exploded")])
    try:
        yield server
    finally:
        server.stop()


def alert(server: WebhookServer) -> str:
    return f"webhook:{server.url}"


def assert_no_secret(result: Result) -> None:
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr, secret


def test_a_drift_alert_is_posted_to_the_webhook(
    demo: Emulator, env: dict[str, str], webhook: WebhookServer
) -> None:
    result = plan(demo, env, str(SPECS), "--alert", alert(webhook))
    assert result.code == 2, result
    assert result.stdout.rstrip().endswith(PLAN_LINE)
    assert result.stderr == f"{READ}driftcheck: sent the drift alert to 1 target\n"
    assert_no_secret(result)
    [request] = webhook.requests
    assert request.path == f"{SECRET_PATH}?{SECRET_QUERY}"
    assert request.headers["content-type"].startswith("application/json")
    body = request.json()
    assert isinstance(body["text"], str) and body["text"]
    for name in ("legacy-open-tracking", "bounce-alerts", "complaint-feedback"):
        assert name in body["text"]
    assert (body["kind"], body["drift"], body["regions"]) == ("drift", True, ["us-east-1"])
    assert body["changes"] == CHANGES
    assert body["summary"]["missing"] == body["summary"]["extra"] == 1


def test_a_webhook_url_from_the_environment_is_never_in_argv(
    demo: Emulator, env: dict[str, str], webhook: WebhookServer
) -> None:
    result = plan(
        demo, {**env, "DRIFT_HOOK": webhook.url}, str(SPECS), "--alert", "webhook:env:DRIFT_HOOK"
    )
    assert result.code == 2, result
    assert result.stderr == f"{READ}driftcheck: sent the drift alert to 1 target\n"
    assert_no_secret(result)
    [request] = webhook.requests
    assert request.path == f"{SECRET_PATH}?{SECRET_QUERY}"
    assert request.json()["kind"] == "drift"


@pytest.mark.parametrize(("value", "state"), [(None, "is not set"), ("", "is empty")])
def test_a_missing_webhook_variable_fails_before_any_api_call(
    emulator: Emulator, env: dict[str, str], value: str | None, state: str
) -> None:
    env = {k: v for k, v in env.items() if k != "DRIFT_HOOK"}
    if value is not None:
        env["DRIFT_HOOK"] = value
    result = plan(emulator, env, str(SPECS), "--alert", "webhook:env:DRIFT_HOOK")
    assert_error(
        result, f"--alert webhook:env:DRIFT_HOOK: the environment variable DRIFT_HOOK {state}"
    )
    assert result.stdout == ""
    assert emulator.stats().total == 0


def test_no_drift_and_no_state_sends_nothing(
    emulator: Emulator, env: dict[str, str], webhook: WebhookServer
) -> None:
    emulator.reset(in_sync_state())
    result = plan(emulator, env, str(SPECS), "--alert", alert(webhook))
    assert result.code == 0, result
    assert result.stderr == f"{READ}driftcheck: no alert: no drift\n"
    assert webhook.requests == []


def test_alert_state_alerts_once_per_drift_and_once_when_resolved(
    demo: Emulator, env: dict[str, str], webhook: WebhookServer, tmp_path: Path
) -> None:
    state = tmp_path / "alert-state.json"

    def run(expected_code: int) -> Result:
        result = plan(demo, env, str(SPECS), "--alert", alert(webhook), "--alert-state", str(state))
        assert result.code == expected_code, result
        assert_no_secret(result)
        return result

    run(2)
    assert [r.json()["kind"] for r in webhook.requests] == ["drift"]
    first_state = state.read_text(encoding="utf-8")

    quiet = run(2)  # the same drift again: nothing is sent
    assert len(webhook.requests) == 1
    assert quiet.stderr.startswith(f"{READ}driftcheck: no alert: the drift is unchanged")

    demo.reset(only_extra_state())  # the drift changed: alerted again
    run(2)
    assert [r.json()["kind"] for r in webhook.requests] == ["drift", "drift"]
    assert webhook.requests[1].json()["changes"] == [CHANGES[0]]
    assert state.read_text(encoding="utf-8") != first_state

    demo.reset(in_sync_state())  # the drift cleared: one "resolved"
    resolved = run(0)
    assert resolved.stderr == f"{READ}driftcheck: sent the resolved alert to 1 target\n"
    assert [r.json()["kind"] for r in webhook.requests] == ["drift", "drift", "resolved"]
    assert "resolved" in webhook.requests[2].json()["text"]

    run(0)  # and then quiet
    assert len(webhook.requests) == 3


def test_a_run_with_an_unreadable_set_is_never_resolved(
    demo: Emulator, env: dict[str, str], webhook: WebhookServer, tmp_path: Path
) -> None:
    args = ["--alert", alert(webhook), "--alert-state", str(tmp_path / "state.json")]
    assert plan(demo, env, str(SPECS), *args).code == 2
    demo.reset(in_sync_state())
    demo.set_faults(Faults(deny_sets=frozenset({"marketing"})))
    unknown = plan(demo, env, str(SPECS), *args, "--max-attempts", "1")
    assert unknown.code == 1, unknown
    assert "driftcheck: sent the error alert to 1 target\n" in unknown.stderr
    body = webhook.requests[-1].json()
    assert (body["kind"], body["errors"]) == (
        "error",
        ["pinpoint-email/us-east-1/marketing: AccessDeniedException"],
    )
    demo.set_faults(Faults())
    assert plan(demo, env, str(SPECS), *args).code == 0
    assert [r.json()["kind"] for r in webhook.requests] == ["drift", "error", "resolved"]


def test_a_failed_delivery_is_exit_1_after_the_plan_and_every_target_is_tried(
    demo: Emulator,
    env: dict[str, str],
    webhook: WebhookServer,
    broken_hook: WebhookServer,
    tmp_path: Path,
) -> None:
    state = tmp_path / "alert-state.json"
    args = ["--alert", alert(broken_hook), "--alert", alert(webhook), "--alert-state", str(state)]
    result = plan(demo, env, str(SPECS), *args)
    assert_error(result)
    assert result.stderr == (
        f"{READ}driftcheck: error: the drift alert could not be delivered to 1 of 2 targets: "
        f"webhook:http://127.0.0.1:{broken_hook.port}/… (HTTP 500 after 3 attempts)\n"
    )
    assert result.stdout.rstrip().endswith(PLAN_LINE)  # the drift is not lost
    assert_no_secret(result)
    assert len(broken_hook.requests) == 3  # retried (5xx), then given up
    assert len(webhook.requests) == 1  # the other target was still tried, and got it
    assert not state.exists()  # not remembered: the next run tries again

    broken_hook.answer(Reply(200))
    again = plan(demo, env, str(SPECS), *args)
    assert again.code == 2, again
    assert again.stderr == f"{READ}driftcheck: sent the drift alert to 2 targets\n"
    assert (len(broken_hook.requests), len(webhook.requests)) == (4, 2)
    assert state.exists()


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (
            "webhook:http://example.com/secret-path?token=abc",
            ["--alert webhook:http://example.com/…", "plain http is allowed only to a loopback"],
        ),
        ("foo:bar", ["unknown target kind 'foo'"]),
        ("webhook:", ["needs a URL"]),
        ("webhook:ftp://127.0.0.1/secret-path?token=abc", ["must be https://"]),
        ("https://hooks.example.com/secret-path?token=abc", ["starts with webhook:"]),
        ("sns:arn:aws:sns:us-east-1:123:topic", ["is not an SNS topic ARN"]),
    ],
)
def test_a_malformed_alert_target_fails_before_any_api_call(
    emulator: Emulator, env: dict[str, str], target: str, words: list[str]
) -> None:
    result = plan(emulator, env, str(SPECS), "--alert", target)
    assert_error(result, *words)
    assert result.stdout == ""
    assert "secret-path" not in result.stderr and "token=abc" not in result.stderr
    assert emulator.stats().total == 0


def test_alert_state_needs_an_alert(
    emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    result = plan(emulator, env, str(SPECS), "--alert-state", str(tmp_path / "state.json"))
    assert_error(result, "--alert-state needs at least one --alert")
    assert emulator.stats().total == 0
    assert list(tmp_path.glob("state.json")) == []


@pytest.mark.parametrize("content", ["{not json", '{"some": "other tool"}'])
def test_an_unusable_alert_state_is_an_error_and_is_kept(
    emulator: Emulator, env: dict[str, str], webhook: WebhookServer, tmp_path: Path, content: str
) -> None:
    state = tmp_path / "state.json"
    state.write_text(content, encoding="utf-8")
    result = plan(emulator, env, str(SPECS), "--alert", alert(webhook), "--alert-state", str(state))
    assert_error(result, str(state))
    assert emulator.stats().total == 0
    assert webhook.requests == []
    assert state.read_text(encoding="utf-8") == content  # never reset silently


# --- SNS, through a moto server ----------------------------------------------------------


@pytest.fixture
def moto(aws_env: dict[str, str]) -> Iterator[Moto]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield Moto(f"http://{host}:{port}", boto3.Session())
    finally:
        server.stop()


def test_a_drift_alert_is_published_to_sns(demo: Emulator, env: dict[str, str], moto: Moto) -> None:
    topic, queue = moto.topic_with_queue("ses-drift-alerts")
    result = plan(
        demo, {**env, "AWS_ENDPOINT_URL_SNS": moto.endpoint}, str(SPECS), "--alert", f"sns:{topic}"
    )
    assert result.code == 2, result
    assert result.stderr == f"{READ}driftcheck: sent the drift alert to 1 target\n"
    [envelope] = moto.received(queue)
    assert envelope["Subject"] == "driftcheck: 3 drifted event destinations in us-east-1"
    assert json.loads(envelope["Message"])["changes"] == CHANGES
    attributes = {k: v["Value"] for k, v in envelope["MessageAttributes"].items()}
    assert attributes["kind"] == "drift" and attributes["missing"] == "1"
