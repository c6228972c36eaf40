"""Pacing per target: one token bucket per (account, region), turns from the earliest token."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from driftcheck.live.pacing import Pacing, RateLimiter, TurnTaker


class Clock:
    """Time that moves only when someone sleeps (sleeping advances it)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def paced(clock: Clock, rate: float) -> Pacing:
    return Pacing(lambda: RateLimiter(rate, clock=clock, sleep=clock.sleep))


def drain(turns: TurnTaker[str], clock: Clock) -> list[tuple[float, str]]:
    """Every item with the time it was handed out (one worker)."""
    handed = []
    while (item := turns.next()) is not None:
        handed.append((clock.now, item))
    return handed


def test_each_target_has_its_own_bucket_so_the_wall_is_the_slowest_target_s() -> None:
    clock = Clock()
    work = [(target, f"{target}{i}") for target in "abc" for i in range(4)]  # a0..a3, b0..
    handed = drain(TurnTaker(work, paced(clock, 1.0)), clock)
    # targets take turns: each second, one call of every target; 4 calls of 1 rps: 3 s
    assert handed == [
        (float(second), f"{target}{second}") for second in range(4) for target in "abc"
    ]
    assert clock.now == 3.0  # one shared bucket would take 11 s


def test_a_slow_target_does_not_hold_back_the_fast_ones() -> None:
    clock = Clock()
    pacing = paced(clock, 1.0)
    slow = paced(clock, 0.25)

    class Mixed(Pacing):
        def limiter(self, target: object) -> RateLimiter | None:
            return (slow if target == "slow" else pacing).limiter(target)

    work = [("slow", f"s{i}") for i in range(3)] + [("fast", f"f{i}") for i in range(9)]
    handed = drain(TurnTaker(work, Mixed(None)), clock)
    times = {item: when for when, item in handed}
    assert [times[f"s{i}"] for i in range(3)] == [0.0, 4.0, 8.0]
    assert [times[f"f{i}"] for i in range(9)] == [float(i) for i in range(9)]
    assert clock.now == 8.0  # the slow target's 3 calls at 0.25 rps: the bound


def test_unpaced_targets_take_turns_round_robin() -> None:
    clock = Clock()
    work = [("a", "a0"), ("a", "a1"), ("a", "a2"), ("b", "b0"), ("c", "c0"), ("c", "c1")]
    handed = [item for _, item in drain(TurnTaker(work, Pacing(None)), clock)]
    assert handed == ["a0", "b0", "c0", "a1", "c1", "a2"]
    assert clock.now == 0.0


def test_the_first_request_of_a_turn_uses_the_token_the_turn_reserved() -> None:
    clock = Clock()
    pacing = paced(clock, 1.0)
    turns = TurnTaker([("a", "a0"), ("a", "a1")], pacing)
    assert turns.next() == "a0"
    pacing.take_token("a")  # the call's first request: already paid for by the turn
    assert clock.now == 0.0
    pacing.take_token("a")  # a retry: waits for the next token
    assert clock.now == 1.0
    assert turns.next() == "a1"  # the retry took its token: the next turn waits for one more
    assert clock.now == 2.0


def test_a_closed_or_stopped_turn_taker_hands_out_nothing() -> None:
    stopped = threading.Event()
    turns = TurnTaker([("a", 1), ("a", 2), ("b", 3)], Pacing(None), stopped=stopped.is_set)
    assert turns.next() == 1
    stopped.set()
    assert turns.next() is None
    closed = TurnTaker([("a", 1), ("a", 2)], Pacing(None))
    closed.close()
    assert closed.next() is None


@given(
    st.lists(st.tuples(st.sampled_from("abcd"), st.integers()), max_size=40),
    st.integers(1, 4),
)
def test_every_item_is_handed_out_once_in_its_target_s_order(
    work: list[tuple[str, int]], threads: int
) -> None:
    clock = Clock()
    turns = TurnTaker([(t, (t, i)) for i, (t, _) in enumerate(work)], paced(clock, 100.0))
    handed: list[tuple[str, int]] = []
    lock = threading.Lock()

    def worker() -> None:
        while (item := turns.next()) is not None:
            with lock:
                handed.append(item)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    expected = [(t, i) for i, (t, _) in enumerate(work)]
    assert sorted(handed) == sorted(expected)
    if threads == 1:
        for target in "abcd":
            mine = [i for t, i in handed if t == target]
            assert mine == sorted(mine)
