"""Read the live event destinations of the declared configuration sets.

Exactly one ``GetConfigurationSetEventDestinations`` call per set (plus botocore's retries),
run concurrently on shared clients. botocore exceptions stop here: each set becomes a
:class:`~driftcheck.model.LiveSet` (present, missing, or error with a :class:`ReadFailure`),
and problems that concern every set alike (credentials, an unreachable endpoint) abort the
read with one :class:`~driftcheck.errors.ApiError`.

Stopping (``ClientSettings.stop``, :mod:`driftcheck.interrupt`): the queued reads are cancelled,
the clients refuse every new request, and :class:`~driftcheck.errors.Interrupted` is raised
without waiting for the reads in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any

from botocore.exceptions import ClientError

from driftcheck.errors import Interrupted
from driftcheck.interrupt import leave_signals_to_the_main_thread
from driftcheck.live.clients import ClientSettings, make_clients
from driftcheck.live.failures import CALL_ERRORS, call_failure, error_code
from driftcheck.live.lister import list_configuration_sets
from driftcheck.model import Api, LiveSet, LiveState, SetKey, SetStatus

Progress = Callable[[], None]


def read_live_state(
    keys: Sequence[SetKey],
    settings: ClientSettings,
    on_read: Progress | None = None,
    *,
    list_sets: bool = False,
) -> LiveState:
    """Read every set in ``keys``; ``on_read`` is called once per finished set.

    With ``list_sets``, also list every set name of each region the keys are in (once per
    region: both APIs show the same sets), for finding unmanaged sets.
    """
    clients = make_clients(((k.api, k.region) for k in keys), settings)
    listed: dict[tuple[Api, str], tuple[str, ...]] = {}
    if list_sets:
        for (api, region), client in sorted(clients.items()):
            if not any(r == region for _, r in listed):
                listed[(api, region)] = tuple(list_configuration_sets(client, api))
    return LiveState(sets=read_sets(keys, clients, settings.concurrency, on_read), listed=listed)


def read_sets(
    keys: Sequence[SetKey],
    clients: Mapping[tuple[Api, str], Any],
    concurrency: int,
    on_read: Progress | None = None,
) -> dict[SetKey, LiveSet]:
    """Read every set in ``keys``, ``concurrency`` at once, with the clients of
    :func:`~driftcheck.live.clients.make_clients` (by api and region)."""
    results: dict[SetKey, LiveSet] = {}
    pool = ThreadPoolExecutor(
        max_workers=concurrency,
        thread_name_prefix="read",
        initializer=leave_signals_to_the_main_thread,
    )
    interrupted = False
    try:
        futures: dict[Future[LiveSet], SetKey] = {
            pool.submit(read_set, clients[(key.api, key.region)], key): key for key in keys
        }
        # as each read finishes: one waiter per future, where wait(FIRST_COMPLETED) in a loop
        # hooks a waiter onto every pending future at each return (quadratic in the sets)
        for future in as_completed(futures):
            error = future.exception()
            if error is not None:
                raise error
            results[futures[future]] = future.result()
            if on_read is not None:
                on_read()
    except Interrupted:
        interrupted = True
        raise
    finally:
        # queued reads never start; after an interruption the reads in flight are not waited
        # for either: their answers would not be used (the stop flag refuses their retries)
        pool.shutdown(wait=not interrupted, cancel_futures=True)
    return results


def read_set(client: Any, key: SetKey) -> LiveSet:
    """One call, translated: present, missing, or a per-set failure (fatal ones raise)."""
    try:
        response = client.get_configuration_set_event_destinations(ConfigurationSetName=key.name)
    except CALL_ERRORS as error:
        if isinstance(error, ClientError) and error_code(error) == "NotFoundException":
            return LiveSet(key, SetStatus.MISSING)
        return LiveSet(key, SetStatus.ERROR, error=call_failure(error, key.api, key.region))
    destinations = {
        str(d["Name"]): {k: v for k, v in d.items() if k != "Name"}
        for d in response.get("EventDestinations", [])
    }
    return LiveSet(key, SetStatus.PRESENT, destinations=destinations)
