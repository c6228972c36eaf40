"""The emulator's CloudTrail: every SES call recorded, served by LookupEvents to real boto3."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from driftcheck.emulator import (
    DEMO_STATE,
    Emulator,
    Identity,
    TrailSettings,
    client_environment,
    start_emulator,
)
from driftcheck.emulator.identity import Identities
from driftcheck.emulator.schema import api_schema
from driftcheck.emulator.trail import (
    RateWindow,
    SesCall,
    Trail,
    identity_from_json,
    request_parameters,
)
from driftcheck.model import Api
from tests.conftest import isolated_aws_env, run_cli
from tests.emulator.helpers import ACCOUNT, TOPIC, api_error, sns

CONSOLE_UA = "console.amazonaws.com"
TERRAFORM = "APN/1.0 HashiCorp/1.0 Terraform/1.9.0 (+https://www.terraform.io)"
MALLORY_KEY = "AKIDMALLORY000001"
CI_KEY = "ASIACIROLE0000001"
OTHER_ACCOUNT = "222222222222"
NO_CAP = TrailSettings(lookup_rps=None)

Connect = Callable[..., Any]


@pytest.fixture
def client_as(boto_session: boto3.session.Session, emulator: Emulator) -> Connect:
    """``client_as(api, key, region="us-east-1", **config)``: a boto3 client signing with ``key``.

    The client keeps the User-Agent header of its last request in ``client.sent_user_agent``.
    """

    def make(api: str, key: str, region: str = "us-east-1", **config: Any) -> Any:
        client = boto_session.client(
            api,
            region_name=region,
            endpoint_url=emulator.url,
            aws_access_key_id=key,
            aws_secret_access_key="secret",
            config=Config(retries={"total_max_attempts": 1}, **config),
        )

        def remember(request: Any, **_: Any) -> None:
            client.sent_user_agent = request.headers["User-Agent"].decode()

        client.meta.events.register("before-send", remember)
        return client

    return make


@pytest.fixture
def writers(emulator: Emulator) -> None:
    """mallory (an IAM user, registered in Python) and a CI role (registered over HTTP)."""
    emulator.identities.register(Identity.iam_user(MALLORY_KEY, "mallory"))
    ci_role = {"access_key_id": CI_KEY, "user_name": "ci-deploy", "type": "AssumedRole"}
    ci_role["session_name"] = "github-actions"
    answer = control(emulator, "POST", "identities", {"identities": [ci_role]})
    assert answer["identities"][0]["arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-deploy/github-actions"
    )


def control(emulator: Emulator, method: str, name: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{emulator.url}/_emulator/{name}", data, method=method)
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


def events(client: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every event of a LookupEvents query (one page of at most 50)."""
    found: list[dict[str, Any]] = client.lookup_events(**kwargs)["Events"]
    return found


def by(key: str, value: str) -> dict[str, Any]:
    return {"LookupAttributes": [{"AttributeKey": key, "AttributeValue": value}]}


def record_of(event: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(event["CloudTrailEvent"])
    return record


def test_a_write_and_a_read_are_recorded_with_their_callers(
    emulator: Emulator, client_as: Connect, writers: None
) -> None:
    mallory = client_as("sesv2", MALLORY_KEY, user_agent=CONSOLE_UA)
    ci = client_as("pinpoint-email", CI_KEY, user_agent_extra=TERRAFORM)
    mallory.create_configuration_set(ConfigurationSetName="orders")
    mallory.create_configuration_set_event_destination(
        ConfigurationSetName="orders", EventDestinationName="bounces", EventDestination=sns()
    )
    ci.get_configuration_set_event_destinations(ConfigurationSetName="orders")
    assert "Terraform/1.9.0" in ci.sent_user_agent

    trail = client_as("cloudtrail", CI_KEY)
    (write,) = events(trail, **by("EventName", "CreateConfigurationSetEventDestination"))
    (read,) = events(trail, **by("EventName", "GetConfigurationSetEventDestinations"))
    assert (write["Username"], write["ReadOnly"], write["AccessKeyId"]) == (
        "mallory",
        "false",
        MALLORY_KEY,
    )
    assert (read["Username"], read["ReadOnly"], read["AccessKeyId"]) == (
        "github-actions",
        "true",
        CI_KEY,
    )
    written = record_of(write)
    assert written["userIdentity"] == {
        "type": "IAMUser",
        "principalId": written["userIdentity"]["principalId"],
        "arn": f"arn:aws:iam::{ACCOUNT}:user/mallory",
        "accountId": ACCOUNT,
        "accessKeyId": MALLORY_KEY,
        "userName": "mallory",
    }
    assert written["userAgent"] == mallory.sent_user_agent
    assert written["requestParameters"] == {
        "configurationSetName": "orders",
        "eventDestinationName": "bounces",
        "eventDestination": {
            "enabled": True,
            "matchingEventTypes": ["SEND"],
            "snsDestination": {"topicArn": TOPIC},
        },
    }
    assert (written["eventSource"], written["awsRegion"], written["readOnly"]) == (
        "ses.amazonaws.com",
        "us-east-1",
        False,
    )
    assert (written["recipientAccountId"], written["eventID"]) == (ACCOUNT, write["EventId"])
    assert "errorCode" not in written
    fetched = record_of(read)
    assert fetched["userAgent"] == ci.sent_user_agent
    assert fetched["readOnly"] is True
    assert fetched["requestParameters"] == {"configurationSetName": "orders"}
    assert fetched["userIdentity"]["type"] == "AssumedRole"
    assert fetched["userIdentity"]["sessionContext"]["sessionIssuer"] == {
        "type": "Role",
        "principalId": fetched["userIdentity"]["principalId"].split(":")[0],
        "arn": f"arn:aws:iam::{ACCOUNT}:role/ci-deploy",
        "accountId": ACCOUNT,
        "userName": "ci-deploy",
    }
    # the record LookupEvents serves is the record the trail holds
    assert emulator.trail_records()[1:] == [written, fetched]
    assert control(emulator, "GET", "trail")["records"][1:] == [written, fetched]


def test_a_driftcheck_plan_leaves_only_read_only_records_of_its_key(tmp_path: Path) -> None:
    with start_emulator(state=DEMO_STATE) as emu:
        emu.identities.register(Identity.iam_user("AKIDDRIFTCHECK", "driftcheck-ci"))
        env = isolated_aws_env(tmp_path, **client_environment(emu.url))
        env["AWS_ACCESS_KEY_ID"] = "AKIDDRIFTCHECK"
        result = run_cli("plan", "specs/", env=env)
        assert result.code == 2, result.stderr  # the demo state drifts from specs/
        records = emu.trail_records()
    assert records, "the plan's reads were not recorded"
    assert {r["eventName"] for r in records} <= {
        "ListConfigurationSets",
        "GetConfigurationSet",
        "GetConfigurationSetEventDestinations",
    }
    assert {(r["readOnly"], r["userIdentity"]["userName"]) for r in records} == {
        (True, "driftcheck-ci")
    }
    assert all("Botocore/" in r["userAgent"] for r in records)


def test_the_record_has_every_cloudtrail_field(emulator: Emulator, client_as: Connect) -> None:
    client_as("sesv2", "AKIDANY").list_configuration_sets()
    (record,) = emulator.trail_records()
    assert list(record) == [
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "responseElements",
        "requestID",
        "eventID",
        "readOnly",
        "eventType",
        "managementEvent",
        "recipientAccountId",
        "eventCategory",
    ]
    assert (record["eventType"], record["managementEvent"], record["eventCategory"]) == (
        "AwsApiCall",
        True,
        "Management",
    )
    assert (record["sourceIPAddress"], record["responseElements"]) == ("127.0.0.1", None)
    assert time.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ")


def test_the_source_ip_is_the_first_forwarded_address(emulator: Emulator) -> None:
    request = urllib.request.Request(
        f"{emulator.url}/v2/email/configuration-sets",
        headers={"X-Forwarded-For": "203.0.113.7, 10.0.0.1", "User-Agent": "curl/8.5.0"},
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200
    (record,) = emulator.trail_records()
    assert (record["sourceIPAddress"], record["userAgent"]) == ("203.0.113.7", "curl/8.5.0")


def test_a_failed_call_is_recorded_with_its_error(emulator: Emulator, client_as: Connect) -> None:
    client = client_as("sesv2", "AKIDANY")
    with api_error("NotFoundException", 404):
        client.delete_configuration_set_event_destination(
            ConfigurationSetName="missing", EventDestinationName="d"
        )
    (record,) = emulator.trail_records()
    assert record["eventName"] == "DeleteConfigurationSetEventDestination"
    assert record["errorCode"] == "NotFoundException"
    assert "missing" in record["errorMessage"]
    assert record["requestParameters"] == {
        "configurationSetName": "missing",
        "eventDestinationName": "d",
    }


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("EventName", "CreateConfigurationSet", [("CreateConfigurationSet", "mallory")]),
        ("ReadOnly", "true", [("GetConfigurationSetEventDestinations", "github-actions")]),
        (
            "ReadOnly",
            "false",
            [
                ("CreateConfigurationSetEventDestination", "mallory"),
                ("CreateConfigurationSet", "mallory"),
            ],
        ),
        (
            "Username",
            "github-actions",
            [("GetConfigurationSetEventDestinations", "github-actions")],
        ),
        (
            "EventSource",
            "ses.amazonaws.com",
            [
                ("GetConfigurationSetEventDestinations", "github-actions"),
                ("CreateConfigurationSetEventDestination", "mallory"),
                ("CreateConfigurationSet", "mallory"),
            ],
        ),
        ("EventSource", "sns.amazonaws.com", []),
        ("AccessKeyId", CI_KEY, [("GetConfigurationSetEventDestinations", "github-actions")]),
        ("ResourceType", "AWS::SES::ConfigurationSet", []),  # SES records name no resource
        ("ResourceName", "orders", []),
    ],
)
def test_lookup_by_one_attribute(
    client_as: Connect, writers: None, key: str, value: str, expected: list[tuple[str, str]]
) -> None:
    mallory = client_as("sesv2", MALLORY_KEY)
    mallory.create_configuration_set(ConfigurationSetName="orders")
    mallory.create_configuration_set_event_destination(
        ConfigurationSetName="orders", EventDestinationName="bounces", EventDestination=sns()
    )
    client_as("sesv2", CI_KEY).get_configuration_set_event_destinations(
        ConfigurationSetName="orders"
    )
    found = events(client_as("cloudtrail", CI_KEY), **by(key, value))
    assert [(e["EventName"], e["Username"]) for e in found] == expected


def test_lookup_by_event_id_finds_that_event(emulator: Emulator, client_as: Connect) -> None:
    client = client_as("sesv2", "AKIDANY")
    for _ in range(3):
        client.list_configuration_sets()
    middle = emulator.trail_records()[1]["eventID"]
    (found,) = events(client_as("cloudtrail", "AKIDANY"), **by("EventId", middle))
    assert found["EventId"] == middle


def test_pages_of_50_newest_first_with_next_token(emulator: Emulator, client_as: Connect) -> None:
    emulator.set_trail_settings(NO_CAP)
    client = client_as("pinpoint-email", "AKIDANY")
    for _ in range(120):
        client.list_configuration_sets()
    trail = client_as("cloudtrail", "AKIDANY")
    pages = list(trail.get_paginator("lookup_events").paginate(**by("ReadOnly", "true")))
    assert [len(page["Events"]) for page in pages] == [50, 50, 20]
    seen = [event["EventId"] for page in pages for event in page["Events"]]
    assert seen == [record["eventID"] for record in reversed(emulator.trail_records())]
    first = trail.lookup_events(MaxResults=7)
    assert len(first["Events"]) == 7
    second = trail.lookup_events(MaxResults=7, NextToken=first["NextToken"])
    assert [event["EventId"] for event in second["Events"]] == seen[7:14]
    # a token only continues the query that returned it
    with api_error("InvalidNextTokenException", 400):
        trail.lookup_events(NextToken=first["NextToken"], **by("ReadOnly", "false"))
    with api_error("InvalidNextTokenException", 400):
        trail.lookup_events(NextToken="not-a-token")


def test_start_and_end_time_bound_the_events(emulator: Emulator, client_as: Connect) -> None:
    emulator.set_trail_settings(NO_CAP)
    client = client_as("sesv2", "AKIDANY")
    client.create_configuration_set(ConfigurationSetName="first")
    first = emulator.trail_records()[0]["eventTime"]
    while True:  # the next call must be recorded in a later second
        client.get_configuration_set(ConfigurationSetName="first")
        if emulator.trail_records()[-1]["eventTime"] != first:
            break
        time.sleep(0.1)
    records = emulator.trail_records()
    last = records[-1]["eventTime"]
    in_first = [r["eventID"] for r in reversed(records) if r["eventTime"] == first]
    trail = client_as("cloudtrail", "AKIDANY")
    assert [e["EventId"] for e in events(trail, StartTime=last)] == [records[-1]["eventID"]]
    assert [e["EventId"] for e in events(trail, EndTime=first)] == in_first
    assert in_first[-1] == records[0]["eventID"]  # CreateConfigurationSet
    both = events(trail, StartTime=first, EndTime=last)
    assert [e["EventId"] for e in both] == [r["eventID"] for r in reversed(records)]
    with api_error("InvalidTimeRangeException", 400):
        trail.lookup_events(StartTime=last, EndTime=first)


def test_more_than_one_attribute_or_page_size_is_refused(
    emulator: Emulator, client_as: Connect
) -> None:
    emulator.set_trail_settings(NO_CAP)
    trail = client_as("cloudtrail", "AKIDANY")
    two = [
        {"AttributeKey": "EventName", "AttributeValue": "CreateConfigurationSet"},
        {"AttributeKey": "ReadOnly", "AttributeValue": "false"},
    ]
    with api_error("InvalidLookupAttributesException", 400):
        trail.lookup_events(LookupAttributes=two)
    with api_error("InvalidLookupAttributesException", 400):
        trail.lookup_events(**by("Colour", "blue"))
    with api_error("InvalidMaxResultsException", 400):
        trail.lookup_events(MaxResults=51)


def test_lookups_beyond_2_per_second_are_throttled(emulator: Emulator, client_as: Connect) -> None:
    trail = client_as("cloudtrail", "AKIDANY")
    trail.lookup_events()
    trail.lookup_events()
    with api_error("ThrottlingException", 400):
        for _ in range(20):  # throttled unless each call took over half a second
            trail.lookup_events()
    emulator.set_trail_settings(NO_CAP)
    for _ in range(20):
        trail.lookup_events()


def test_the_rate_cap_is_per_account_and_region(emulator: Emulator, client_as: Connect) -> None:
    emulator.identities.register(Identity.iam_user("AKIDOTHER", "other", OTHER_ACCOUNT))
    emulator.set_trail_settings(TrailSettings(lookup_rps=1))
    client_as("cloudtrail", "AKIDANY").lookup_events()
    client_as("cloudtrail", "AKIDANY", region="eu-west-1").lookup_events()
    client_as("cloudtrail", "AKIDOTHER").lookup_events()


def test_the_window_admits_limit_requests_in_any_second() -> None:
    window = RateWindow()
    key = (ACCOUNT, "us-east-1")
    assert [window.admit(key, t, 2) for t in (10.0, 10.1, 10.2, 10.99)] == [
        True,
        True,
        False,
        False,
    ]
    assert window.admit(key, 11.0, 2)  # 10.0 left the window
    assert not window.admit(key, 11.05, 2)
    assert window.admit((ACCOUNT, "eu-west-1"), 11.05, 2)


def test_access_denied_for_a_key_without_lookup_events(
    emulator: Emulator, client_as: Connect
) -> None:
    control(emulator, "POST", "trail/settings", {"denied_access_keys": ["AKIDNOTRAIL"]})
    assert emulator.trail_settings.denied_access_keys == {"AKIDNOTRAIL"}
    with api_error("AccessDeniedException", 400) as caught:
        client_as("cloudtrail", "AKIDNOTRAIL").lookup_events()
    assert "cloudtrail:LookupEvents" in caught.value.response["Error"]["Message"]
    assert client_as("cloudtrail", "AKIDANY").lookup_events()["Events"] == []


def test_a_record_is_visible_only_after_the_delivery_delay(
    emulator: Emulator, client_as: Connect
) -> None:
    emulator.set_trail_settings(TrailSettings(delivery_delay=3.0, lookup_rps=None))
    client_as("sesv2", "AKIDANY").create_configuration_set(ConfigurationSetName="late")
    trail = client_as("cloudtrail", "AKIDANY")
    assert events(trail) == []
    assert len(emulator.trail_records()) == 1  # recorded, not yet delivered
    for _ in range(600):
        found = events(trail)
        if found:
            break
        time.sleep(0.1)
    assert [e["EventName"] for e in found] == ["CreateConfigurationSet"]


def test_each_account_and_region_has_its_own_trail(emulator: Emulator, client_as: Connect) -> None:
    emulator.identities.register(Identity.iam_user("AKIDOTHER", "other", OTHER_ACCOUNT))
    emulator.set_trail_settings(NO_CAP)
    client_as("sesv2", "AKIDOTHER").list_configuration_sets()
    client_as("sesv2", "AKIDANY", region="eu-west-1").list_configuration_sets()
    assert events(client_as("cloudtrail", "AKIDANY")) == []
    (other,) = events(client_as("cloudtrail", "AKIDOTHER"))
    assert record_of(other)["recipientAccountId"] == OTHER_ACCOUNT
    (ireland,) = events(client_as("cloudtrail", "AKIDANY", region="eu-west-1"))
    assert record_of(ireland)["awsRegion"] == "eu-west-1"


def test_concurrent_calls_are_all_recorded(emulator: Emulator, client_as: Connect) -> None:
    clients = [client_as("sesv2", f"AKIDTHREAD{i}") for i in range(4)]

    def call(client: Any) -> None:
        for _ in range(25):
            client.list_configuration_sets()

    threads = [threading.Thread(target=call, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = emulator.trail_records()
    assert len({record["eventID"] for record in records}) == 100
    keys = [record["userIdentity"]["accessKeyId"] for record in records]
    assert {key: keys.count(key) for key in set(keys)} == {f"AKIDTHREAD{i}": 25 for i in range(4)}


def test_reset_clears_the_trail(emulator: Emulator, client_as: Connect) -> None:
    client_as("sesv2", "AKIDANY").list_configuration_sets()
    emulator.reset()
    assert emulator.trail_records() == []


def test_the_trail_keeps_the_newest_records() -> None:
    identities = Identities()
    trail = Trail(identities, max_records=3)
    anyone = identities.of_key("AKIDANY")
    for name in ("A", "B", "C", "D", "E"):
        trail.append(SesCall(name, None, anyone, "us-east-1", {}, None))
    assert [record["eventName"] for record in trail.records()] == ["C", "D", "E"]


def test_request_parameters_lower_structure_members_only() -> None:
    shape = api_schema(Api.SESV2).operation("ListConfigurationSets").input_shape
    if "Filter" not in shape.members:
        pytest.skip("this botocore's sesv2 model has no ListConfigurationSets filter")
    sent = {"PageSize": 5, "Filter": {"CONFIGURATION_SET_NAME_CONTAINS": "ord"}}
    assert request_parameters(shape, sent) == {
        "pageSize": 5,
        "filter": {"CONFIGURATION_SET_NAME_CONTAINS": "ord"},
    }


def test_bad_control_requests_say_what_is_wrong(emulator: Emulator) -> None:
    for name, body in [
        ("trail/settings", {"delivery_delay": -1}),
        ("trail/settings", {"lookup_rps": "fast"}),
        ("trail/settings", {"colour": 1}),
        ("identities", {"identities": [{"access_key_id": "AKID"}]}),
        ("identities", {"identities": [{"access_key_id": "A", "user_name": "b", "type": "X"}]}),
        (
            "identities",
            {"identities": [{"access_key_id": "A", "user_name": "b", "account_id": "1"}]},
        ),
        ("identities", [1]),
    ]:
        with pytest.raises(urllib.error.HTTPError) as caught:
            control(emulator, "POST", name, body)
        assert caught.value.code == 400
        assert json.loads(caught.value.read())["message"].endswith(".")
    assert control(emulator, "GET", "trail/settings") == {
        "delivery_delay": 0.0,
        "lookup_rps": 2.0,
        "denied_access_keys": [],
    }


def test_an_assumed_role_identity_from_json() -> None:
    role = identity_from_json(
        {"access_key_id": "ASIA1", "user_name": "deploy", "type": "AssumedRole"}
    )
    assert role.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/deploy"
    assert role.principal_id.endswith(":deploy")
    assert role.user_name == "deploy"


def test_other_cloudtrail_operations_are_unknown(client_as: Connect) -> None:
    with pytest.raises(ClientError) as caught:
        client_as("cloudtrail", "AKIDANY").describe_trails()
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"
