"""Injected faults: latency, random throttling, request-rate caps, failing sets and accounts."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

from driftcheck.errors import EmulatorError


@dataclass(frozen=True)
class Faults:
    """What goes wrong, for every SES API request (never for the ``/_emulator/`` endpoints,
    STS or Organizations).

    - ``latency_ms``: added to every API request (the handler sleeps without holding a lock).
    - ``throttle_rate``: fraction (0..1) of API requests answered 429 TooManyRequestsException,
      drawn from ``random.Random(seed)`` so a sequential run is reproducible.
    - ``fail_sets``: requests naming one of these configuration sets answer 500 InternalFailure.
    - ``deny_sets``: requests naming one of these sets answer 403 AccessDeniedException, like
      an IAM policy that does not cover them.
    - ``deny_accounts``: every request of a caller in one of these accounts answers 403
      AccessDeniedException, like a role whose policy allows no SES read.
    - ``max_rps``: a token bucket per (account, region) of the caller (burst
      ``max(1, max_rps)``); requests beyond it answer 429, like SES's ~1 request per second
      for these calls, which AWS counts per account and region. ``None``: no cap. With one
      account and one region it is one bucket for every request.
    - ``target_max_rps``: ``{"ACCOUNT/REGION": rate}``, the cap of those buckets instead of
      ``max_rps`` (a slow target beside fast ones).
    """

    latency_ms: float = 0.0
    throttle_rate: float = 0.0
    fail_sets: frozenset[str] = field(default_factory=frozenset)
    deny_sets: frozenset[str] = field(default_factory=frozenset)
    max_rps: float | None = None
    seed: int = 0
    deny_accounts: frozenset[str] = field(default_factory=frozenset)
    target_max_rps: Mapping[str, float] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.latency_ms) and self.latency_ms >= 0):
            raise EmulatorError(f"latency_ms must be a number >= 0, not {self.latency_ms!r}.")
        if not 0.0 <= self.throttle_rate <= 1.0:
            raise EmulatorError(
                f"throttle_rate must be between 0 and 1, not {self.throttle_rate!r}."
            )
        for rate in (self.max_rps, *self.target_max_rps.values()):
            if rate is not None and not (math.isfinite(rate) and rate > 0):
                raise EmulatorError(f"max_rps must be a number > 0, not {rate!r}.")
        for target in self.target_max_rps:
            account, _, region = target.partition("/")
            if not (len(account) == 12 and account.isdigit() and region):
                raise EmulatorError(f"target_max_rps keys are ACCOUNT/REGION, not {target!r}.")
        # Accept any iterable of names from callers; store immutable values.
        object.__setattr__(self, "fail_sets", frozenset(self.fail_sets))
        object.__setattr__(self, "deny_sets", frozenset(self.deny_sets))
        object.__setattr__(self, "deny_accounts", frozenset(self.deny_accounts))
        object.__setattr__(self, "target_max_rps", MappingProxyType(dict(self.target_max_rps)))

    def cap(self, account: str, region: str) -> float | None:
        """The request rate cap of the (account, region) bucket; None: no cap."""
        return self.target_max_rps.get(f"{account}/{region}", self.max_rps)

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
        targets = data.get("target_max_rps", {})
        if not isinstance(targets, Mapping):
            raise EmulatorError("target_max_rps must be an object of ACCOUNT/REGION: rate.")
        return cls(
            latency_ms=_number(data.get("latency_ms", 0.0), "latency_ms"),
            throttle_rate=_number(data.get("throttle_rate", 0.0), "throttle_rate"),
            fail_sets=_names(data.get("fail_sets", ()), "fail_sets"),
            deny_sets=_names(data.get("deny_sets", ()), "deny_sets"),
            max_rps=None if max_rps is None else _number(max_rps, "max_rps"),
            seed=_integer(data.get("seed", 0), "seed"),
            deny_accounts=_names(data.get("deny_accounts", ()), "deny_accounts", "account ids"),
            target_max_rps={k: _number(v, "target_max_rps") for k, v in targets.items()},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "throttle_rate": self.throttle_rate,
            "fail_sets": sorted(self.fail_sets),
            "deny_sets": sorted(self.deny_sets),
            "max_rps": self.max_rps,
            "seed": self.seed,
            "deny_accounts": sorted(self.deny_accounts),
            "target_max_rps": dict(sorted(self.target_max_rps.items())),
        }


_FIELDS = frozenset(
    {
        "latency_ms",
        "throttle_rate",
        "fail_sets",
        "deny_sets",
        "max_rps",
        "seed",
        "deny_accounts",
        "target_max_rps",
    }
)


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EmulatorError(f"{name} must be a number, not {value!r}.")
    return float(value)


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EmulatorError(f"{name} must be an integer, not {value!r}.")
    return value


def _names(value: Any, name: str, what: str = "configuration set names") -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise EmulatorError(f"{name} must be a list of {what}.")
    names = list(value)
    if not all(isinstance(name, str) for name in names):
        raise EmulatorError(f"{name} must be a list of {what}.")
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
        """Replace every fault; reseeds the random draws and refills every token bucket."""
        with self._lock:
            self._faults = faults
            self._random = random.Random(faults.seed)
            # (account, region) -> [tokens, last refill]; a bucket starts full on first use
            self._buckets: dict[tuple[str, str], list[float]] = {}

    @property
    def delay(self) -> float:
        """Seconds to wait before answering an API request."""
        return self._faults.latency_ms / 1000.0

    def verdict(self, set_name: str | None, account: str = "", region: str = "") -> Verdict:
        """Throttle (the (account, region) cap, then random draw), fail, deny, or pass."""
        with self._lock:
            faults = self._faults
            rate = faults.cap(account, region)
            if rate is not None and not self._take_token((account, region), rate):
                return Verdict.THROTTLE
            if faults.throttle_rate > 0 and self._random.random() < faults.throttle_rate:
                return Verdict.THROTTLE
        if set_name is not None and set_name in faults.fail_sets:
            return Verdict.FAIL
        if account in faults.deny_accounts:
            return Verdict.DENY
        if set_name is not None and set_name in faults.deny_sets:
            return Verdict.DENY
        return Verdict.PASS

    def _take_token(self, target: tuple[str, str], rate: float) -> bool:
        now = time.monotonic()
        capacity = max(1.0, rate)
        bucket = self._buckets.setdefault(target, [capacity, now])
        tokens = min(capacity, bucket[0] + (now - bucket[1]) * rate)
        if tokens < 1.0:
            bucket[:] = [tokens, now]
            return False
        bucket[:] = [tokens - 1.0, now]
        return True
