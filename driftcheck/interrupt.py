"""Stopping a run on SIGINT (Ctrl-C) or SIGTERM: no new API call starts once it is asked.

- :class:`StopFlag` is the request to stop, shared by every thread of a run. Library code
  only reads it: the clients made with ``ClientSettings(stop=...)`` refuse to send a request
  once it is set (first attempts, botocore's retries, after any rate-limit wait), the writer's
  rate limiter waits on it, and apply marks the actions it did not start "not attempted".
  Whoever embeds driftcheck may set it from any thread.
- :func:`handle_signals` is for the CLI only (library code never installs a handler): while
  it is active, the first SIGINT or SIGTERM sets the flag and, inside a
  :meth:`StopFlag.interruptible` block (the CLI's command), raises
  :class:`~driftcheck.errors.Interrupted` in the main thread (as Python does with
  KeyboardInterrupt) so that a plan stops waiting for its reads at once. Inside a
  :meth:`StopFlag.graceful` block (apply's writes and their report), and outside any block
  (the CLI reporting an error, exiting), it only sets the flag: the writes in flight finish
  and their results are printed. A second signal exits at once (``os._exit``), as
  Terraform's second Ctrl-C does: the user asked twice and does not want to wait.

Thread safety: Python runs signal handlers in the main thread, between two bytecodes, and the
handler must not take a lock the main thread may hold at that moment. It only assigns
attributes and sets an :class:`threading.Event` that the main thread never waits on (only
worker threads do, in :meth:`StopFlag.wait`), so it cannot deadlock.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from types import FrameType
from typing import Any

from driftcheck.errors import Interrupted, exit_code_of

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopFlag:
    """Set once to stop a run; read (and waited on) by any thread."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signum: int | None = None  # the signal that set it (SIGINT when set by code)
        self._raises = False  # whether a signal raises Interrupted in the main thread now

    def set(self, signum: int = signal.SIGINT) -> None:
        """Ask the run to stop; the first call's ``signum`` is kept."""
        if self.signum is None:
            self.signum = signum
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``, or less when the flag is set; True when it is set.

        For worker threads: the main thread must never wait here (see the module docstring).
        """
        return self._event.wait(seconds)

    def check(self, *, attempted: bool = False) -> None:
        """Raise :class:`Interrupted` when the flag is set."""
        if self.is_set():
            raise Interrupted(self.signum or signal.SIGINT, attempted=attempted)

    @property
    def raises(self) -> bool:
        """Whether a signal raises :class:`Interrupted` in the main thread at this moment."""
        return self._raises

    def interruptible(self) -> AbstractContextManager[None]:
        """While inside, a signal raises :class:`Interrupted` in the main thread."""
        return self._raising(True)

    def graceful(self) -> AbstractContextManager[None]:
        """While inside (even within :meth:`interruptible`), a signal only sets the flag: the
        code inside stops by itself and returns."""
        return self._raising(False)

    @contextmanager
    def _raising(self, value: bool) -> Iterator[None]:
        previous, self._raises = self._raises, value
        try:
            yield
        finally:
            self._raises = previous


def leave_signals_to_the_main_thread() -> None:
    """Block SIGINT and SIGTERM in the calling thread: the initializer of every worker pool.

    The kernel delivers a process's signal to any thread that does not block it, and Python
    runs the handler only when the main thread next executes bytecode: a signal received by a
    worker would wait until the main thread's ``future.result()`` returned (all the writes).
    Blocked in the workers, it goes to the main thread, whose wait it interrupts at once.
    Without ``pthread_sigmask`` (Windows), signals reach the main thread anyway.
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)


@contextmanager
def handle_signals(stop: StopFlag) -> Iterator[None]:
    """Route SIGINT and SIGTERM to ``stop`` while inside; the previous handlers come back after.

    A signal the parent set to be ignored stays ignored (``cmd &`` in a script ignores
    SIGINT, as Python itself respects). A no-op outside the main thread (Python delivers
    signals to the main thread only).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # the second signal: the user does not want to wait
            with suppress(OSError):  # os.write: no lock that the main thread may hold
                os.write(2, b"driftcheck: interrupted again: exiting at once\n")
            os._exit(exit_code_of(signum))
        stop.set(signum)
        if stop.raises:
            raise Interrupted(signum)

    previous: dict[int, Any] = {}
    try:
        for signum in SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, handler)
        yield
    finally:
        for number, former in previous.items():
            # None: a handler not installed from Python; the default is the best we can do
            signal.signal(number, signal.SIG_DFL if former is None else former)
