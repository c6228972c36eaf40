"""Run apply actions: sets concurrently, the actions of one set in order.

Every action whose prerequisite succeeded is attempted: a failed write fails that action
only; a destination of a set whose creation failed is skipped. An error that concerns every
call alike (credentials, an unreachable endpoint) fails its action and stops the run: the
actions not yet started are skipped with that reason. The rate limits are the writer's, one
per target (account, region); the sets of the targets whose next token comes first go first.

Once the ``stop`` flag is set (Ctrl-C, SIGTERM: :mod:`driftcheck.interrupt`), no action starts:
the writes in flight finish (their clients refuse any retry), every other action is skipped as
"not attempted: interrupted", and :func:`execute` returns every result as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum

from driftcheck.apply.actions import ActionKind, ApplyAction
from driftcheck.errors import ApiError, Interrupted
from driftcheck.interrupt import StopFlag, leave_signals_to_the_main_thread
from driftcheck.live.pacing import TurnTaker
from driftcheck.live.writer import WriteError, Writer
from driftcheck.model import SetKey


class Outcome(str, Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # not attempted: a prerequisite failed, or the run was stopped

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ActionResult:
    action: ApplyAction
    outcome: Outcome
    # failed or skipped: why, in one sentence; ok: a note ("it already existed") or None
    reason: str | None = None
    code: str | None = None  # the API's error code of a failed write

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


OnResult = Callable[[ActionResult], None]
SET_NOT_CREATED = "its configuration set could not be created"
NOT_ATTEMPTED = "not attempted: interrupted"
NOT_RETRIED = "interrupted: an attempt failed and was not retried; the write may not be done"


class _Stop:
    """Set once by an error that concerns every call; read by every worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reason: str | None = None

    def set(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason


def execute(
    actions: Sequence[ApplyAction],
    writer: Writer,
    *,
    concurrency: int = 8,
    on_result: OnResult | None = None,
    stop: StopFlag | None = None,
) -> tuple[ActionResult, ...]:
    """The result of every action, in the order of ``actions``.

    ``on_result`` is called once per action as it finishes (from worker threads, one call at
    a time), e.g. to print progress.
    """
    groups: dict[SetKey, list[ApplyAction]] = {}
    for action in actions:
        groups.setdefault(action.key, []).append(action)
    fatal = _Stop()
    report_lock = threading.Lock()

    def report(result: ActionResult) -> ActionResult:
        if on_result is not None:
            with report_lock:
                on_result(result)
        return result

    def run_set(group: list[ApplyAction]) -> list[ActionResult]:
        results: list[ActionResult] = []
        set_created = True
        for action in group:
            if stop is not None and stop.is_set():
                result = ActionResult(action, Outcome.SKIPPED, NOT_ATTEMPTED)
            elif fatal.reason is not None:
                result = ActionResult(action, Outcome.SKIPPED, f"not attempted: {fatal.reason}")
            elif not set_created:
                result = ActionResult(action, Outcome.SKIPPED, SET_NOT_CREATED)
            else:
                result = _perform(action, writer, fatal)
            if action.kind is ActionKind.CREATE_SET and result.outcome is not Outcome.OK:
                set_created = False
            results.append(report(result))
        return results

    # targets take turns (driftcheck.live.pacing): a worker never waits on a busy target
    # while another target has a token free
    turns = TurnTaker(((key.target, group) for key, group in groups.items()), writer.pacing)
    finished: dict[SetKey, list[ActionResult]] = {}

    def worker() -> None:
        while (group := turns.next()) is not None:
            finished[group[0].key] = run_set(group)

    workers = max(1, min(concurrency, len(groups)))
    with ThreadPoolExecutor(
        max_workers=workers,
        thread_name_prefix="apply",
        initializer=leave_signals_to_the_main_thread,
    ) as pool:
        for future in [pool.submit(worker) for _ in range(workers)]:
            future.result()
    per_set = {key: iter(results) for key, results in finished.items()}
    return tuple(next(per_set[action.key]) for action in actions)


def _perform(action: ApplyAction, writer: Writer, fatal: _Stop) -> ActionResult:
    note: str | None = None
    try:
        if action.kind is ActionKind.CREATE_SET:
            note = writer.create_set(action.key)
        elif action.kind is ActionKind.DELETE:
            assert action.destination is not None
            note = writer.delete_destination(action.key, action.destination)
        else:
            assert action.destination is not None and action.definition is not None
            write = (
                writer.create_destination
                if action.kind is ActionKind.CREATE
                else writer.update_destination
            )
            write(action.key, action.destination, action.definition)
    except WriteError as error:
        return ActionResult(action, Outcome.FAILED, error.failure.message, error.failure.code)
    except ApiError as error:  # credentials, endpoint: every other call would fail alike
        fatal.set(str(error))
        return ActionResult(action, Outcome.FAILED, str(error))
    except Interrupted as stopped:  # refused by the writer's clients: see live/stopping.py
        if stopped.attempted:
            return ActionResult(action, Outcome.FAILED, NOT_RETRIED)
        return ActionResult(action, Outcome.SKIPPED, NOT_ATTEMPTED)
    return ActionResult(action, Outcome.OK, note)
