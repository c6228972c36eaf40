"""``--alert`` parsing and URL redaction: bad targets are one sentence without secrets."""

from __future__ import annotations

import pytest

from driftcheck.alerts import SnsTarget, WebhookTarget, parse_target, redact
from driftcheck.errors import UsageError


@pytest.mark.parametrize(
    ("text", "region", "fifo"),
    [
        ("sns:arn:aws:sns:us-east-1:123456789012:drift-alerts", "us-east-1", False),
        ("sns:arn:aws:sns:eu-west-1:123456789012:ops_alerts.fifo", "eu-west-1", True),
        ("SNS:arn:aws-us-gov:sns:us-gov-west-1:123456789012:a", "us-gov-west-1", False),
        ("sns:arn:aws-cn:sns:cn-north-1:123456789012:a", "cn-north-1", False),
    ],
)
def test_sns_targets_take_their_region_from_the_arn(text: str, region: str, fifo: bool) -> None:
    target = parse_target(text)
    assert isinstance(target, SnsTarget)
    assert target.topic_arn == text.partition(":")[2]
    assert (target.region, target.fifo) == (region, fifo)
    assert str(target) == f"sns:{target.topic_arn}"


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "arn:aws:sns:us-east-1:12345:short-account",
        "arn:aws:sqs:us-east-1:123456789012:a-queue",
        "arn:aws:sns:useast1:123456789012:a",
        "arn:aws:sns:us-east-1:123456789012:",
        "arn:aws:sns:us-east-1:123456789012:bad name",
        "arn:aws:sns:us-east-1:123456789012:topic:subscription-id",
    ],
)
def test_a_bad_topic_arn_is_a_usage_error(arn: str) -> None:
    with pytest.raises(UsageError, match=r"is not an SNS topic ARN \(arn:aws:sns:REGION:"):
        parse_target(f"sns:{arn}")


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T0/B0/xyz",
        "http://127.0.0.1:8080/hook",
        "http://127.3.2.1/hook",
        "http://[::1]:9000/hook",
        "http://localhost/hook",
        "HTTP://LOCALHOST:80/hook",
    ],
)
def test_webhook_targets_are_https_or_loopback_http(url: str) -> None:
    target = parse_target(f"webhook:{url}")
    assert target == WebhookTarget(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/services/SECRET", "plain http is allowed only to a loopback"),
        ("http://10.0.0.1/services/SECRET", "plain http is allowed only to a loopback"),
        ("http://localhost.example.com/SECRET", "plain http is allowed only to a loopback"),
        ("ftp://hooks.example.com/SECRET", "the URL must be https://HOST/"),
        ("https:///SECRET", "the URL must be https://HOST/"),
        ("hooks.example.com/SECRET", "the URL must be https://HOST/"),
        ("https://hooks.example.com:99999/SECRET", "invalid host or port"),
        ("https://hooks.example.com/SECRET x", "spaces or control characters"),
        ("https://hooks.example.com/SECRET\x1b[31m", "spaces or control characters"),
    ],
)
def test_a_bad_webhook_is_one_sentence_without_the_secret(url: str, reason: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_target(f"webhook:{url}")
    message = str(caught.value)
    assert reason in message
    assert "SECRET" not in message
    assert "\x1b" not in message
    assert message.count(". ") == 0 and "\n" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("slack:https://hooks.slack.com/services/SECRET", "unknown target kind 'slack'"),
        ("https://hooks.slack.com/services/SECRET", "a webhook target starts with webhook:"),
        ("webhook", "malformed target"),
        ("SECRET-token-without-kind", "malformed target"),
        ("webhook:", "needs a URL"),
        ("x y z:SECRET", "malformed target"),
    ],
)
def test_unknown_or_malformed_targets(text: str, expected: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_target(text)
    assert expected in str(caught.value)
    assert "SECRET" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://hooks.slack.com/services/T0/B0/xyz", "https://hooks.slack.com/…"),
        ("https://hooks.slack.com", "https://hooks.slack.com"),
        ("https://hooks.slack.com/", "https://hooks.slack.com"),
        ("https://relay.example.com/?token=abc", "https://relay.example.com/…"),
        ("https://relay.example.com#abc", "https://relay.example.com/…"),
        ("https://user:pass@relay.example.com", "https://relay.example.com/…"),
        ("HTTPS://Relay.Example.COM:8443/x", "https://relay.example.com:8443/…"),
        ("http://[::1]:9000/hook?x=1", "http://[::1]:9000/…"),
        ("https://h:notaport/x", "<unparsable URL>"),
        ("/just/a/path", "<URL without a host>"),
    ],
)
def test_redact_keeps_only_scheme_host_and_port(url: str, redacted: str) -> None:
    assert redact(url) == redacted


def test_a_webhook_target_never_shows_its_secret() -> None:
    target = parse_target("webhook:https://u:PASS@hooks.slack.com/services/T0/B0/SECRET?k=KEY")
    for shown in (str(target), repr(target), f"{target}", f"{[target]}"):
        assert "SECRET" not in shown and "KEY" not in shown and "PASS" not in shown
        assert "hooks.slack.com/…" in shown


# --- webhook:env:NAME --------------------------------------------------------------------


def test_a_webhook_url_can_come_from_the_environment() -> None:
    url = "https://hooks.example.com/services/SECRET"
    target = parse_target("webhook:env:DRIFT_HOOK", {"DRIFT_HOOK": f" {url}\n"})
    assert target == WebhookTarget(url)
    assert "SECRET" not in str(target) and "SECRET" not in repr(target)
    assert parse_target("WEBHOOK:ENV:DRIFT_HOOK", {"DRIFT_HOOK": url}) == WebhookTarget(url)


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        (
            "webhook:env:DRIFT_HOOK",
            {},
            "--alert webhook:env:DRIFT_HOOK: the environment variable DRIFT_HOOK is not set",
        ),
        ("webhook:env:DRIFT_HOOK", {"DRIFT_HOOK": " "}, "variable DRIFT_HOOK is empty"),
        ("webhook:env:", {}, "needs an environment variable name"),
        ("webhook:env:1HOOK", {"1HOOK": "https://h.example.com/SECRET"}, "not '1HOOK'"),
        (
            "webhook:env:DRIFT_HOOK",
            {"DRIFT_HOOK": "http://hooks.example.com/SECRET"},
            "--alert webhook:env:DRIFT_HOOK: plain http is allowed only to a loopback",
        ),
    ],
)
def test_a_webhook_variable_that_is_missing_empty_or_bad_is_one_sentence(
    text: str, environ: dict[str, str], expected: str
) -> None:
    with pytest.raises(UsageError) as caught:
        parse_target(text, environ)
    message = str(caught.value)
    assert expected in message
    assert "SECRET" not in message and "\n" not in message
