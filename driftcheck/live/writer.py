"""The write calls of ``driftcheck apply``, behind one client-side rate limit.

- ``CreateConfigurationSet`` with the name only; configuration sets are never deleted.
- ``Create``/``Update``/``DeleteConfigurationSetEventDestination``. An update replaces the
  whole definition (the API resets a member left out, ``Enabled`` to false), so every write
  sends the complete definition, with ``Enabled`` always explicit.

Every HTTP request of the writer's clients, botocore's retries included, first takes a token
from one shared :class:`RateLimiter` (``--max-rps``; SES documents about one request a second
for these calls); botocore's adaptive retries absorb the throttling that still happens.
A failed call raises :class:`WriteError` (that action failed) or, for what concerns every call
alike (credentials, an unreachable endpoint), the errors of :mod:`driftcheck.live.failures`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from driftcheck.errors import DriftcheckError
from driftcheck.json_data import to_json_data
from driftcheck.live.clients import ClientSettings, make_clients
from driftcheck.live.failures import CALL_ERRORS, call_failure
from driftcheck.model import Api, Definition, ReadFailure, SetKey

DEFAULT_MAX_RPS = 1.0


class RateLimiter:
    """A thread-safe token bucket holding one token, refilled at ``rate`` tokens a second.

    :meth:`acquire` blocks until the caller's turn: calls are spaced ``1 / rate`` seconds
    apart, whichever threads make them, in the order they arrive. Each caller reserves its
    slot under the lock and sleeps outside it. ``clock`` and ``sleep`` are injectable (tests;
    a stop flag's ``wait``, so that a stopped run does not sleep out its turn).
    ``rate`` must be finite and > 0 (ValueError): the CLI checks its ``--max-rps`` flag first.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"a rate must be a finite number > 0, not {rate!r}")
        self.rate = rate
        self._interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next_free = -math.inf  # when the bucket next holds a token

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_free)
            self._next_free = slot + self._interval
        if slot > now:
            self._sleep(slot - now)


class WriteError(DriftcheckError):
    """One write call failed (after botocore's retries); the others may go on."""

    def __init__(self, failure: ReadFailure) -> None:
        self.failure = failure
        super().__init__(f"{failure.code}: {failure.message}")


def event_destination(definition: Definition) -> dict[str, Any]:
    """The ``EventDestination`` parameter: the complete definition, ``Enabled`` explicit."""
    body: dict[str, Any] = to_json_data(definition)
    body.pop("Name", None)
    body["Enabled"] = bool(definition.get("Enabled", False))
    return body


class Writer:
    """Writes through one client per (api, region); safe to call from many threads."""

    def __init__(self, clients: Mapping[tuple[Api, str], Any], limiter: RateLimiter) -> None:
        self._clients = dict(clients)
        self.limiter = limiter
        for client in self._clients.values():
            client.meta.events.register("before-send", self._take_token)

    @classmethod
    def connect(
        cls, pairs: Iterable[tuple[Api, str]], settings: ClientSettings, max_rps: float
    ) -> Writer:
        """A writer with its own clients for ``pairs`` (adaptive retries, ``settings``)."""
        stop = settings.stop
        limiter = RateLimiter(max_rps) if stop is None else RateLimiter(max_rps, sleep=stop.wait)
        return cls(make_clients(pairs, settings), limiter)

    def _take_token(self, **_: Any) -> None:
        self.limiter.acquire()  # returning None lets botocore send the request

    def create_set(self, key: SetKey) -> str | None:
        """Create the configuration set (name only); a note when it already existed."""
        created = self._call(
            key,
            "create_configuration_set",
            {"ConfigurationSetName": key.name},
            tolerated="AlreadyExistsException",
        )
        return None if created else "it already existed"

    def create_destination(self, key: SetKey, name: str, definition: Definition) -> None:
        self._call(
            key,
            "create_configuration_set_event_destination",
            {
                "ConfigurationSetName": key.name,
                "EventDestinationName": name,
                "EventDestination": event_destination(definition),
            },
        )

    def update_destination(self, key: SetKey, name: str, definition: Definition) -> None:
        self._call(
            key,
            "update_configuration_set_event_destination",
            {
                "ConfigurationSetName": key.name,
                "EventDestinationName": name,
                "EventDestination": event_destination(definition),
            },
        )

    def delete_destination(self, key: SetKey, name: str) -> str | None:
        """Delete the destination; a note when it was already gone."""
        deleted = self._call(
            key,
            "delete_configuration_set_event_destination",
            {"ConfigurationSetName": key.name, "EventDestinationName": name},
            tolerated="NotFoundException",
        )
        return None if deleted else "it was already deleted"

    def _call(
        self, key: SetKey, operation: str, params: dict[str, Any], *, tolerated: str = ""
    ) -> bool:
        """True when the call succeeded; False when it failed with the ``tolerated`` code."""
        client = self._clients[(key.api, key.region)]
        try:
            getattr(client, operation)(**params)
        except CALL_ERRORS as error:
            failure = call_failure(error, key.api, key.region)  # raises the fatal ones
            if failure.code == tolerated:
                return False
            one_line = " ".join(failure.message.split())  # botocore's validation spans lines
            raise WriteError(ReadFailure(failure.code, one_line)) from error
        return True
