"""Webhook delivery against a real HTTP server on 127.0.0.1: retries, timeouts, no secrets."""

from __future__ import annotations

import logging
import socket

import pytest

from driftcheck.alerts import (
    AlertKind,
    DeliveryError,
    WebhookTarget,
    build_alert,
    deliver_alerts,
    parse_target,
)
from driftcheck.alerts.webhook import post
from tests.alerts.conftest import FAST
from tests.alerts.scenarios import drifted
from tests.webhooks import SECRET_PATH, SECRET_QUERY, SECRETS, Reply, WebhookServer


def _deliver(server_or_url: WebhookServer | str) -> None:
    url = server_or_url if isinstance(server_or_url, str) else server_or_url.url
    deliver_alerts(drifted(), [parse_target(f"webhook:{url}")], state_file=None, settings=FAST)


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_posts_slack_text_and_the_summary(webhook: WebhookServer) -> None:
    outcome = deliver_alerts(
        drifted(), [parse_target(f"webhook:{webhook.url}")], state_file=None, settings=FAST
    )
    assert outcome.sent is AlertKind.DRIFT
    assert outcome.delivered == (f"webhook:http://127.0.0.1:{webhook.port}/…",)
    [request] = webhook.requests
    assert request.method == "POST"
    assert request.path == f"{SECRET_PATH}?{SECRET_QUERY}"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["user-agent"].startswith("driftcheck/")
    body = request.json()
    alert = build_alert(drifted(), AlertKind.DRIFT)
    assert body["text"] == alert.text
    assert body["text"].startswith("*driftcheck: 3 drifted event destinations in us-east-1*\n")
    assert body["summary"]["misconfigured"] == 1
    assert body["changes"] == alert.document["changes"]
    assert {k: v for k, v in body.items() if k != "text"} == alert.document


def test_a_5xx_is_retried_then_reported(webhook: WebhookServer) -> None:
    webhook.answer(Reply(500, b"oops"))
    with pytest.raises(DeliveryError) as caught:
        _deliver(webhook)
    assert len(webhook.requests) == FAST.attempts
    assert str(caught.value) == (
        "the drift alert could not be delivered to 1 of 1 target: "
        f"webhook:http://127.0.0.1:{webhook.port}/… (HTTP 500 after 3 attempts)"
    )


def test_a_transient_failure_is_absorbed_by_a_retry(webhook: WebhookServer) -> None:
    webhook.answer(Reply(503), Reply(200))
    _deliver(webhook)
    assert len(webhook.requests) == 2
    assert webhook.requests[0].body == webhook.requests[1].body


def test_other_4xx_are_not_retried_and_a_plain_answer_is_quoted(webhook: WebhookServer) -> None:
    webhook.answer(Reply(404, b"no_service"))
    with pytest.raises(DeliveryError, match=r"\(HTTP 404 \(no_service\)\)$"):
        _deliver(webhook)
    assert len(webhook.requests) == 1


@pytest.mark.parametrize(
    "answer",
    [
        f"Cannot POST {SECRET_PATH}".encode(),  # an error page echoing the path
        b"XyZsecretToken123",  # plain, but a piece of the secret
        b"<html>" + b"x" * 500,  # not plain
    ],
)
def test_an_answer_that_could_hold_the_secret_is_not_quoted(
    webhook: WebhookServer, answer: bytes
) -> None:
    webhook.answer(Reply(400, answer))
    with pytest.raises(DeliveryError) as caught:
        _deliver(webhook)
    assert str(caught.value).endswith("(HTTP 400)")


def test_a_redirect_is_not_followed(webhook: WebhookServer) -> None:
    webhook.answer(Reply(302, headers=(("Location", "http://127.0.0.1:1/elsewhere"),)))
    with pytest.raises(DeliveryError, match="HTTP 302: a redirect, which is not followed"):
        _deliver(webhook)
    assert len(webhook.requests) == 1


def test_a_hanging_webhook_times_out_on_every_attempt(webhook: WebhookServer) -> None:
    webhook.answer(Reply(hang=True))
    with pytest.raises(DeliveryError) as caught:
        _deliver(webhook)
    assert str(caught.value).endswith("(no answer within 0.3 s after 3 attempts)")
    assert len(webhook.requests) == FAST.attempts


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_is_retried_then_reported() -> None:
    port = _closed_port()
    with pytest.raises(DeliveryError) as caught:
        _deliver(f"http://127.0.0.1:{port}{SECRET_PATH}")
    assert str(caught.value).endswith(
        f"webhook:http://127.0.0.1:{port}/… (connection refused after 3 attempts)"
    )


def test_backoff_doubles_and_honours_a_short_retry_after(webhook: WebhookServer) -> None:
    webhook.answer(Reply(500), Reply(429, headers=(("Retry-After", "3"),)), Reply(200))
    delays: list[float] = []
    alert = build_alert(drifted(), AlertKind.DRIFT)
    post(WebhookTarget(webhook.url), alert, timeout=5, attempts=3, backoff=0.5, sleep=delays.append)
    assert delays == [0.5, 3.0]
    webhook.requests.clear()
    webhook.answer(Reply(429, headers=(("Retry-After", "3600"),)), Reply(200))
    delays.clear()
    post(WebhookTarget(webhook.url), alert, timeout=5, attempts=3, backoff=0.5, sleep=delays.append)
    assert delays == [10.0]  # capped: a scheduled job does not wait an hour


@pytest.mark.parametrize(
    "replies",
    [
        [Reply(500)],
        [Reply(hang=True)],
        [Reply(404, f"Cannot POST {SECRET_PATH}?{SECRET_QUERY}".encode())],
        [Reply(503), Reply(200)],
        [Reply(200)],
    ],
    ids=["5xx", "hang", "4xx-echo", "retry-then-ok", "ok"],
)
def test_no_log_record_or_error_contains_the_secret(
    webhook: WebhookServer, replies: list[Reply], caplog: pytest.LogCaptureFixture
) -> None:
    webhook.answer(*replies)
    caplog.set_level(logging.DEBUG)
    try:
        _deliver(webhook)
    except DeliveryError as error:
        _assert_no_secret(str(error))
        _assert_no_secret(repr(error.failures))
    assert caplog.records, "delivery logs what it does"
    for record in caplog.records:
        _assert_no_secret(record.getMessage())
    assert any(f"127.0.0.1:{webhook.port}/…" in r.getMessage() for r in caplog.records)
