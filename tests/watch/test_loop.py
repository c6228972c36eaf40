"""The watch loop in-process, step by step, against the emulator: which sets an event makes
it read, and what a failing read does (never fatal, never a false "in sync" for long)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from driftcheck.emulator import Emulator, Faults, TrailSettings
from driftcheck.errors import SpecError
from driftcheck.events.records import WriteEvent, parse_record
from driftcheck.live import ClientSettings
from driftcheck.model import Api, SetKey
from driftcheck.watch.feeds import Batch, SeenEvents
from driftcheck.watch.loop import Watcher, WatchSettings
from driftcheck.workflow import PlanRequest
from tests.test_cli_ci import REGION, SPECS
from tests.watch.conftest import disable_bounce_alerts

pytestmark = pytest.mark.integration
TRANSACTIONAL = SetKey(Api.PINPOINT_EMAIL, REGION, "transactional")


class Batches:
    """A feed that hands out the batches a test queues (one per receive)."""

    waits = False

    def __init__(self) -> None:
        self.queued: deque[Batch] = deque()
        self.done_batches: list[Batch] = []

    def track(self, targets: Iterable[tuple[str, str]]) -> None:
        self.targets = sorted(set(targets))

    def receive(self) -> Batch:
        return self.queued.popleft() if self.queued else Batch()

    def done(self, batch: Batch) -> None:
        self.done_batches.append(batch)


def writes(emulator: Emulator) -> list[WriteEvent]:
    found = [parse_record(r) for r in emulator.trail_records()]
    return [e for e in found if e is not None]


@pytest.fixture
def feed() -> Batches:
    return Batches()


@pytest.fixture
def watcher(watching: Emulator, aws_env: dict[str, str], feed: Batches) -> Watcher:
    settings = ClientSettings(endpoint_url=watching.url, max_attempts=1)
    request = PlanRequest(paths=[SPECS], settings=settings, region=REGION)
    return Watcher(request, feed, settings=WatchSettings(interval=0.01, full_every=3600))


def test_only_the_sets_an_event_names_are_read(
    watching: Emulator, watcher: Watcher, feed: Batches
) -> None:
    watcher.cycle()  # the full check
    assert feed.targets == [("", REGION)]
    assert watcher.plan is not None and not watcher.plan.drift
    disable_bounce_alerts(watching)
    [event] = writes(watching)
    watching.reset_stats()
    feed.queued.append(Batch((event, event)))  # a duplicate in the batch: one read
    watcher.cycle()
    assert watching.stats().calls == {"GetConfigurationSetEventDestinations": 1}
    [row] = watcher.plan.changes
    assert (row.key, row.name) == (TRANSACTIONAL, "bounce-alerts")
    assert row.changed_by is not None and row.changed_by.user == "mallory"
    assert feed.done_batches[-1].events == (event, event)
    assert event.event_id in watcher.seen
    feed.queued.append(Batch((event,)))  # seen before: nothing to read
    watcher.cycle()
    assert watching.stats().calls == {"GetConfigurationSetEventDestinations": 1}


def test_an_event_for_a_set_no_spec_declares_reads_nothing(
    watching: Emulator, watcher: Watcher, feed: Batches
) -> None:
    watcher.cycle()
    disable_bounce_alerts(watching)
    [event] = [replace(e, set_name="undeclared") for e in writes(watching)]
    watching.reset_stats()
    feed.queued.append(Batch((event,)))
    watcher.cycle()
    assert watching.stats().total == 0
    assert feed.done_batches[-1].events == (event,)  # handled: nothing to do


def test_a_failing_read_keeps_the_last_reading_until_it_failed_three_times(
    watching: Emulator, watcher: Watcher, feed: Batches
) -> None:
    watcher.cycle()
    disable_bounce_alerts(watching)
    [event] = writes(watching)
    watching.set_faults(Faults(fail_sets=frozenset({"transactional"})))
    feed.queued.append(Batch((event,)))
    for _ in ("first", "second"):
        watcher.cycle()
        assert watcher.plan is not None and not watcher.plan.failed_sets  # the last reading
        assert watcher.metrics.healthy
        assert feed.done_batches == []  # not handled yet: an SQS message would stay
        assert event.event_id not in watcher.seen
        feed.queued.append(Batch((event,)))  # the event again (the polling overlap)
    watcher.cycle()  # the third failure in a row: the error is the set's state now
    assert [s.key for s in watcher.plan.failed_sets] == [TRANSACTIONAL]
    assert not watcher.metrics.healthy
    assert len(feed.done_batches) == 1  # handled: the error was concluded (and alerted)

    watching.set_faults(Faults())
    watcher.cycle()  # the failed set is read again at the next step, event or not
    assert watcher.metrics.healthy
    assert not watcher.plan.failed_sets
    assert [(r.key, r.name) for r in watcher.plan.changes] == [(TRANSACTIONAL, "bounce-alerts")]


def test_a_stop_ends_the_loop_between_steps(watcher: Watcher) -> None:
    watcher.stop.set()
    watcher.run()
    assert watcher.plan is None  # nothing started once stopped


def test_seen_events_are_bounded() -> None:
    seen = SeenEvents(capacity=3)
    for event_id in "abcd":
        seen.add(event_id)
    assert len(seen) == 3
    assert "a" not in seen and "d" in seen
    seen.add("b")  # seen again: the most recent now
    seen.add("e")
    assert "b" in seen and "c" not in seen


def test_bad_specs_at_the_start_raise(tmp_path: Path, watcher: Watcher) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("version: 1\nconfiguration_sets: [oops]\n")
    watcher.request = replace(watcher.request, paths=[spec])
    with pytest.raises(SpecError):
        watcher.cycle()


def test_an_event_for_an_undeclared_set_brings_the_full_check_forward_with_unmanaged(
    watching: Emulator, watcher: Watcher, feed: Batches
) -> None:
    watcher.request = replace(watcher.request, include_unmanaged=True)
    watcher.cycle()
    disable_bounce_alerts(watching)
    [event] = [replace(e, set_name="undeclared") for e in writes(watching)]
    feed.queued.append(Batch((event,)))
    watcher.cycle()  # the event: only a listing can show an unmanaged set
    watching.reset_stats()
    watcher.cycle()  # so the next step is a full check, listing included
    assert watching.stats().calls.get("ListConfigurationSets", 0) >= 1
    assert watching.stats().calls["GetConfigurationSetEventDestinations"] == 2


def test_a_denied_cloudtrail_lookup_is_never_fatal(
    watching: Emulator, watcher: Watcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timedelta, timezone

    import boto3

    from driftcheck.events.lookup import cloudtrail_client
    from driftcheck.watch.feeds import CloudTrailFeed

    monkeypatch.setenv("AWS_ENDPOINT_URL", watching.url)  # CloudTrail's endpoint
    watching.set_trail_settings(TrailSettings(denied_access_keys=frozenset({"testing"})))
    boto_session = boto3.Session()
    watcher.feed = CloudTrailFeed(
        lambda target: cloudtrail_client(boto_session, target[1], max_attempts=1),
        since=datetime.now(timezone.utc) - timedelta(minutes=1),
    )
    watcher.cycle()  # the full check
    assert watcher.metrics.healthy
    for _ in range(3):
        watcher.cycle()  # each poll denied: logged, counted, retried
    assert not watcher.metrics.healthy
    registry = watcher.metrics.registry
    failed = registry.get_sample_value("driftcheck_failed_checks_total", {"kind": "incremental"})
    assert failed == 3
    watching.set_trail_settings(TrailSettings())
    watcher.cycle()
    assert watcher.metrics.healthy


def test_expired_credentials_fail_a_step_and_refreshed_ones_are_picked_up(
    watching: Emulator, watcher: Watcher, feed: Batches, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher.cycle()
    disable_bounce_alerts(watching)
    [event] = writes(watching)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "EXPIRED0000000000001")  # the emulator: ExpiredToken
    feed.queued.append(Batch((event,)))
    watcher.cycle()  # CredentialsError: logged and counted, not raised
    assert feed.done_batches == []
    assert watcher.plan is not None and not watcher.plan.drift
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # refreshed (an SSO login, a new role)
    watcher.cycle()  # each step makes its clients anew: the set is read again, no event needed
    assert [(r.key, r.name) for r in watcher.plan.changes] == [(TRANSACTIONAL, "bounce-alerts")]
    assert watcher.metrics.healthy


def test_a_set_the_full_check_could_not_read_is_read_again_alone(
    watching: Emulator, watcher: Watcher, feed: Batches
) -> None:
    watching.set_faults(Faults(fail_sets=frozenset({"transactional"})))
    watcher.cycle()  # the full check: no earlier reading of the set, so its error shows
    assert watcher.plan is not None
    assert [s.key for s in watcher.plan.failed_sets] == [TRANSACTIONAL]
    watching.set_faults(Faults())
    watching.reset_stats()
    watcher.cycle()  # not a second full scan: that one set again
    assert watching.stats().calls == {"GetConfigurationSetEventDestinations": 1}
    assert not watcher.plan.failed_sets and not watcher.plan.drift
    assert watcher.metrics.healthy


def test_across_accounts_an_event_is_read_with_its_own_accounts_credentials(
    emulator: Emulator,
    aws_env: dict[str, str],
    feed: Batches,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--accounts: the full check covers every (account, region); an outside write in one
    account is re-read alone, with that account's assumed-role credentials."""
    import boto3

    from tests.test_cli_fleet import ACCOUNTS, SPEC, STAGING, estate

    emulator.reset(estate())
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", emulator.url)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "fleet.yaml").write_text(SPEC)
    (tmp_path / "accounts.yaml").write_text(ACCOUNTS)
    settings = ClientSettings(endpoint_url=emulator.url, max_attempts=1)
    request = PlanRequest(
        paths=[tmp_path / "specs"], settings=settings, accounts_file=tmp_path / "accounts.yaml"
    )
    watcher = Watcher(request, feed, settings=WatchSettings(interval=0.01, full_every=3600))
    watcher.cycle()  # the full check: 3 accounts x 2 regions
    assert watcher.plan is not None and not watcher.plan.drift
    assert len(feed.targets) == 6 and {a for a, _ in feed.targets} == {
        "111111111111",
        STAGING,
        "333333333333",
    }
    # an outside writer in staging, eu-west-1, with the role's own credentials
    sts = boto3.client("sts", region_name="eu-west-1", endpoint_url=emulator.url)
    issued = sts.assume_role(
        RoleArn=f"arn:aws:iam::{STAGING}:role/outsider", RoleSessionName="outsider"
    )["Credentials"]
    ses = boto3.client(
        "pinpoint-email",
        region_name="eu-west-1",
        endpoint_url=emulator.url,
        aws_access_key_id=issued["AccessKeyId"],
        aws_secret_access_key=issued["SecretAccessKey"],
        aws_session_token=issued["SessionToken"],
    )
    ses.update_configuration_set_event_destination(
        ConfigurationSetName="transactional",
        EventDestinationName="bounces",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["BOUNCE"],
            "SnsDestination": {"TopicArn": f"arn:aws:sns:eu-west-1:{STAGING}:bounces"},
        },
    )
    [event] = [e for e in writes(emulator) if e.account == STAGING]
    emulator.reset_stats()
    feed.queued.append(Batch((event,)))
    watcher.cycle()
    assert emulator.stats().calls == {"GetConfigurationSetEventDestinations": 1}
    [row] = watcher.plan.changes
    assert (row.key.account, row.key.region, row.name) == (STAGING, "eu-west-1", "bounces")
    assert row.changed_by is not None and "outsider" in row.changed_by.principal
