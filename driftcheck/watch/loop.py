"""The watch loop: one full check, then re-read only the sets that write events name.

- A *full check* is ``driftcheck plan``'s own steps (:func:`driftcheck.workflow.run_plan`):
  the specs are read again and every declared set is read. It runs first, then every
  ``full_every`` seconds, and catches whatever the event feed missed.
- An *incremental check* re-reads the sets named by new write events (a set named in another
  account or region, or by another API of the same name, is read for each declared key that
  matches), and plans again from the latest reading of every set.
- After every check the plan goes to :func:`driftcheck.alerts.deliver_alerts` with the alert
  state file, exactly as ``plan --alert-state`` does: new or changed drift alerts once,
  "resolved" once, and a restart with the same state file does not alert again.

Failures are never fatal once watching: a check that raises (throttling beyond botocore's
retries, expired credentials, an unreachable endpoint, an edited spec that no longer loads)
is logged, counted and retried after a backoff. A set whose read fails keeps its previous
reading and is read again at every check; after ``failures_before_error`` failures in a row
its error enters the plan (and the alert), so a lasting failure is never shown as "in sync".
``/healthz`` fails once that many checks in a row failed.

Stopping (SIGINT, SIGTERM: the :class:`~driftcheck.interrupt.StopFlag`): an incremental check
in progress finishes (its few reads, its alert, the queue messages' deletion); a full read in
progress is abandoned (its clients refuse new requests) and nothing is alerted from it; a
wait or a queue receive ends at once. :meth:`Watcher.run` then returns.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from driftcheck.alerts import AlertTarget, deliver_alerts
from driftcheck.errors import ApiError, DriftcheckError, Interrupted
from driftcheck.events.attribution import attribute
from driftcheck.events.records import WriteEvent
from driftcheck.ignore import Pattern
from driftcheck.interrupt import StopFlag, leave_signals_to_the_main_thread
from driftcheck.live import read_live_state
from driftcheck.live.sessions import AccountSessions
from driftcheck.logger import get_logger
from driftcheck.model import DesiredState, LiveSet, LiveState, SetKey, SetStatus
from driftcheck.plan_model import Plan
from driftcheck.watch.feeds import Batch, Feed, SeenEvents
from driftcheck.watch.logs import fields
from driftcheck.watch.metrics import Metrics
from driftcheck.wording import plural
from driftcheck.workflow import PlanRequest, plan_of, run_plan

logger = get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class WatchSettings:
    interval: float = 60.0  # seconds between two polls of CloudTrail
    full_every: float = 6 * 3600.0  # seconds between two full checks
    failures_before_error: int = 3  # a set's failed reads in a row before its error is shown
    max_backoff: float = 300.0  # the longest wait after failed checks


@dataclass(frozen=True)
class Alerting:
    targets: Sequence[AlertTarget]
    state_file: Path | None  # None: remembered for the life of the process only
    profile: str | None = None


class Watcher:
    """Runs the checks; see the module docstring. Not thread-safe: one thread calls run()."""

    def __init__(
        self,
        request: PlanRequest,
        feed: Feed,
        *,
        alerting: Alerting | None = None,
        settings: WatchSettings = WatchSettings(),
        metrics: Metrics | None = None,
        stop: StopFlag | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.request = request
        self.feed = feed
        self.alerting = alerting
        self.settings = settings
        self.metrics = metrics or Metrics(clock)
        self.stop = stop or StopFlag()
        self.clock = clock
        self.seen = SeenEvents()
        # the latest write events: who changed each drifted row (driftcheck.events.attribute)
        self._writes: deque[WriteEvent] = deque(maxlen=10_000)
        self.plan: Plan | None = None  # the latest plan
        # each account's credentials (--accounts), from the latest full check
        self.sessions: AccountSessions | None = None
        self._desired: DesiredState | None = None
        self._patterns: Sequence[Pattern] = ()
        self._live: dict[SetKey, LiveSet] = {}
        self._listed: LiveState = LiveState()
        self._by_name: dict[tuple[str, str], list[SetKey]] = {}
        self._failures: Counter[SetKey] = Counter()  # failed reads in a row, per set
        self._failed_checks = 0  # steps in a row that failed or left a set unread
        self._retries = 0  # steps in a row that must be retried (backoff)
        self._alert_pending = False  # the last delivery failed: try again at the next check
        self._next_full = clock()
        self._state_dir: tempfile.TemporaryDirectory[str] | None = None

    # --- the loop ---------------------------------------------------------------------------

    def run(self, *, cycles: int | None = None) -> None:
        """Watch until the stop flag is set (or ``cycles`` checks and polls have run).

        The first full check raises what ``driftcheck plan`` would for bad specs; API
        failures, there and later, are retried.
        """
        try:
            done = 0
            while not self.stop.is_set() and (cycles is None or done < cycles):
                self.cycle()
                done += 1
        except Interrupted:
            pass  # a full read abandoned: nothing was concluded from it
        finally:
            if self._state_dir is not None:
                self._state_dir.cleanup()
        logger.info("stopped", extra=fields(event="stopped"))

    def cycle(self) -> None:
        """One step: a full check when due, else one receive from the feed and its check;
        then the wait before the next."""
        started = self.clock()
        if self.clock() >= self._next_full or self._desired is None:
            # a completed scan is not repeated for the sets it could not read (they are read
            # again at every step) nor for an undelivered alert (sent again at the next step)
            completed = self._full_check()
            self._next_full = self.clock() + (self.settings.full_every if completed else 0)
            ok = completed and not self._alert_pending
        else:
            batch = self._in_background(self.feed.receive, what="receiving write events")
            # None: stopped while receiving (fine), or the receive failed
            ok = self.stop.is_set() if batch is None else self._handle(batch)
        # unhealthy: that many steps in a row failed, or could not read some set
        failed = not ok or bool(self._failures)
        self._failed_checks = self._failed_checks + 1 if failed else 0
        self.metrics.healthy = self._failed_checks < self.settings.failures_before_error
        self._retries = 0 if ok else self._retries + 1
        if self._retries:  # the step is retried after a backoff
            backoff = self.settings.interval * 2 ** (self._retries - 1)
            self._sleep(min(backoff, self.settings.max_backoff))
        elif not self.feed.waits and self.clock() < self._next_full:
            # polls start every interval (a poll's own time included), or the full check
            next_poll = started + self.settings.interval
            self._sleep(min(next_poll, self._next_full) - self.clock())

    # --- checks -----------------------------------------------------------------------------

    def _full_check(self) -> bool:
        """Plan's own steps on every set; False when the scan itself failed."""
        started = self.clock()
        first = self._desired is None
        try:
            run = run_plan(self.request)  # its clients refuse new requests once stopped
        except DriftcheckError as error:
            if first and not isinstance(error, ApiError):
                raise  # bad specs or flags at the start: exit 1, as plan does
            self.metrics.failed_checks.labels("full").inc()
            logger.warning("the full check failed: %s", error, extra=fields(event="check_failed"))
            return False
        self._desired, self._patterns = run.desired, run.patterns
        self.sessions = run.sessions
        if run.lookup is not None:  # who changed the drift found: kept for the re-plans
            self._writes.extend(run.lookup.events)
        self._listed = LiveState(listed=run.live.listed)
        self._index(run.desired)
        self.feed.track(key.target for key in self._declared())
        declared = set(self._declared())
        self._live = {k: v for k, v in self._live.items() if k in declared}
        self._failures = Counter({k: n for k, n in self._failures.items() if k in declared})
        self._store(run.live.sets.values())
        for warning in run.plan.warnings:  # stale ignore patterns, authors not found...
            logger.warning("%s", warning, extra=fields(event="plan_warning"))
        self.metrics.checked("full")
        seconds = self.clock() - started
        logger.info(
            "full check: read %s in %.1f s",
            plural(len(run.live.sets), "configuration set"),
            seconds,
            extra=fields(event="full_check", sets=len(run.live.sets), seconds=round(seconds, 3)),
        )
        self._conclude()
        return True

    def _handle(self, batch: Batch) -> bool:
        new = list({e.event_id: e for e in batch.events if e.event_id not in self.seen}.values())
        self.metrics.events.inc(len(new))
        self._writes.extend(new)
        keys: set[SetKey] = set(self._failures)  # the sets whose last read failed, again
        for event in new:
            named = self._keys_named(event)
            keys.update(named)
            _log_event(event, named)
            if not named and self.request.include_unmanaged and not self.request.targets:
                self._next_full = self.clock()  # an unmanaged set: only a listing shows it
        ok = True
        if keys:
            ok = self._incremental_check(keys)
        elif self._alert_pending:
            ok = self._conclude()
        if ok:
            self.feed.done(batch)
            for event in new:
                self.seen.add(event.event_id)
        return ok

    def _incremental_check(self, keys: Iterable[SetKey]) -> bool:
        started = self.clock()
        keys = sorted(keys)
        try:
            # few reads: they finish even when a stop is asked meanwhile
            live = read_live_state(
                keys,
                replace(self.request.settings, stop=None),
                sessions=self.sessions,
                max_rps=self.request.max_rps,
            )
        except DriftcheckError as error:
            self.metrics.failed_checks.labels("incremental").inc()
            logger.warning(
                "re-reading %s failed: %s",
                plural(len(keys), "configuration set"),
                error,
                extra=fields(event="check_failed"),
            )
            for key in keys:
                self._failures[key] += 1
            return False
        unsettled = self._store(live.sets.values())
        self.metrics.checked("incremental")
        seconds = self.clock() - started
        logger.info(
            "re-read %s in %.1f s",
            ", ".join(str(key) for key in keys),
            seconds,
            extra=fields(event="incremental_check", sets=len(keys), seconds=round(seconds, 3)),
        )
        return self._conclude() and not unsettled

    def _store(self, sets: Iterable[LiveSet]) -> list[SetKey]:
        """Keep each new reading; a failed one replaces a good one only after
        ``failures_before_error`` failures in a row. Returns the sets still to be read again."""
        unsettled: list[SetKey] = []
        for live_set in sets:
            key = live_set.key
            if live_set.status is not SetStatus.ERROR:
                self._failures.pop(key, None)
                self._live[key] = live_set
                continue
            self._failures[key] += 1
            failures = self._failures[key]
            error = live_set.error
            logger.warning(
                "cannot read %s (%s failure in a row): %s",
                key,
                _ordinal(failures),
                error.message if error else "unknown error",
                extra=fields(event="read_failed", code=error.code if error else None),
            )
            if key not in self._live or failures >= self.settings.failures_before_error:
                self._live[key] = live_set  # nothing better to show: the error itself
            if failures < self.settings.failures_before_error:
                unsettled.append(key)
        return unsettled

    def _conclude(self) -> bool:
        """Plan from the latest readings, log what changed, alert. False: the alert failed."""
        assert self._desired is not None
        live = LiveState(sets=dict(self._live), listed=self._listed.listed)
        plan = plan_of(self._desired, live, self._patterns, self.request)
        plan = attribute(plan, self._writes, at=datetime.now(timezone.utc))
        _log_changes(self.plan, plan)
        self.plan = plan
        self.metrics.show_plan(plan)
        return self._alert(plan)

    def _alert(self, plan: Plan) -> bool:
        if self.alerting is None or not self.alerting.targets:
            return True
        try:
            outcome = deliver_alerts(
                plan,
                self.alerting.targets,
                state_file=self._state_file(),
                profile=self.alerting.profile,
            )
        except DriftcheckError as error:
            self._alert_pending = True
            self.metrics.alert_failures.inc()
            logger.warning("%s", error, extra=fields(event="alert_failed"))
            return False
        self._alert_pending = False
        if outcome.sent is not None:
            self.metrics.alerts.labels(outcome.sent.value).inc()
        logger.info("%s", outcome.reason, extra=fields(event="alert"))
        return True

    def _state_file(self) -> Path:
        assert self.alerting is not None
        if self.alerting.state_file is not None:
            return self.alerting.state_file
        if self._state_dir is None:  # in memory for this process: alert on changes only
            self._state_dir = tempfile.TemporaryDirectory(prefix="driftcheck-watch-")
        return Path(self._state_dir.name) / "alert-state.json"

    # --- events to sets ---------------------------------------------------------------------

    def _declared(self) -> list[SetKey]:
        return [s.key for s in self._desired.sets] if self._desired is not None else []

    def _index(self, desired: DesiredState) -> None:
        self._by_name = {}
        for desired_set in desired.sets:
            key = desired_set.key
            self._by_name.setdefault((key.region, key.name.lower()), []).append(key)

    def _keys_named(self, event: WriteEvent) -> list[SetKey]:
        """The declared sets an event may have changed: same region and name (any case:
        reading one set too many costs a call, missing one costs a false "in sync"), same
        account unless the run has no accounts file."""
        if not event.set_name:
            return []
        candidates = self._by_name.get((event.region, event.set_name.lower()), [])
        return [k for k in candidates if not k.account or k.account == event.account]

    # --- waiting ----------------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        """Sleep, waking within 0.1 s of a stop (the main thread polls: it must not wait on
        the stop flag's event, see driftcheck.interrupt)."""
        end = self.clock() + seconds
        while not self.stop.is_set():
            remaining = end - self.clock()
            if remaining <= 0:
                return
            time.sleep(min(remaining, 0.1))

    def _in_background(self, work: Callable[[], T], *, what: str) -> T | None:
        """``work()`` in a daemon thread, abandoned when a stop is asked (an SQS long poll:
        messages received and never handled come back after their visibility timeout)."""
        outcome: dict[str, object] = {}

        def run() -> None:
            leave_signals_to_the_main_thread()
            try:
                outcome["value"] = work()
            except BaseException as error:
                outcome["error"] = error

        thread = threading.Thread(target=run, name="receive", daemon=True)
        thread.start()
        while thread.is_alive():
            if self.stop.is_set():
                return None
            thread.join(0.1)
        error = outcome.get("error")
        if isinstance(error, Exception):
            self.metrics.failed_checks.labels("incremental").inc()
            logger.warning("%s failed: %s", what, error, extra=fields(event="receive_failed"))
            return None
        if error is not None:
            raise error  # type: ignore[misc]
        return outcome["value"]  # type: ignore[return-value]


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def _log_event(event: WriteEvent, named: Sequence[SetKey]) -> None:
    principal = event.changed_by.principal
    where = f"{event.set_name} ({event.region})" if event.set_name else event.region
    logger.info(
        "write event %s on %s%s%s",
        event.event_name,
        where,
        f" by {principal} via {event.changed_by.via}",
        "" if named else ": no declared set",
        extra=fields(
            event="write_event",
            event_id=event.event_id,
            event_name=event.event_name,
            account=event.account,
            region=event.region,
            set=event.set_name,
            principal=principal,
            via=event.changed_by.via.value,
        ),
    )


def _log_changes(before: Plan | None, after: Plan) -> None:
    """One line per destination (or missing set) that drifted or stopped drifting."""
    was = _drift_rows(before) if before is not None else {}
    now = _drift_rows(after)
    for row, status in sorted(now.items()):
        if was.get(row) != status:
            key, name = row
            logger.warning(
                "drift: %s%s is %s",
                key,
                f" destination {name}" if name else "",
                status,
                extra=fields(event="drift", set=key.name, destination=name or None, status=status),
            )
    for row in sorted(set(was) - set(now)):
        key, name = row
        logger.info(
            "in sync again: %s%s",
            key,
            f" destination {name}" if name else "",
            extra=fields(event="in_sync", set=key.name, destination=name or None),
        )


def _drift_rows(plan: Plan) -> dict[tuple[SetKey, str], str]:
    rows = {(row.key, row.name): row.status.value for row in plan.changes}
    rows.update({(s.key, ""): "missing" for s in plan.missing_sets})
    rows.update({(s.key, ""): "unreadable" for s in plan.failed_sets})
    return rows
