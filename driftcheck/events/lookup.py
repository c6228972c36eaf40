"""``cloudtrail:LookupEvents``: the writes that explain a plan's drift. The edge (boto3).

What CloudTrail's event history offers
(https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html):
management events of the last 90 days, per region, newest first, at most 50 a page, exactly
one lookup attribute per call, and 2 requests a second per account and region. The history
also holds read-only events: driftcheck's own ``Get...`` calls, one per set per plan, which
would bury the writes under ``EventSource=ses.amazonaws.com``. So each query asks for one
write's ``EventName`` (a query per event name the plan's drift needs, :func:`wanted`), and a
query stops as soon as every (set, destination) it looks for has its latest write, at the
end of the window, or after ``page_cap`` pages. Each (account, region) has its own
client-side pacer of 2 requests a second, retries included (:func:`cloudtrail_client`).

Failures are never fatal: the plan is complete without attribution. A failed (account,
region) (``AccessDeniedException`` without ``cloudtrail:LookupEvents``, throttling beyond
the retries, an unreachable endpoint) is reported in :attr:`Lookup.failures`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from driftcheck import __version__
from driftcheck.events import DEFAULT_WINDOW, MAX_WINDOW
from driftcheck.events.attribution import (
    Wanted,
    attributable,
    attribute,
    unattributed,
    wanted,
)
from driftcheck.events.records import WRITE_EVENT_NAMES, WriteEvent, parse_json
from driftcheck.interrupt import StopFlag
from driftcheck.live.clients import ClientSettings, session
from driftcheck.live.failures import CALL_ERRORS, error_code
from driftcheck.live.stopping import refuse_requests_after
from driftcheck.live.writer import RateLimiter
from driftcheck.model import ReadFailure, Target
from driftcheck.plan_model import Plan
from driftcheck.wording import age, plural

PAGE_SIZE: Final = 50  # LookupEvents' maximum
REQUESTS_PER_SECOND: Final = 2.0  # LookupEvents' limit per account and region
# the pace kept: 10% under the limit, so that network jitter does not bring three calls into
# one of CloudTrail's seconds (a throttled call is retried, and counted, all the same)
PACE: Final = REQUESTS_PER_SECOND * 0.9
DEFAULT_PAGE_CAP: Final = 20  # pages per query: the last 1,000 writes of one event name


@dataclass(frozen=True, slots=True)
class LookupCost:
    calls: int = 0  # LookupEvents requests sent, retries included
    pages: int = 0  # pages read
    records: int = 0  # events read
    queries: int = 0  # one per (account, region, event name)
    capped: int = 0  # queries stopped by the page cap before the window's end

    def __add__(self, other: LookupCost) -> LookupCost:
        return LookupCost(*(getattr(self, name) + getattr(other, name) for name in self.__slots__))

    def __str__(self) -> str:
        text = (
            f"{self.calls} LookupEvents calls, {self.pages} pages, {self.records} events read "
            f"in {self.queries} queries"
        )
        return text + (f"; {self.capped} stopped at the page cap" if self.capped else "")


@dataclass(frozen=True, slots=True)
class LookupFailure:
    target: Target
    failure: ReadFailure

    def __str__(self) -> str:
        account, region = self.target
        where = f"{account}/{region}" if account else region
        return f"{where}: {self.failure.code}: {self.failure.message}"


@dataclass(frozen=True, slots=True)
class Lookup:
    events: tuple[WriteEvent, ...] = ()
    cost: LookupCost = field(default_factory=LookupCost)
    failures: tuple[LookupFailure, ...] = ()


def cloudtrail_client(
    boto_session: Any, region: str, *, max_attempts: int = 5, stop: StopFlag | None = None
) -> Any:
    """A CloudTrail client for ``region``, paced under :data:`REQUESTS_PER_SECOND` (retries
    included) by a pacer of its own: make one per (account, region) and keep it.
    ``boto_session`` is a boto3 session, or a botocore one (an account's, ``--accounts``).

    No ``endpoint_url``: boto3 resolves CloudTrail's own (``AWS_ENDPOINT_URL_CLOUDTRAIL``,
    ``AWS_ENDPOINT_URL``); driftcheck's ``--endpoint-url`` is SES's.
    """
    config = Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        user_agent_extra=f"driftcheck/{__version__}",
    )
    make = getattr(boto_session, "client", None) or boto_session.create_client
    client = make("cloudtrail", region_name=region, config=config)
    limiter = RateLimiter(PACE)
    client.meta.events.register("before-send.cloudtrail.*", lambda **_: limiter.acquire())
    if stop is not None:
        refuse_requests_after(stop, client, max_attempts)
    return client


def cloudtrail_clients(
    caller: Any,
    session_for: Callable[[str], Any] | None,
    *,
    max_attempts: int = 5,
    stop: StopFlag | None = None,
    on_client: Callable[[Any], None] | None = None,
) -> Callable[[Target], Any]:
    """Makes the CloudTrail client of each (account, region) it is asked for: with the
    account's own session (``session_for(account)``), or the ``caller``'s boto3 session for
    keys without an account (and when ``session_for`` has none). ``on_client`` sees each."""

    def client_for(target: Target) -> Any:
        account, region = target
        chosen = (session_for(account) if account and session_for is not None else None) or caller
        client = cloudtrail_client(chosen, region, max_attempts=max_attempts, stop=stop)
        if on_client is not None:
            on_client(client)
        return client

    return client_for


def attribute_plan(
    plan: Plan,
    settings: ClientSettings,
    *,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
    session_for: Callable[[str], Any] | None = None,
) -> tuple[Plan, Lookup]:
    """``plan`` with its drifted rows attributed (and one warning for the rows left without
    an author), and what the lookup cost.

    Each (account, region) is looked up with the credentials that read it: the caller's
    (``settings.profile``) for keys without an account, ``session_for(account)`` (a boto3 or
    botocore session) for the accounts of an accounts file. Without ``session_for``, an
    account's rows are looked up with the caller's credentials, in the caller's own trail,
    and match only records of that account.
    """
    now = now or datetime.now(timezone.utc)
    wants = wanted(plan)
    lookup = Lookup()
    if wants:
        client_for = cloudtrail_clients(
            session(settings.profile),
            session_for,
            max_attempts=settings.max_attempts,
            stop=settings.stop,
        )
        lookup = lookup_writes(wants, client_for, end=now, window=window)
    result = attribute(plan, lookup.events, at=now)
    warning = attribution_warning(result, lookup, window)
    if warning is not None:
        result = replace(result, warnings=(*result.warnings, warning))
    return result, lookup


def attribution_warning(plan: Plan, lookup: Lookup, window: timedelta) -> str | None:
    """One sentence for the drifted rows left without an author, or None if there is none."""
    missing = unattributed(plan)
    if not missing:
        return None
    head = (
        f"no author found for {missing} of {plural(attributable(plan), 'drifted row')} "
        "(changed_by: null)"
    )
    if lookup.failures:
        shown = "; ".join(str(f) for f in lookup.failures[:3])
        more = len(lookup.failures) - 3
        return f"{head}: CloudTrail LookupEvents failed: {shown}" + (
            f"; and in {more} more" if more > 0 else ""
        )
    reason = f"no CloudTrail write names them in the last {age(window.total_seconds())}"
    if lookup.cost.capped:
        reason += f" ({lookup.cost.capped} queries stopped at the page cap)"
    return f"{head}: {reason}"


def lookup_writes(
    wants: Mapping[Target, frozenset[Wanted]],
    client_for: Callable[[Target], Any],
    *,
    end: datetime,
    window: timedelta = DEFAULT_WINDOW,
    page_cap: int = DEFAULT_PAGE_CAP,
    concurrency: int = 4,
) -> Lookup:
    """The latest write of every wanted (set, destination) in ``[end - window, end]``.

    ``client_for(target)`` gives the :func:`cloudtrail_client` of an (account, region); it
    is called on the calling thread (sessions are not thread-safe), and the targets are
    then looked up concurrently.
    """
    by_target: dict[Target, dict[str, set[Wanted] | None]] = {}
    for target, target_wants in wants.items():
        for want in target_wants:
            found = by_target.setdefault(target, {}).setdefault(want.event_name, set())
            assert found is not None
            found.add(want)
    return _look_up(by_target, client_for, end - window, end, page_cap, concurrency)


def writes_between(
    targets: Iterable[Target],
    client_for: Callable[[Target], Any],
    *,
    start: datetime,
    end: datetime,
    page_cap: int = DEFAULT_PAGE_CAP,
    concurrency: int = 4,
) -> Lookup:
    """Every tracked write in ``[start, end]`` of each (account, region), newest first per
    event name: what ``watch`` polls for."""
    every: dict[str, set[Wanted] | None] = dict.fromkeys(WRITE_EVENT_NAMES)
    by_target = {target: dict(every) for target in targets}
    return _look_up(by_target, client_for, start, end, page_cap, concurrency)


def _look_up(
    by_target: Mapping[Target, Mapping[str, set[Wanted] | None]],
    client_for: Callable[[Target], Any],
    start: datetime,
    end: datetime,
    page_cap: int,
    concurrency: int,
) -> Lookup:
    if not timedelta(0) < end - start <= MAX_WINDOW:
        raise ValueError(f"a lookup window must be within 90 days, not {end - start}")
    clients: dict[Target, Any] = {}
    results: list[Lookup] = []
    for target in sorted(by_target):
        try:
            clients[target] = client_for(target)
        except (BotoCoreError, ValueError) as error:  # e.g. a region botocore cannot resolve
            results.append(Lookup(failures=(LookupFailure(target, _failure(error)),)))

    def one(target: Target) -> Lookup:
        query = _Query(clients[target], start, end, page_cap)
        return query.target(target, by_target[target])

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(clients) or 1))) as pool:
        results += pool.map(one, sorted(clients))
    return Lookup(
        events=tuple(e for r in results for e in r.events),
        cost=sum((r.cost for r in results), LookupCost()),
        failures=tuple(f for r in results for f in r.failures),
    )


class _Query:
    """The queries of one (account, region) over one window."""

    def __init__(self, client: Any, start: datetime, end: datetime, page_cap: int) -> None:
        self._client, self._start, self._end, self._page_cap = client, start, end, page_cap

    def target(self, target: Target, by_event: Mapping[str, set[Wanted] | None]) -> Lookup:
        """One query per event name; ``None`` for an event name: every write of it."""
        events: list[WriteEvent] = []
        cost = LookupCost()
        for event_name, pending in sorted(by_event.items()):
            try:
                cost += self._event_name(
                    event_name, None if pending is None else set(pending), events
                )
            except CALL_ERRORS as error:  # the next query would fail alike: stop here
                cost += LookupCost(queries=1, calls=_attempts(error))
                return Lookup(tuple(events), cost, (LookupFailure(target, _failure(error)),))
        return Lookup(tuple(events), cost)

    def _event_name(
        self, event_name: str, pending: set[Wanted] | None, found: list[WriteEvent]
    ) -> LookupCost:
        """One event name's writes, newest first, until every pending want has its latest
        (appended to ``found``); the pages and events read."""
        calls = pages = records = capped = 0
        for page in self._pages(event_name):
            pages += 1
            calls += _attempts(page)
            for item in page.get("Events", ()):
                records += 1
                event = parse_json(str(item.get("CloudTrailEvent") or ""))
                if event is None:
                    continue
                if pending is None:
                    found.append(event)
                    continue
                want = Wanted.of(event)
                if want in pending:  # newest first: the first is the latest
                    pending.discard(want)
                    found.append(event)
            if pending is not None and not pending:
                break
            if pages >= self._page_cap and page.get("NextToken"):
                capped = 1
                break
        return LookupCost(calls, pages, records, queries=1, capped=capped)

    def _pages(self, event_name: str) -> Iterator[Mapping[str, Any]]:
        paginator = self._client.get_paginator("lookup_events")
        yield from paginator.paginate(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}],
            StartTime=self._start,
            EndTime=self._end,
            PaginationConfig={"PageSize": PAGE_SIZE},
        )


def _attempts(reply: Any) -> int:
    """HTTP requests behind one call: 1 + botocore's retries (in a page or a ClientError)."""
    response = reply.response if isinstance(reply, ClientError) else reply
    if not isinstance(response, Mapping):
        return 1
    return 1 + int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0))


def _failure(error: Exception) -> ReadFailure:
    if isinstance(error, ClientError):
        message = str(error.response.get("Error", {}).get("Message") or error)
        return ReadFailure(error_code(error), message)
    return ReadFailure(type(error).__name__, str(error))
