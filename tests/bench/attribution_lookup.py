"""How to find the writes behind drift in CloudTrail: one query per write event name (kept)
against one ``EventSource=ses.amazonaws.com`` query, measured against the emulator.

    python -m tests.bench.attribution_lookup [SETS]     # default 2,000

A plan of SETS configuration sets (one destination each) is read once *after* four outside
writes (an update, a create, a delete of a destination, a deleted set), as a scheduled plan
would be: its SETS read-only ``GetConfigurationSetEventDestinations`` records are newer than
the writes. Both strategies then look for the same writes through the real boto3 CloudTrail
client, paced at driftcheck's 1.8 requests/s under the emulator's 2 requests/s cap. Printed:
calls, pages, events read and seconds for each. A measurement, not a test.

Measured 2026-11-30 (2,000 sets, 2,004 records of which 2,000 read-only, 5 drifted rows):
one query per write event name: 5 calls, 5 pages, 4 events read, 2.8 s, all 5 attributed;
one ``EventSource`` query: 41 calls, 41 pages, 2,004 events read, 22.3 s. The event-source
query pays for every read-only record newer than the writes (one per set per plan, so it
grows with the estate and with how often it is planned); the event-name queries only for the
writes of the event names the drift needs, and stop once each wanted row has its latest.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from driftcheck.emulator import Identity, start_emulator
from driftcheck.events.attribution import Wanted, wanted
from driftcheck.events.lookup import PAGE_SIZE, attribute_plan, cloudtrail_client
from driftcheck.events.records import parse_json
from driftcheck.live import ClientSettings
from driftcheck.workflow import PlanRequest, run_plan
from tests.bench.common import definition, live_state, spec_text

WRITER_KEY = "AKIDOUTSIDEWRITER"


def _outside_writes(url: str, sets: int) -> None:
    client = boto3.session.Session().client(
        "pinpoint-email",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=WRITER_KEY,
        aws_secret_access_key="secret",
        config=Config(user_agent="aws-cli/2.15.0 Python/3.11"),
    )
    drifted = {**definition(7, 0), "Enabled": False}
    client.update_configuration_set_event_destination(
        ConfigurationSetName="set-00007", EventDestinationName="dest-00", EventDestination=drifted
    )
    client.create_configuration_set_event_destination(
        ConfigurationSetName="set-00100",
        EventDestinationName="extra",
        EventDestination=definition(100, 0),
    )
    client.delete_configuration_set_event_destination(
        ConfigurationSetName="set-00500", EventDestinationName="dest-00"
    )
    client.delete_configuration_set(ConfigurationSetName=f"set-{sets - 1:05d}")


def _by_event_source(client: Any, wants: frozenset[Wanted], end: datetime) -> dict[str, float]:
    """The alternative: every SES event, newest first, until each wanted write is seen."""
    pending = set(wants)
    calls = pages = events = 0
    started = time.monotonic()
    paginator = client.get_paginator("lookup_events")
    for page in paginator.paginate(
        LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": "ses.amazonaws.com"}],
        StartTime=datetime.fromtimestamp(end.timestamp() - 7 * 86400, timezone.utc),
        EndTime=end,
        PaginationConfig={"PageSize": PAGE_SIZE},
    ):
        pages += 1
        calls += 1 + page["ResponseMetadata"].get("RetryAttempts", 0)
        for item in page["Events"]:
            events += 1
            event = parse_json(item["CloudTrailEvent"])
            if event is not None:
                # a write explains every wanted row it names (any of the wanted event names)
                pending -= {w for w in pending if w == Wanted.of(event)}
        if not pending:
            break
    seconds = time.monotonic() - started
    return {"calls": calls, "pages": pages, "events": events, "seconds": seconds}


def main(sets: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, start_emulator() as emulator:
        os.environ.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=str(Path(tmp) / "none"),
            AWS_SHARED_CREDENTIALS_FILE=str(Path(tmp) / "none"),
            AWS_ENDPOINT_URL_CLOUDTRAIL=emulator.url,
        )
        emulator.reset(live_state(sets, 1, drift=False))
        emulator.identities.register(Identity.iam_user(WRITER_KEY, "outsider"))
        _outside_writes(emulator.url, sets)
        spec = Path(tmp) / "spec.yaml"
        spec.write_text(spec_text(sets, 1), encoding="utf-8")
        settings = ClientSettings(endpoint_url=emulator.url, concurrency=16)
        plan = run_plan(PlanRequest(paths=[spec], settings=settings)).plan
        records = emulator.trail_records()
        reads = sum(1 for r in records if r["readOnly"])
        print(f"{sets:,} sets; trail: {len(records):,} records, {reads:,} read-only")
        print(f"drifted rows and missing sets: {len(plan.changes) + len(plan.missing_sets)}")
        time.sleep(1.0)  # a fresh rate window for each strategy
        now = datetime.now(timezone.utc)
        started = time.monotonic()
        attributed, lookup = attribute_plan(plan, settings, now=now)
        seconds = time.monotonic() - started
        found = sum(r.changed_by is not None for r in attributed.changes)
        found += sum(s.changed_by is not None for s in attributed.missing_sets)
        print(
            f"  EventName, one query per write event (kept): {lookup.cost}; "
            f"{seconds:.1f} s; {found} attributed"
        )
        time.sleep(1.0)
        [wants] = wanted(plan).values()
        alternative = _by_event_source(
            cloudtrail_client(boto3.session.Session(), "us-east-1"), wants, now
        )
        print(
            f"  EventSource=ses.amazonaws.com, one query: {alternative['calls']:.0f} calls, "
            f"{alternative['pages']:.0f} pages, {alternative['events']:.0f} events read; "
            f"{alternative['seconds']:.1f} s"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
