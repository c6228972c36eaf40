"""The stop flag and the CLI's signal handlers, in this process with real signals.

``signal.raise_signal`` delivers the signal to this (main) thread; Python runs the handler
right after the call returns. The subprocess tests are in tests/test_signals.py.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from types import FrameType

import pytest

from driftcheck.errors import ExitCode, Interrupted, exit_code_of
from driftcheck.interrupt import SIGNALS, StopFlag, handle_signals

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signal handlers can only be installed from the main thread",
)


def previous_handler(signum: int, frame: FrameType | None) -> None:
    raise AssertionError(f"the handler installed before driftcheck's got signal {signum}")


@pytest.fixture
def flag() -> Iterator[StopFlag]:
    """A stop flag whose handlers are installed, over a known previous handler."""
    before = {signum: signal.signal(signum, previous_handler) for signum in SIGNALS}
    try:
        stop = StopFlag()
        with handle_signals(stop):
            yield stop
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def test_the_previous_handlers_come_back_after() -> None:
    before = {signum: signal.signal(signum, previous_handler) for signum in SIGNALS}
    try:
        with handle_signals(StopFlag()):
            assert all(signal.getsignal(s) is not previous_handler for s in SIGNALS)
        assert all(signal.getsignal(s) is previous_handler for s in SIGNALS)
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def test_an_ignored_signal_stays_ignored() -> None:
    before = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        stop = StopFlag()
        with handle_signals(stop):
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
            signal.raise_signal(signal.SIGTERM)
        assert not stop.is_set()
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, before)


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, ExitCode.INTERRUPTED), (signal.SIGTERM, ExitCode.TERMINATED)],
)
def test_inside_interruptible_a_signal_sets_the_flag_and_raises(
    flag: StopFlag, signum: int, code: ExitCode
) -> None:
    with pytest.raises(Interrupted) as raised, flag.interruptible():
        signal.raise_signal(signum)
    assert (raised.value.signum, raised.value.exit_code, int(code)) == (signum, code, 128 + signum)
    assert flag.is_set() and flag.signum == signum
    assert not raised.value.attempted


def test_inside_graceful_a_signal_only_sets_the_flag(flag: StopFlag) -> None:
    with flag.interruptible():
        with flag.graceful():
            signal.raise_signal(signal.SIGTERM)
            assert flag.is_set() and not flag.raises
        assert flag.raises  # back in the interruptible block
    assert not flag.raises
    with pytest.raises(Interrupted) as raised:
        flag.check()
    assert raised.value.exit_code is ExitCode.TERMINATED


def test_outside_any_block_a_signal_only_sets_the_flag(flag: StopFlag) -> None:
    signal.raise_signal(signal.SIGINT)
    assert flag.is_set() and flag.signum == signal.SIGINT


def test_the_flag_keeps_the_first_signal_and_wakes_a_waiting_thread() -> None:
    stop = StopFlag()
    stop.check()  # not set: nothing raised
    woke: list[bool] = []
    sleeper = threading.Thread(target=lambda: woke.append(stop.wait(3600)))
    sleeper.start()
    stop.set(signal.SIGTERM)
    stop.set(signal.SIGINT)
    sleeper.join(timeout=30)
    assert woke == [True]  # an hour's wait ended by the flag
    assert stop.signum == signal.SIGTERM
    with pytest.raises(Interrupted) as raised:
        stop.check(attempted=True)
    assert raised.value.attempted and raised.value.exit_code is ExitCode.TERMINATED


def test_exit_codes_follow_the_shells_convention() -> None:
    assert exit_code_of(signal.SIGINT) == 130 == ExitCode.INTERRUPTED
    assert exit_code_of(signal.SIGTERM) == 143 == ExitCode.TERMINATED
