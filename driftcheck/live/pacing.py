"""Pacing calls per target: one token bucket per (account, region), and fair turns among targets.

SES throttles control calls per account and region (each pair is its own rate bucket:
https://docs.aws.amazon.com/ses/latest/dg/quotas.html), so driftcheck paces them the same
way: :class:`Pacing` holds one :class:`RateLimiter` per target, and :class:`TurnTaker` hands
work to a fixed number of worker threads target by target, always from the target whose
next token comes first. A worker therefore never waits on a busy target while another one
has a token free: with ``--concurrency`` workers and many targets, the wall time is about
that of the slowest target (its calls over its rate), not the sum over targets.

Without a rate (reads, unless ``--max-rps`` is given), targets simply take turns and
botocore's adaptive retries, one rate limiter per client and so per target, absorb the
throttling.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

Target = Hashable  # (account id, region) in practice
T = TypeVar("T")


class RateLimiter:
    """A thread-safe token bucket holding one token, refilled at ``rate`` tokens a second.

    :meth:`acquire` blocks until the caller's turn: calls are spaced ``1 / rate`` seconds
    apart, whichever threads make them, in the order they arrive. Each caller reserves its
    slot under the lock (:meth:`reserve`) and sleeps outside it. ``clock`` and ``sleep`` are
    injectable (tests; a stop flag's ``wait``, so that a stopped run does not sleep out its
    turn). ``rate`` must be finite and > 0 (ValueError): the CLI checks its ``--max-rps``
    flag first.
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
        self.clock, self.sleep = clock, sleep
        self._lock = threading.Lock()
        self._next_free = -math.inf  # when the bucket next holds a token

    @property
    def next_free(self) -> float:
        """When the next token can be taken (-inf: at once)."""
        with self._lock:
            return self._next_free

    def reserve(self) -> float:
        """Take the next token without waiting: the clock time at which it may be used."""
        with self._lock:
            slot = max(self.clock(), self._next_free)
            self._next_free = slot + self._interval
        return slot

    def acquire(self) -> None:
        slot = self.reserve()
        wait = slot - self.clock()
        if wait > 0:
            self.sleep(wait)


class Pacing:
    """One rate limiter per target, made by ``make_limiter`` on first use; thread-safe.

    ``make_limiter`` None: calls are not paced (:meth:`take_token` returns at once).
    """

    def __init__(self, make_limiter: Callable[[], RateLimiter] | None) -> None:
        self._make = make_limiter
        self._lock = threading.Lock()
        self._limiters: dict[Target, RateLimiter] = {}
        self._reserved = threading.local()  # a worker's turn already holds its first token

    @classmethod
    def at(cls, rate: float | None, sleep: Callable[[float], object] = time.sleep) -> Pacing:
        """``rate`` calls a second per target (None: unpaced); ``sleep`` as for RateLimiter."""
        if rate is None:
            return cls(None)
        return cls(lambda: RateLimiter(rate, sleep=sleep))

    @property
    def paced(self) -> bool:
        return self._make is not None

    def limiter(self, target: Target) -> RateLimiter | None:
        if self._make is None:
            return None
        with self._lock:
            found = self._limiters.get(target)
            if found is None:
                found = self._limiters[target] = self._make()
            return found

    def take_token(self, target: Target) -> None:
        """Before each HTTP request to ``target`` (retries included): wait for a token.

        The first request after :meth:`TurnTaker.next` handed out a turn uses the token that
        the turn reserved.
        """
        if getattr(self._reserved, "target", None) == target:
            self._reserved.target = None
            return
        limiter = self.limiter(target)
        if limiter is not None:
            limiter.acquire()

    def _hold(self, target: Target | None) -> None:
        self._reserved.target = target


class TurnTaker(Generic[T]):
    """Work items of many targets, handed out one at a time to worker threads.

    :meth:`next` returns the next item of the target whose next token comes first (ties:
    the target that waited longest), after sleeping until that token, or None when no work
    is left or ``stopped()`` says so. Unpaced, targets take turns round-robin.
    """

    def __init__(
        self,
        work: Iterable[tuple[Target, T]],
        pacing: Pacing,
        stopped: Callable[[], bool] = lambda: False,
    ) -> None:
        self._pacing = pacing
        self._stopped = stopped
        self._lock = threading.Lock()
        self._queues: dict[Target, list[T]] = {}
        for target, item in work:
            self._queues.setdefault(target, []).append(item)
        for queue in self._queues.values():
            queue.reverse()  # popped from the end: first in, first out
        self._order = list(self._queues)
        # (next token, turn, index) of every target with work left; turns increase, so ties
        # go to the target served longest ago
        self._heap = [(-math.inf, i, i) for i in range(len(self._order))]
        self._turn = len(self._order)

    def close(self) -> None:
        """Hand out nothing more."""
        with self._lock:
            self._heap.clear()

    def next(self) -> T | None:
        pacing = self._pacing
        with self._lock:
            if not self._heap or self._stopped():
                return None
            _, _, index = heapq.heappop(self._heap)
            target = self._order[index]
            queue = self._queues[target]
            item = queue.pop()
            limiter = pacing.limiter(target)
            slot = limiter.reserve() if limiter is not None else -math.inf
            if queue:
                when = limiter.next_free if limiter is not None else -math.inf
                heapq.heappush(self._heap, (when, self._turn, index))
                self._turn += 1
        if limiter is not None:
            wait = slot - limiter.clock()
            if wait > 0:
                limiter.sleep(wait)
                if self._stopped():
                    return None
        pacing._hold(target)
        return item
