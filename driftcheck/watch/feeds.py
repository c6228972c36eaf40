"""Where the watch loop learns of writes: CloudTrail event history (polled) or an SQS queue.

A feed hands out :class:`Batch` es of write events; the loop re-reads the sets they name and
then calls :meth:`Feed.done` (SQS: the messages are deleted only then, so a process that
dies mid-batch leaves them to be received again: at-least-once). Duplicates (the polling
overlap, SQS's at-least-once delivery) are dropped by the loop with :class:`SeenEvents`.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from driftcheck.errors import ApiError
from driftcheck.events.lookup import writes_between
from driftcheck.events.records import EVENTBRIDGE_DETAIL_TYPE, WriteEvent, parse_record
from driftcheck.logger import get_logger
from driftcheck.model import Target
from driftcheck.watch.logs import fields

logger = get_logger(__name__)


@dataclass(frozen=True)
class Batch:
    events: tuple[WriteEvent, ...] = ()
    receipts: tuple[str, ...] = ()  # SQS receipt handles, deleted by Feed.done


class Feed(Protocol):
    """A source of write events."""

    @property
    def waits(self) -> bool:
        """Whether :meth:`receive` itself waits for events (long polling): no sleep between."""

    def track(self, targets: Iterable[Target]) -> None:
        """The (account, region)s holding the watched sets (after every full check)."""

    def receive(self) -> Batch: ...

    def done(self, batch: Batch) -> None:
        """Every event of ``batch`` was handled (its sets re-read, any alert delivered)."""


class SeenEvents:
    """The ids of the latest ``capacity`` events handled (oldest forgotten first)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        self._ids.move_to_end(event_id)
        while len(self._ids) > self.capacity:
            self._ids.popitem(last=False)


class CloudTrailFeed:
    """Polls CloudTrail event history for the window ``[max(since, now - overlap), now]``.

    :func:`driftcheck.events.lookup.writes_between`: one ``LookupEvents`` query per write event
    name driftcheck tracks and per (account, region) watched (a lookup takes one attribute,
    and asking by event name skips the read-only events, driftcheck's own ``Get...`` calls
    among them, that ``EventSource`` would return too). Each (account, region) keeps one
    client, paced to CloudTrail's 2 requests a second.
    CloudTrail delivers an event minutes after the call (commonly quoted: up to about 15),
    so every poll looks back ``overlap`` and the loop drops the events it already handled.
    ``since`` is when the first full check began: what was written before, that check read.
    """

    waits = False

    def __init__(
        self,
        client_for: Callable[[Target], Any],
        since: datetime,
        overlap: timedelta = timedelta(minutes=15),
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._client_for = client_for
        self._clients: dict[Target, Any] = {}
        self._since = since
        self._overlap = overlap
        self._now = now
        self._targets: tuple[Target, ...] = ()

    def track(self, targets: Iterable[Target]) -> None:
        self._targets = tuple(sorted(set(targets)))

    def receive(self) -> Batch:
        """The writes of the window; ApiError when a region's lookup failed (the next poll
        covers the same window again)."""
        end = self._now()
        start = max(self._since, end - self._overlap)
        found = writes_between(self._targets, self._client, start=start, end=end)
        if found.failures:
            failures = "; ".join(str(failure) for failure in found.failures)
            raise ApiError(f"CloudTrail LookupEvents failed: {failures}")
        return Batch(found.events)

    def _client(self, target: Target) -> Any:
        """One client per (account, region), kept: its pacer spans the polls."""
        if target not in self._clients:
            self._clients[target] = self._client_for(target)
        return self._clients[target]

    def done(self, batch: Batch) -> None:
        pass


class SqsFeed:
    """Long-polls an SQS queue that an EventBridge rule fills with CloudTrail events.

    A message that is not an EventBridge "AWS API Call via CloudTrail" event, or whose detail
    cannot be parsed, is logged and left in the queue (its redrive policy moves it to the
    dead-letter queue after a few receives); one that is a CloudTrail event of an operation
    driftcheck does not track is deleted with the batch.
    """

    waits = True

    def track(self, targets: Iterable[Target]) -> None:
        pass  # the EventBridge rule of each region fills the queue

    def __init__(
        self,
        client: Any,
        queue_url: str,
        wait_seconds: int = 20,
        visibility_timeout: int | None = None,
    ) -> None:
        self._client = client
        self._queue_url = queue_url
        self._wait_seconds = wait_seconds
        self._visibility = visibility_timeout

    def receive(self) -> Batch:
        options: dict[str, Any] = {}
        if self._visibility is not None:
            options["VisibilityTimeout"] = self._visibility
        answer = self._client.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=self._wait_seconds,
            **options,
        )
        events: list[WriteEvent] = []
        receipts: list[str] = []
        for message in answer.get("Messages", []):
            try:
                event = self._event(message["Body"])
            except ValueError as error:
                logger.warning(
                    "left an unusable queue message: %s",
                    error,
                    extra=fields(message_id=message.get("MessageId")),
                )
                continue
            if event is not None:
                events.append(event)
            receipts.append(message["ReceiptHandle"])
        return Batch(tuple(events), tuple(receipts))

    def _event(self, body: str) -> WriteEvent | None:
        """The write event of a message body; None for a CloudTrail event not tracked."""
        document = json.loads(body)  # a JSONDecodeError is a ValueError
        if not isinstance(document, dict) or document.get("detail-type") != EVENTBRIDGE_DETAIL_TYPE:
            raise ValueError('not an EventBridge "AWS API Call via CloudTrail" event')
        detail = document.get("detail")
        if not isinstance(detail, dict):
            raise ValueError("the event has no detail")
        return parse_record(detail)

    def done(self, batch: Batch) -> None:
        for start in range(0, len(batch.receipts), 10):  # DeleteMessageBatch takes 10
            chunk = batch.receipts[start : start + 10]
            answer = self._client.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r} for i, r in enumerate(chunk)],
            )
            for failed in answer.get("Failed", []):  # received again later: at-least-once
                logger.warning(
                    "a queue message was not deleted: %s", failed.get("Message") or failed
                )
