"""The LookupEvents edge through real boto3 against the emulator: bounded, paced, honest."""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config

from driftcheck.emulator import Emulator, Identity, TrailSettings
from driftcheck.events.attribution import Wanted
from driftcheck.events.lookup import PACE, cloudtrail_client, lookup_writes, writes_between

KEY = "AKIDWRITER0000001"
TARGET = ("", "us-east-1")
UPDATE = "UpdateConfigurationSetEventDestination"


def destination(enabled: bool) -> dict[str, Any]:
    return {"Enabled": enabled, "MatchingEventTypes": ["SEND"],
            "SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"}}  # fmt: skip


@pytest.fixture
def updates(emulator: Emulator, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Set s with destination x, updated 120 times (3 pages of one event name)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", emulator.url)
    emulator.identities.register(Identity.iam_user(KEY, "writer"))
    client = boto3.session.Session().client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url=emulator.url,
        aws_access_key_id=KEY,
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1}),
    )
    client.create_configuration_set(ConfigurationSetName="s")
    client.create_configuration_set_event_destination(
        ConfigurationSetName="s", EventDestinationName="x", EventDestination=destination(True)
    )
    for index in range(120):
        client.update_configuration_set_event_destination(
            ConfigurationSetName="s",
            EventDestinationName="x",
            EventDestination=destination(index % 2 == 0),
        )
    return 120


def client_for(target: tuple[str, str]) -> Any:
    return cloudtrail_client(boto3.session.Session(), target[1])


def now() -> datetime:
    return datetime.now(timezone.utc) + timedelta(seconds=1)


def test_a_query_stops_at_the_latest_write_of_what_it_looks_for(updates: int) -> None:
    found = lookup_writes({TARGET: frozenset({Wanted(UPDATE, "s", "x")})}, client_for, end=now())
    assert (found.cost.pages, found.cost.records, found.cost.queries) == (1, 50, 1)
    [event] = found.events
    assert (event.event_name, event.set_name, event.destination_name) == (UPDATE, "s", "x")
    assert event.changed_by.user == "writer"
    assert found.failures == ()


def test_a_query_for_a_write_that_never_came_stops_at_the_page_cap(updates: int) -> None:
    wants = {TARGET: frozenset({Wanted(UPDATE, "s", "never")})}
    capped = lookup_writes(wants, client_for, end=now(), page_cap=2)
    whole = lookup_writes(wants, client_for, end=now())
    assert (capped.cost.pages, capped.cost.records, capped.cost.capped) == (2, 100, 1)
    assert (whole.cost.pages, whole.cost.records, whole.cost.capped) == (3, updates, 0)
    assert capped.events == whole.events == ()


def test_writes_between_returns_every_tracked_write_once(updates: int) -> None:
    found = writes_between([TARGET], client_for, start=now() - timedelta(minutes=5), end=now())
    names = sorted(e.event_name for e in found.events)
    assert names == sorted(
        ["CreateConfigurationSet", "CreateConfigurationSetEventDestination"] + [UPDATE] * updates
    )
    assert len({e.event_id for e in found.events}) == len(found.events)
    assert found.cost.queries == 5  # one per tracked write event name


def test_calls_of_one_target_are_paced(updates: int, emulator: Emulator) -> None:
    emulator.set_trail_settings(TrailSettings(lookup_rps=None))  # the client's pace alone
    client = client_for(TARGET)
    sent: list[float] = []
    client.meta.events.register("before-send", lambda **_: sent.append(time.monotonic()))
    wants = {
        TARGET: frozenset(
            {Wanted(UPDATE, "s", "never"), Wanted("DeleteConfigurationSet", "s", None)}
        )
    }
    found = lookup_writes(wants, lambda target: client, end=now())
    assert found.cost.calls == found.cost.pages == len(sent) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    assert min(gaps) >= 1 / PACE - 0.01  # never faster than CloudTrail's 2 requests/s


def test_a_denied_lookup_is_a_failure_not_an_error(updates: int, emulator: Emulator) -> None:
    emulator.set_trail_settings(TrailSettings(denied_access_keys=frozenset({"testing"})))
    wants = {
        TARGET: frozenset({Wanted(UPDATE, "s", "x"), Wanted("DeleteConfigurationSet", "s", None)})
    }
    found = lookup_writes(wants, client_for, end=now())
    [failure] = found.failures
    assert failure.target == TARGET and failure.failure.code == "AccessDeniedException"
    assert str(failure).startswith("us-east-1: AccessDeniedException: ")
    # the first query failed: the next one, bound to fail alike, is not sent
    assert (found.cost.calls, found.cost.pages, found.events) == (1, 0, ())


def test_the_window_is_at_most_90_days() -> None:
    with pytest.raises(ValueError, match="within 90 days"):
        lookup_writes({}, client_for, end=now(), window=timedelta(days=91))


def test_a_client_that_cannot_be_made_is_a_failure_of_its_target(aws_env: dict[str, str]) -> None:
    wants = {("", "not a region!"): frozenset({Wanted(UPDATE, "s", "x")})}
    found = lookup_writes(wants, client_for, end=now())
    [failure] = found.failures
    assert failure.target == ("", "not a region!")
    assert failure.failure.code == "InvalidRegionError"
    assert found.cost.calls == 0
