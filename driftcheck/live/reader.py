"""Read the live event destinations of the declared configuration sets.

Exactly one ``GetConfigurationSetEventDestinations`` call per set (plus botocore's retries),
run by ``--concurrency`` worker threads on shared clients, one client per (account, api,
region). botocore exceptions stop here: each set becomes a :class:`~driftcheck.model.LiveSet`
(present, missing, or error with a :class:`ReadFailure`), and problems that concern every set
alike (the caller's credentials, an unreachable endpoint) abort the read with one
:class:`~driftcheck.errors.ApiError`.

Many accounts (``sessions``, :mod:`driftcheck.live.sessions`): the sets of an account whose
credentials could not be had, or were refused, are errors, and the others are read as
usual. Calls are paced per target (account, region) by :mod:`driftcheck.live.pacing`:
``max_rps`` calls a second each (None: unpaced, botocore's adaptive retries absorb the
throttling), targets taking turns so that the workers serve every target at once.

Stopping (``ClientSettings.stop``, :mod:`driftcheck.interrupt`): no read starts any more, the
clients refuse every new request, and :class:`~driftcheck.errors.Interrupted` is raised
without waiting for the reads in flight.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from driftcheck.interrupt import leave_signals_to_the_main_thread
from driftcheck.live.clients import ClientKey, Clients, ClientSettings, client_key
from driftcheck.live.failures import CALL_ERRORS, error_code, set_failure
from driftcheck.live.lister import ListError, list_configuration_sets
from driftcheck.live.pacing import Pacing, TurnTaker
from driftcheck.model import Api, LiveSet, LiveState, ReadFailure, SetKey, SetStatus

if TYPE_CHECKING:
    from driftcheck.interrupt import StopFlag
    from driftcheck.live.sessions import AccountSessions

Progress = Callable[[], None]


@dataclass(frozen=True)
class _Listing:
    """Listing every set of one (account, api, region) (``--include-unmanaged``)."""

    client: ClientKey


def read_live_state(
    keys: Sequence[SetKey],
    settings: ClientSettings,
    on_read: Progress | None = None,
    *,
    list_sets: bool = False,
    sessions: AccountSessions | None = None,
    max_rps: float | None = None,
) -> LiveState:
    """Read every set in ``keys``; ``on_read`` is called once per finished set.

    With ``list_sets``, also list every set name of each (account, region) the keys are in
    (once: both APIs show the same sets), for finding unmanaged sets. ``sessions`` holds the
    credentials of the accounts the keys name (needed as soon as one does).
    """
    results: dict[SetKey, LiveSet] = {}
    readable: list[SetKey] = []
    for key in keys:
        failure = sessions.failure(key.account) if sessions is not None and key.account else None
        if failure is None:
            readable.append(key)
        else:  # its credentials could not be had: nothing of that account can be read
            results[key] = LiveSet(key, SetStatus.ERROR, error=failure)
            if on_read is not None:
                on_read()
    stop = settings.stop
    pacing = Pacing.at(max_rps, sleep=time.sleep if stop is None else stop.wait)
    # made by the workers on first use: while some wait for their targets' tokens
    clients = Clients(
        settings, sessions, on_new=lambda made, client: _pace(client, pacing, (made[0], made[2]))
    )
    work: list[tuple[Any, SetKey | _Listing]] = []
    if list_sets:
        first_of_target: dict[tuple[str, str], ClientKey] = {}
        for made in sorted({client_key(k) for k in readable}):
            first_of_target.setdefault((made[0], made[2]), made)
        work.extend((target, _Listing(made)) for target, made in first_of_target.items())
    work.extend((key.target, key) for key in readable)
    found, listed, unlisted = _read(work, clients, settings.concurrency, pacing, stop, on_read)
    results.update(found)
    for key in readable:
        why = unlisted.get(key.target)
        if why is not None:  # its unmanaged sets are unknown: the target is not checked
            results[key] = LiveSet(key, SetStatus.ERROR, error=why)
    return LiveState(sets=results, listed=listed)


def read_sets(
    keys: Sequence[SetKey],
    clients: Mapping[ClientKey, Any],
    concurrency: int,
    on_read: Progress | None = None,
) -> dict[SetKey, LiveSet]:
    """Read every set in ``keys``, ``concurrency`` at once, unpaced, with given clients (by
    :func:`~driftcheck.live.clients.client_key`, as
    :func:`~driftcheck.live.clients.make_clients` makes them)."""
    work = [(key.target, key) for key in keys]
    return _read(work, clients, concurrency, Pacing(None), None, on_read)[0]


def _read(
    work: Sequence[tuple[Any, SetKey | _Listing]],
    clients: Mapping[ClientKey, Any] | Clients,
    concurrency: int,
    pacing: Pacing,
    stop: StopFlag | None,
    on_read: Progress | None,
) -> tuple[dict[SetKey, LiveSet], dict[ClientKey, tuple[str, ...]], dict[Any, ReadFailure]]:
    """The reads and listings of ``work``: (sets read, names listed, targets not listed)."""
    results: dict[SetKey, LiveSet] = {}
    turns = TurnTaker(work, pacing, stopped=stop.is_set if stop is not None else lambda: False)
    done: queue.SimpleQueue[tuple[SetKey | _Listing, Any] | None] = queue.SimpleQueue()

    def worker() -> None:
        while (item := turns.next()) is not None:
            try:
                if isinstance(item, _Listing):
                    client = clients[item.client]
                    outcome: Any = tuple(list_configuration_sets(client, item.client[1]))
                else:
                    outcome = read_set(clients[client_key(item)], item)
            except BaseException as error:  # reported by the main thread
                outcome = error
            done.put((item, outcome))
        done.put(None)  # this worker stopped (no work left, or a stop flag): wake the main thread

    listed: dict[tuple[str, Api, str], tuple[str, ...]] = {}
    unlisted: dict[tuple[str, str], ReadFailure] = {}  # (account, region) -> why
    workers = max(1, min(concurrency, len(work)))
    pool = ThreadPoolExecutor(
        max_workers=workers, thread_name_prefix="read", initializer=leave_signals_to_the_main_thread
    )
    finished = False
    try:
        for _ in range(workers if work else 0):
            pool.submit(worker)
        remaining = len(work)
        while remaining:
            answer = done.get()
            if answer is None:
                if stop is not None:
                    stop.check()
                continue
            item, outcome = answer
            remaining -= 1
            if isinstance(item, _Listing):
                account, _, region = item.client
                if isinstance(outcome, ListError) and account:
                    unlisted[(account, region)] = outcome.failure
                elif isinstance(outcome, BaseException):
                    raise outcome
                else:
                    assert isinstance(outcome, tuple)
                    listed[item.client] = outcome
                continue
            if isinstance(outcome, BaseException):
                raise outcome
            assert isinstance(outcome, LiveSet)
            results[item] = outcome
            if on_read is not None:
                on_read()
        finished = True
    finally:
        # after an error or an interruption no read starts, and the reads in flight are not
        # waited for: their answers would not be used (a stop flag refuses their retries)
        turns.close()
        pool.shutdown(wait=finished)
    return results, listed, unlisted


def _pace(client: Any, pacing: Pacing, target: tuple[str, str]) -> None:
    """Every HTTP request of ``client`` (retries included) first takes a token of ``target``."""
    if pacing.paced:

        def take_token(**_: Any) -> None:
            pacing.take_token(target)  # returning None lets botocore send the request

        client.meta.events.register("before-send", take_token)


def read_set(client: Any, key: SetKey) -> LiveSet:
    """One call, translated: present, missing, or a per-set failure (fatal ones raise)."""
    try:
        response = client.get_configuration_set_event_destinations(ConfigurationSetName=key.name)
    except CALL_ERRORS as error:
        if isinstance(error, ClientError) and error_code(error) == "NotFoundException":
            return LiveSet(key, SetStatus.MISSING)
        return LiveSet(key, SetStatus.ERROR, error=set_failure(error, key))
    destinations = {
        str(d["Name"]): {k: v for k, v in d.items() if k != "Name"}
        for d in response.get("EventDestinations", [])
    }
    return LiveSet(key, SetStatus.PRESENT, destinations=destinations)
