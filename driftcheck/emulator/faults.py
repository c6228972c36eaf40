"""Injected faults: latency, random throttling, a request-rate cap, and failing sets."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from driftcheck.errors import EmulatorError


@dataclass(frozen=True)
class Faults:
    """What goes wrong, for every API request (never for the ``/_emulator/`` endpoints).

    - ``latency_ms``: added to every API request (the handler sleeps without holding a lock).
    - ``throttle_rate``: fraction (0..1) of API requests answered 429 TooManyRequestsException,
      drawn from ``random.Random(seed)`` so a sequential run is reproducible.
    - ``fail_sets``: requests naming one of these configuration sets answer 500 InternalFailure.
    - ``deny_sets``: requests naming one of these sets answer 403 AccessDeniedException, like
      an IAM policy that does not cover them.
    - ``max_rps``: a token bucket (burst ``max(1, max_rps)``); requests beyond it answer 429,
      like SES's ~1 request per second for these calls. ``None``: no cap.
    """

    latency_ms: float = 0.0
    throttle_rate: float = 0.0
    fail_sets: frozenset[str] = field(default_factory=frozenset)
    deny_sets: frozenset[str] = field(default_factory=frozenset)
    max_rps: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.latency_ms) and self.latency_ms >= 0):
            raise EmulatorError(f"latency_ms must be a number >= 0, not {self.latency_ms!r}.")
        if not 0.0 <= self.throttle_rate <= 1.0:
            raise EmulatorError(
                f"throttle_rate must be between 0 and 1, not {self.throttle_rate!r}."
            )
        if self.max_rps is not None and not (math.isfinite(self.max_rps) and self.max_rps > 0):
            raise EmulatorError(f"max_rps must be a number > 0, not {self.max_rps!r}.")
        # Accept any iterable of names from callers; store an immutable set.
        object.__setattr__(self, "fail_sets", frozenset(self.fail_sets))
        object.__setattr__(self, "deny_sets", frozenset(self.deny_sets))

    @classmethod
    def from_json(cls, data: Any) -> Faults:
        """Faults from a JSON object; members left out take their defaults."""
        if not isinstance(data, Mapping):
            raise EmulatorError("Faults must be a JSON object.")
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            raise EmulatorError(
                f"Unknown fault {unknown[0]!r}; known: {', '.join(sorted(_FIELDS))}."
            )
        max_rps = data.get("max_rps")
        return cls(
            latency_ms=_number(data.get("latency_ms", 0.0), "latency_ms"),
            throttle_rate=_number(data.get("throttle_rate", 0.0), "throttle_rate"),
            fail_sets=_names(data.get("fail_sets", ()), "fail_sets"),
            deny_sets=_names(data.get("deny_sets", ()), "deny_sets"),
            max_rps=None if max_rps is None else _number(max_rps, "max_rps"),
            seed=_integer(data.get("seed", 0), "seed"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "throttle_rate": self.throttle_rate,
            "fail_sets": sorted(self.fail_sets),
            "deny_sets": sorted(self.deny_sets),
            "max_rps": self.max_rps,
            "seed": self.seed,
        }


_FIELDS = frozenset({"latency_ms", "throttle_rate", "fail_sets", "deny_sets", "max_rps", "seed"})


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EmulatorError(f"{name} must be a number, not {value!r}.")
    return float(value)


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EmulatorError(f"{name} must be an integer, not {value!r}.")
    return value


def _names(value: Any, name: str) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise EmulatorError(f"{name} must be a list of configuration set names.")
    names = list(value)
    if not all(isinstance(name, str) for name in names):
        raise EmulatorError(f"{name} must be a list of configuration set names.")
    return frozenset(names)


class Verdict(Enum):
    """What fault injection decided for one request."""

    PASS = "pass"
    THROTTLE = "throttle"
    FAIL = "fail"
    DENY = "deny"


class FaultInjector:
    """Applies the current :class:`Faults`; thread-safe, replaceable at runtime."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self.set(faults or Faults())

    @property
    def faults(self) -> Faults:
        return self._faults

    def set(self, faults: Faults) -> None:
        """Replace every fault; reseeds the random draws and refills the token bucket."""
        with self._lock:
            self._faults = faults
            self._random = random.Random(faults.seed)
            self._capacity = max(1.0, faults.max_rps or 0.0)
            self._tokens = self._capacity
            self._refilled = time.monotonic()

    @property
    def delay(self) -> float:
        """Seconds to wait before answering an API request."""
        return self._faults.latency_ms / 1000.0

    def verdict(self, set_name: str | None) -> Verdict:
        """Throttle (rate cap, then random draw), fail (named set), or pass this request."""
        with self._lock:
            faults = self._faults
            if faults.max_rps is not None and not self._take_token(faults.max_rps):
                return Verdict.THROTTLE
            if faults.throttle_rate > 0 and self._random.random() < faults.throttle_rate:
                return Verdict.THROTTLE
        if set_name is not None and set_name in faults.fail_sets:
            return Verdict.FAIL
        if set_name is not None and set_name in faults.deny_sets:
            return Verdict.DENY
        return Verdict.PASS

    def _take_token(self, rate: float) -> bool:
        now = time.monotonic()
        self._tokens = min(self._capacity, self._tokens + (now - self._refilled) * rate)
        self._refilled = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True
