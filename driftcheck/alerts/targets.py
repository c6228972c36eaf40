"""``--alert`` targets: ``sns:<topic-arn>``, ``webhook:<url>``, ``webhook:env:<NAME>``, and
URL redaction.

A webhook URL's path and query are its credentials (a Slack incoming-webhook URL *is* the
secret), and so is a ``user:password@``. Only :func:`redact`'s ``scheme://host[:port]/…``
ever appears in a message or a log line: :class:`WebhookTarget`'s ``str`` and ``repr`` use
it, so printing a target cannot leak the secret. ``webhook:env:NAME`` reads the URL from the
environment variable NAME, so the secret is not in argv (``ps``, /proc) or shell history.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from driftcheck.errors import UsageError
from driftcheck.safe_text import escape_unsafe

HIDDEN = "…"
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,19}")
# arn:PARTITION:sns:REGION:ACCOUNT:TOPIC (a FIFO topic's name ends in .fifo)
_TOPIC_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:sns:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2}):\d{12}"
    r":[A-Za-z0-9_-]{1,256}(?:\.fifo)?"
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
_USAGE = "use sns:<topic-arn>, webhook:<url> or webhook:env:<NAME>"


@dataclass(frozen=True, slots=True)
class SnsTarget:
    topic_arn: str
    region: str  # from the ARN: SNS is called in the topic's own region

    @property
    def fifo(self) -> bool:
        return self.topic_arn.endswith(".fifo")

    def __str__(self) -> str:
        return f"sns:{self.topic_arn}"


@dataclass(frozen=True, slots=True, repr=False)
class WebhookTarget:
    url: str  # a secret: never log it, use str(target)

    def __str__(self) -> str:
        return f"webhook:{redact(self.url)}"

    def __repr__(self) -> str:
        return f"WebhookTarget({redact(self.url)!r})"


AlertTarget = SnsTarget | WebhookTarget


def redact(url: str) -> str:
    """``url`` without user info, path, query and fragment: ``https://hooks.slack.com/…``.

    ``/…`` stands for whatever was removed; a URL that cannot be parsed gives a placeholder.
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "<unparsable URL>"
    if not parts.scheme or not host:
        return "<URL without a host>"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    hidden = parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc
    return escape_unsafe(f"{parts.scheme.lower()}://{netloc}{'/' + HIDDEN if hidden else ''}")


def parse_target(text: str, environ: Mapping[str, str] = os.environ) -> AlertTarget:
    """An ``--alert`` value; UsageError with one sentence (never the URL's secret) if bad.

    ``webhook:env:NAME`` takes the URL from ``environ[NAME]``.
    """
    kind, colon, rest = text.strip().partition(":")
    if colon and kind.lower() == "sns":
        return _sns(rest.strip())
    if colon and kind.lower() == "webhook":
        rest = rest.strip()
        if rest[:4].lower() == "env:":
            return _webhook_from_env(rest[4:].strip(), environ)
        return _webhook(rest)
    if colon and kind.lower() in ("http", "https"):
        raise UsageError(
            f"--alert: a webhook target starts with webhook:, as in webhook:{kind}://…"
        )
    if colon and _KIND.fullmatch(kind):
        raise UsageError(f"--alert: unknown target kind {kind!r}; {_USAGE}")
    raise UsageError(f"--alert: malformed target; {_USAGE}")


def _sns(arn: str) -> SnsTarget:
    match = _TOPIC_ARN.fullmatch(arn)
    if match is None:
        shown = escape_unsafe(arn[:120] + (HIDDEN if len(arn) > 120 else ""))
        raise UsageError(
            f"--alert sns:{shown} is not an SNS topic ARN "
            "(arn:aws:sns:REGION:ACCOUNT_ID:TOPIC_NAME)"
        )
    return SnsTarget(arn, match["region"])


def _webhook_from_env(name: str, environ: Mapping[str, str]) -> WebhookTarget:
    label = f"--alert webhook:env:{name}"
    if not _ENV_NAME.fullmatch(name):
        shown = escape_unsafe(name[:64])
        raise UsageError(
            f"--alert webhook:env: needs an environment variable name "
            f"(letters, digits, _), not {shown!r}"
        )
    url = environ.get(name, "").strip()
    if not url:
        state = "is empty" if name in environ else "is not set"
        raise UsageError(f"{label}: the environment variable {name} {state}")
    return _webhook(url, label=label)


def _webhook(url: str, *, label: str | None = None) -> WebhookTarget:
    label = label or f"--alert webhook:{redact(url)}"
    if not url:
        raise UsageError("--alert webhook: needs a URL, e.g. webhook:https://hooks.example.com/…")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise UsageError(f"{label}: the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        raise UsageError(f"{label}: the URL has an invalid host or port") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise UsageError(f"{label}: the URL must be https://HOST/…")
    if scheme == "http" and not is_loopback(host):
        raise UsageError(
            f"{label}: plain http is allowed only to a loopback address "
            "(127.0.0.0/8, ::1, localhost); use https"
        )
    return WebhookTarget(url)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a URL's hostname) is ``localhost`` or a loopback IP address."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
