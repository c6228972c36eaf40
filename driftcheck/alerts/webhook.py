"""``webhook:<url>``: POST the alert as JSON with the standard library.

The body is ``{"text": …, **summary}``: ``text`` is what Slack (and Mattermost, Teams
workflows, Discord's ``/slack`` endpoints…) show; the summary fields are for relays that
parse it. Connection errors, timeouts, HTTP 5xx and 429 are retried with exponential
backoff (429 and 503 honour a short ``Retry-After``); any other answer outside 2xx fails at
once, and so does a redirect, which is never followed (following one would re-send the
alert to a place nobody configured). The URL is a secret: messages and log lines only
ever show ``str(target)``, which is redacted.
"""

from __future__ import annotations

import json
import re
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import HTTPException
from typing import Any
from urllib.parse import urlsplit

from driftcheck import __version__
from driftcheck.alerts.content import Alert
from driftcheck.alerts.targets import WebhookTarget
from driftcheck.errors import AlertError
from driftcheck.logger import get_logger

logger = get_logger(__name__)

MAX_RETRY_AFTER_SECONDS = 10.0
_MAX_RESPONSE_BYTES = 64 * 1024
# an answer short and plain enough to quote (Slack's "invalid_token", "no_service"...)
_QUOTABLE = re.compile(r"[A-Za-z0-9_. -]{1,64}")


class _Failure(Exception):
    def __init__(self, reason: str, *, retry: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.retry_after = retry_after


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_NoRedirect)


def body(alert: Alert) -> bytes:
    """The JSON the webhook receives: a Slack-compatible ``text`` and the summary."""
    return json.dumps({"text": alert.text, **alert.document}, ensure_ascii=True).encode()


def post(
    target: WebhookTarget,
    alert: Alert,
    *,
    timeout: float,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """POST ``alert`` to ``target``, retrying transient failures; AlertError after the last."""
    data = body(alert)
    for attempt in range(1, attempts + 1):
        try:
            status = _post_once(target.url, data, timeout)
        except _Failure as failure:
            if not failure.retry:
                raise AlertError(failure.reason) from None
            if attempt == attempts:
                tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
                raise AlertError(f"{failure.reason} after {tries}") from None
            delay = backoff * 2 ** (attempt - 1)
            if failure.retry_after is not None:
                delay = max(delay, min(failure.retry_after, MAX_RETRY_AFTER_SECONDS))
            logger.info(
                "%s: attempt %d of %d failed: %s; retrying in %.2f s",
                target,
                attempt,
                attempts,
                failure.reason,
                delay,
            )
            sleep(delay)
        else:
            logger.debug("%s: answered HTTP %d", target, status)
            return


def _post_once(url: str, data: bytes, timeout: float) -> int:
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"driftcheck/{__version__}",
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(_MAX_RESPONSE_BYTES)
            return int(response.status)
    except urllib.error.HTTPError as error:  # before URLError: it is one
        with error:
            raise _http_failure(error, url) from None
    except urllib.error.URLError as error:
        raise _transport_failure(error.reason, timeout) from None
    except (OSError, HTTPException) as error:  # a timeout or reset while reading the answer
        raise _transport_failure(error, timeout) from None


def _http_failure(error: urllib.error.HTTPError, url: str) -> _Failure:
    status = error.code
    if 300 <= status < 400:
        return _Failure(f"HTTP {status}: a redirect, which is not followed", retry=False)
    if status == 429 or status >= 500:
        return _Failure(f"HTTP {status}", retry=True, retry_after=_retry_after(error))
    try:
        answer = error.read(200).decode("utf-8", "replace").strip()
    except (OSError, HTTPException):
        answer = ""
    quoted = f" ({answer})" if _quotable(answer, url) else ""
    return _Failure(f"HTTP {status}{quoted}", retry=False)


def _quotable(answer: str, url: str) -> bool:
    """Whether the server's answer can be quoted: short, plain, and sharing no part of
    the URL's secret (some servers echo the request path in their error pages)."""
    if not _QUOTABLE.fullmatch(answer):
        return False
    parts = urlsplit(url)
    secret = f"{parts.username or ''}/{parts.password or ''}/{parts.path}/{parts.query}/"
    secret += parts.fragment
    pieces = [p for p in re.split(r"[/?&=#:;,]+", secret.lower()) if len(p) >= 4]
    lowered = answer.lower()
    return not any(piece in lowered or lowered in piece for piece in pieces)


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After", "") if error.headers else ""
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: ignore it, the backoff applies
    return seconds if seconds >= 0 else None


def _transport_failure(reason: object, timeout: float) -> _Failure:
    if isinstance(reason, TimeoutError):
        return _Failure(f"no answer within {timeout:g} s", retry=True)
    if isinstance(reason, ssl.SSLCertVerificationError):
        return _Failure("its TLS certificate could not be verified", retry=False)
    if isinstance(reason, ssl.SSLError):
        return _Failure("the TLS handshake failed", retry=True)
    if isinstance(reason, ConnectionRefusedError):
        return _Failure("connection refused", retry=True)
    if isinstance(reason, ConnectionError):
        return _Failure("the connection was reset", retry=True)
    if isinstance(reason, OSError) and reason.strerror:
        return _Failure(f"cannot connect: {reason.strerror.lower()}", retry=True)
    return _Failure(f"cannot connect ({type(reason).__name__})", retry=True)
