"""Parsing CloudTrail records into the writes driftcheck tracks."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from driftcheck.events.records import (
    WRITE_EVENT_NAMES,
    parse_eventbridge,
    parse_json,
    parse_record,
    via,
)
from driftcheck.plan_model import ChangedBy, Via
from tests.events.records_data import ACCOUNT, ALICE_ARN, record

AT = datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc)


def test_an_update_by_an_iam_user_is_parsed_whole() -> None:
    event = parse_record(record())
    assert event is not None
    assert (event.event_id, event.event_name, event.at) == (
        "e-1",
        "UpdateConfigurationSetEventDestination",
        AT,
    )
    assert (event.account, event.region, event.target) == (
        ACCOUNT,
        "us-east-1",
        (ACCOUNT, "us-east-1"),
    )
    assert (event.set_name, event.destination_name) == ("marketing", "sns-bounces")
    assert event.changed_by == ChangedBy(
        principal=ALICE_ARN,
        user="alice",
        type="IAMUser",
        at=AT,
        event="UpdateConfigurationSetEventDestination",
        via=Via.AWS_CLI,
        source_ip="192.0.2.10",
        event_id="e-1",
    )


# (description, event name, requestParameters) -> (set, destination)
NAMES = [
    ("v2 lower camel", "CreateConfigurationSetEventDestination",
     {"configurationSetName": "m", "eventDestinationName": "d", "eventDestination": {}},
     ("m", "d")),
    ("classic nested destination name", "CreateConfigurationSetEventDestination",
     {"configurationSetName": "m", "eventDestination": {"name": "d", "enabled": True}},
     ("m", "d")),
    ("member names in any case", "DeleteConfigurationSetEventDestination",
     {"ConfigurationSetName": "m", "EVENTDESTINATIONNAME": "d"}, ("m", "d")),
    ("nested name in any case", "UpdateConfigurationSetEventDestination",
     {"configurationsetname": "m", "EventDestination": {"Name": "d"}}, ("m", "d")),
    ("a set write has no destination", "DeleteConfigurationSet",
     {"configurationSetName": "m"}, ("m", None)),
    ("classic nested set name", "CreateConfigurationSet",
     {"configurationSet": {"name": "m"}}, ("m", None)),
    ("values keep their case", "CreateConfigurationSet",
     {"configurationSetName": "Mixed-Case"}, ("Mixed-Case", None)),
]  # fmt: skip


@pytest.mark.parametrize(("event_name", "request_parameters", "names"),
                         [n[1:] for n in NAMES], ids=[n[0] for n in NAMES])  # fmt: skip
def test_set_and_destination_names_are_found_in_every_known_shape(
    event_name: str, request_parameters: dict[str, Any], names: tuple[str, str | None]
) -> None:
    event = parse_record(record(event_name, request_parameters))
    assert event is not None
    assert (event.set_name, event.destination_name) == names


# records that are not a write driftcheck tracks
NOT_WRITES = [
    ("a read", record("GetConfigurationSetEventDestinations", {"configurationSetName": "m"},
                      readOnly=True)),
    ("marked read-only", record(readOnly=True)),
    ("read-only as LookupEvents' string", record(readOnly="true")),
    ("a failed call", record(errorCode="AccessDenied", errorMessage="User is not authorized")),
    ("a failed call, member in another case", record(ErrorCode="NotFoundException")),
    ("another service", record(eventSource="sns.amazonaws.com")),
    ("a send", record("SendEmail", {"configurationSetName": "m"})),
    ("no set name", record(request={"eventDestinationName": "d"})),
    ("a destination write without a destination", record(request={"configurationSetName": "m"})),
    ("no request parameters", record(requestParameters=None)),
    ("no time", record(eventTime="yesterday")),
]  # fmt: skip


@pytest.mark.parametrize("body", [n[1] for n in NOT_WRITES], ids=[n[0] for n in NOT_WRITES])
def test_what_is_not_a_tracked_write_is_none(body: dict[str, Any]) -> None:
    assert parse_record(body) is None


def test_a_successful_write_marked_read_only_false_as_a_string_is_a_write() -> None:
    assert parse_record(record(readOnly="false")) is not None


def test_every_tracked_event_name_is_a_write() -> None:
    request = {"configurationSetName": "m", "eventDestinationName": "d"}
    for name in WRITE_EVENT_NAMES:
        event = parse_record(record(name, request))
        assert event is not None and event.event_name == name


def test_an_assumed_role_is_named_by_its_session() -> None:
    arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/mallory@example.com"
    identity = {"type": "AssumedRole", "arn": arn, "accountId": ACCOUNT,
                "sessionContext": {"sessionIssuer": {"userName": "Deployer"}}}  # fmt: skip
    event = parse_record(record(userIdentity=identity))
    assert event is not None
    assert (event.changed_by.principal, event.changed_by.user, event.changed_by.type) == (
        arn,
        "mallory@example.com",
        "AssumedRole",
    )


def test_root_and_a_service_are_named() -> None:
    root = parse_record(
        record(userIdentity={"type": "Root", "arn": f"arn:aws:iam::{ACCOUNT}:root"})
    )
    service = parse_record(
        record(userIdentity={"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"})
    )
    assert root is not None and (root.changed_by.user, root.changed_by.type) == ("root", "Root")
    assert service is not None
    assert service.changed_by.principal == "cloudformation.amazonaws.com"


def test_the_account_is_the_recipient_else_the_callers() -> None:
    crossed = parse_record(record(recipientAccountId="210987654321"))
    without = record()
    del without["recipientAccountId"]
    assert crossed is not None and crossed.account == "210987654321"
    assert (parsed := parse_record(without)) is not None and parsed.account == ACCOUNT


def test_times_are_utc_with_or_without_a_zone() -> None:
    offset = parse_record(record(at="2026-11-30T19:00:00+01:00"))
    naive = parse_record(record(at="2026-11-30T18:00:00"))
    assert offset is not None and offset.at == AT and offset.at.tzinfo is timezone.utc
    assert naive is not None and naive.at == AT


def test_lookup_events_json_string() -> None:
    assert parse_json(json.dumps(record())) == parse_record(record())
    assert parse_json("not json") is None
    assert parse_json("[1, 2]") is None


def test_an_eventbridge_event_carries_the_record_in_its_detail() -> None:
    message = {
        "version": "0",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ses",
        "account": ACCOUNT,
        "region": "us-east-1",
        "detail": record(),
    }
    assert parse_eventbridge(message) == parse_record(record())
    assert parse_eventbridge({**message, "detail-type": "SES Email Sending"}) is None
    assert parse_eventbridge({**message, "detail": "x"}) is None


# user agent -> via
AGENTS = [
    ("console.amazonaws.com", Via.CONSOLE),
    ("signin.amazonaws.com", Via.CONSOLE),
    ("console.ses.amazonaws.com", Via.CONSOLE),
    ("aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64 command/sesv2.create", Via.AWS_CLI),
    ("aws-cli/1.29.0 Python/3.9 Linux/5.10 botocore/1.31.0", Via.AWS_CLI),
    ("APN/1.0 HashiCorp/1.0 Terraform/1.6.2 (+https://www.terraform.io) "
     "terraform-provider-aws/5.31.0 (+https://registry.terraform.io/providers/hashicorp/aws) "
     "aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5", Via.TERRAFORM),
    ("cloudformation.amazonaws.com", Via.CLOUDFORMATION),
    ("Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux Python/3.11 Botocore/1.34.0", Via.SDK),
    ("aws-sdk-java/1.12.600 Linux/5.10 OpenJDK_64-Bit_Server_VM/17", Via.SDK),
    ("aws-sdk-js/3.478.0 ua/2.0 os/linux lang/js md/nodejs#18.19.0", Via.SDK),
    ("Boto3/1.34.0 Python/3.11 Botocore/1.34.0 driftcheck/1.0", Via.SDK),
    ("AWS Internal", Via.UNKNOWN),
    ("curl/8.5.0", Via.UNKNOWN),
    ("", Via.UNKNOWN),
]  # fmt: skip


@pytest.mark.parametrize(("agent", "expected"), AGENTS)
def test_via_from_the_user_agent(agent: str, expected: Via) -> None:
    assert via(agent) is expected
