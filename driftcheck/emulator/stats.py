"""Counts of API requests by operation, outcome, API and target, for tests and benchmarks."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Outcome(Enum):
    OK = "ok"
    ERROR = "errors"  # a 4xx from the API's own rules (NotFound, BadRequest...)
    THROTTLED = "throttled"  # an injected 429
    FAILED = "failed"  # an injected 5xx


@dataclass(frozen=True)
class Stats:
    """A snapshot of the counters.

    ``calls`` counts every API request routed to an operation, whatever its outcome; ``ok``,
    ``errors``, ``throttled`` and ``failed`` split the same requests by outcome. ``by_api`` splits
    ``calls`` by API (``pinpoint-email``, ``sesv2``, and ``sts`` / ``organizations`` for the
    calls those answered, e.g. ``by_api["sts"]["AssumeRole"]``); ``by_target`` splits the SES
    requests by the caller's ``ACCOUNT/REGION`` into ``calls`` and ``throttled`` (the pacing of
    each target); ``unrouted`` counts requests that matched no operation; ``max_in_flight`` is
    the most API requests ever handled at once (it shows whether concurrent clients were
    served concurrently).
    """

    calls: Mapping[str, int] = field(default_factory=dict)
    ok: Mapping[str, int] = field(default_factory=dict)
    errors: Mapping[str, int] = field(default_factory=dict)
    throttled: Mapping[str, int] = field(default_factory=dict)
    failed: Mapping[str, int] = field(default_factory=dict)
    by_api: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    by_target: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    unrouted: int = 0
    max_in_flight: int = 0

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "calls": dict(self.calls),
            "ok": dict(self.ok),
            "errors": dict(self.errors),
            "throttled": dict(self.throttled),
            "failed": dict(self.failed),
            "by_api": {api: dict(counts) for api, counts in self.by_api.items()},
            "by_target": {target: dict(counts) for target, counts in self.by_target.items()},
            "unrouted": self.unrouted,
            "max_in_flight": self.max_in_flight,
        }


class Counters:
    """Thread-safe counters behind :class:`Stats`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._counts: Counter[tuple[str, str, Outcome]] = Counter()
            self._targets: Counter[tuple[str, Outcome]] = Counter()
            self._unrouted = 0
            self._max_in_flight = self._in_flight

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        """Count one API request as being handled while the block runs."""
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def record(self, api: str, operation: str, outcome: Outcome, target: str = "") -> None:
        """Count one request; ``target`` (``ACCOUNT/REGION``) for SES requests."""
        with self._lock:
            self._counts[(api, operation, outcome)] += 1
            if target:
                self._targets[(target, outcome)] += 1

    def record_unrouted(self) -> None:
        with self._lock:
            self._unrouted += 1

    def snapshot(self) -> Stats:
        with self._lock:
            counts = list(self._counts.items())
            targets = list(self._targets.items())
            unrouted = self._unrouted
            max_in_flight = self._max_in_flight
        calls: Counter[str] = Counter()
        by_outcome: dict[Outcome, Counter[str]] = {outcome: Counter() for outcome in Outcome}
        by_api: dict[str, Counter[str]] = {}
        for (api, operation, outcome), count in counts:
            calls[operation] += count
            by_outcome[outcome][operation] += count
            by_api.setdefault(api, Counter())[operation] += count
        by_target: dict[str, dict[str, int]] = {}
        for (target, outcome), count in sorted(targets, key=lambda item: item[0][0]):
            split = by_target.setdefault(target, {"calls": 0, "throttled": 0})
            split["calls"] += count
            if outcome is Outcome.THROTTLED:
                split["throttled"] += count
        return Stats(
            calls=_sorted(calls),
            ok=_sorted(by_outcome[Outcome.OK]),
            errors=_sorted(by_outcome[Outcome.ERROR]),
            throttled=_sorted(by_outcome[Outcome.THROTTLED]),
            failed=_sorted(by_outcome[Outcome.FAILED]),
            by_api={api: _sorted(ops) for api, ops in sorted(by_api.items())},
            by_target=by_target,
            unrouted=unrouted,
            max_in_flight=max_in_flight,
        )


def _sorted(counts: Mapping[str, int]) -> dict[str, int]:
    return {key: counts[key] for key in sorted(counts)}
