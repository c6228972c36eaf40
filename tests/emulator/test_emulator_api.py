"""The emulated operations through real boto3 clients of both APIs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config

from driftcheck.emulator import Emulator
from driftcheck.emulator.rules import NO_EVENT_TYPES_MESSAGE, ONE_DESTINATION_MESSAGE
from tests.emulator.helpers import (
    EVENT_BUS,
    ROLE,
    STREAM,
    TOPIC,
    api_error,
    cloudwatch,
    destinations,
    sns,
)

APIS = ["pinpoint-email", "sesv2"]


@pytest.fixture(params=APIS)
def client(request: pytest.FixtureRequest, make_client: Any) -> Any:
    return make_client(request.param)


def test_configuration_set_crud(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="orders")
    assert client.get_configuration_set(ConfigurationSetName="orders")["ConfigurationSetName"] == (
        "orders"
    )
    assert client.list_configuration_sets()["ConfigurationSets"] == ["orders"]
    assert destinations(client, "orders") == {}

    client.delete_configuration_set(ConfigurationSetName="orders")

    assert client.list_configuration_sets()["ConfigurationSets"] == []
    with api_error("NotFoundException", 404):
        client.get_configuration_set(ConfigurationSetName="orders")


def test_a_set_reads_back_the_options_it_was_created_with(client: Any) -> None:
    options = {
        "Tags": [{"Key": "team", "Value": "mail"}],
        "SendingOptions": {"SendingEnabled": False},
        "TrackingOptions": {"CustomRedirectDomain": "click.example.com"},
    }
    client.create_configuration_set(ConfigurationSetName="s", **options)
    got = client.get_configuration_set(ConfigurationSetName="s")
    got.pop("ResponseMetadata")
    assert got == {"ConfigurationSetName": "s", **options}

    client.delete_configuration_set(ConfigurationSetName="s")
    client.create_configuration_set(ConfigurationSetName="s")
    got = client.get_configuration_set(ConfigurationSetName="s")
    got.pop("ResponseMetadata")
    assert got == {"ConfigurationSetName": "s"}  # nothing left of the deleted set


def test_destination_crud(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="orders")
    client.create_configuration_set_event_destination(
        ConfigurationSetName="orders", EventDestinationName="alerts", EventDestination=sns("BOUNCE")
    )
    assert destinations(client, "orders") == {
        "alerts": {
            "Enabled": True,
            "MatchingEventTypes": ["BOUNCE"],
            "SnsDestination": {"TopicArn": TOPIC},
        }
    }

    firehose = {
        "Enabled": True,
        "MatchingEventTypes": ["DELIVERY"],
        "KinesisFirehoseDestination": {"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM},
    }
    client.update_configuration_set_event_destination(
        ConfigurationSetName="orders", EventDestinationName="alerts", EventDestination=firehose
    )
    assert destinations(client, "orders") == {"alerts": firehose}

    client.delete_configuration_set_event_destination(
        ConfigurationSetName="orders", EventDestinationName="alerts"
    )
    assert destinations(client, "orders") == {}


def test_sets_and_destinations_are_shared_by_both_apis(pinpoint: Any, sesv2: Any) -> None:
    pinpoint.create_configuration_set(ConfigurationSetName="from-v1")
    sesv2.create_configuration_set(ConfigurationSetName="from-v2")
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName="from-v1", EventDestinationName="d", EventDestination=sns("OPEN")
    )

    assert pinpoint.list_configuration_sets()["ConfigurationSets"] == ["from-v1", "from-v2"]
    assert sesv2.list_configuration_sets()["ConfigurationSets"] == ["from-v1", "from-v2"]
    assert destinations(pinpoint, "from-v1") == destinations(sesv2, "from-v1")
    assert list(destinations(pinpoint, "from-v1")) == ["d"]

    pinpoint.delete_configuration_set_event_destination(
        ConfigurationSetName="from-v1", EventDestinationName="d"
    )
    assert destinations(sesv2, "from-v1") == {}


def test_event_types_are_stored_sorted_without_duplicates(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    client.create_configuration_set_event_destination(
        ConfigurationSetName="s",
        EventDestinationName="d",
        EventDestination=sns("SEND", "BOUNCE", "OPEN", "BOUNCE", "CLICK"),
    )
    assert destinations(client, "s")["d"]["MatchingEventTypes"] == [
        "BOUNCE",
        "CLICK",
        "OPEN",
        "SEND",
    ]


def test_enabled_left_out_is_stored_false(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    client.create_configuration_set_event_destination(
        ConfigurationSetName="s", EventDestinationName="d", EventDestination=sns(enabled=None)
    )
    assert destinations(client, "s")["d"]["Enabled"] is False


def test_update_replaces_the_whole_definition(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    client.create_configuration_set_event_destination(
        ConfigurationSetName="s", EventDestinationName="d", EventDestination=sns("SEND")
    )
    assert destinations(client, "s")["d"]["Enabled"] is True

    client.update_configuration_set_event_destination(
        ConfigurationSetName="s",
        EventDestinationName="d",
        EventDestination={"MatchingEventTypes": ["OPEN"], "SnsDestination": {"TopicArn": TOPIC}},
    )

    assert destinations(client, "s")["d"] == {
        "Enabled": False,
        "MatchingEventTypes": ["OPEN"],
        "SnsDestination": {"TopicArn": TOPIC},
    }


@pytest.mark.parametrize("event_types", [[], None], ids=["empty", "left out"])
def test_a_destination_matches_at_least_one_event_type(
    client: Any, event_types: list[str] | None
) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    definition = sns("SEND")
    client.create_configuration_set_event_destination(
        ConfigurationSetName="s", EventDestinationName="kept", EventDestination=definition
    )
    refused = {"Enabled": True, "SnsDestination": {"TopicArn": TOPIC}}
    if event_types is not None:
        refused["MatchingEventTypes"] = event_types
    for write in (
        client.create_configuration_set_event_destination,
        client.update_configuration_set_event_destination,
    ):
        with api_error("BadRequestException", 400) as caught:
            write(ConfigurationSetName="s", EventDestinationName="kept", EventDestination=refused)
        assert caught.value.response["Error"]["Message"] == NO_EVENT_TYPES_MESSAGE
    assert destinations(client, "s") == {"kept": definition}


@pytest.mark.parametrize(
    "definition",
    [
        {"Enabled": True, "MatchingEventTypes": ["SEND"]},
        {
            "MatchingEventTypes": ["SEND"],
            "SnsDestination": {"TopicArn": TOPIC},
            "KinesisFirehoseDestination": {"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM},
        },
    ],
    ids=["none", "two"],
)
def test_exactly_one_destination_type(client: Any, definition: dict[str, Any]) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    with api_error("BadRequestException", 400) as caught:
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="d", EventDestination=definition
        )
    assert caught.value.response["Error"]["Message"] == ONE_DESTINATION_MESSAGE
    assert destinations(client, "s") == {}


@pytest.mark.parametrize("event_type", ["DELIVERY_DELAY", "SUBSCRIPTION"])
def test_sesv2_only_event_types(pinpoint: Any, sesv2: Any, event_type: str) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="s")
    with api_error("BadRequestException", 400):
        pinpoint.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="d", EventDestination=sns(event_type)
        )
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName="s", EventDestinationName="d", EventDestination=sns(event_type)
    )
    # Stored and shown as is to pinpoint-email (botocore does not check enums in responses).
    assert destinations(pinpoint, "s")["d"]["MatchingEventTypes"] == [event_type]


@pytest.mark.parametrize("value", ["BOUNCES", "bounce", ""])
def test_unknown_event_type_is_rejected(client: Any, value: str) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    with api_error("BadRequestException", 400):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="d", EventDestination=sns(value)
        )


@pytest.mark.parametrize("source", ["messageTag", "linkTags", "HEADER"])
def test_unknown_dimension_source_is_rejected(client: Any, source: str) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    definition = cloudwatch(1)
    definition["CloudWatchDestination"]["DimensionConfigurations"][0]["DimensionValueSource"] = (
        source
    )
    with api_error("BadRequestException", 400):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="d", EventDestination=definition
        )


def test_all_dimension_sources_are_accepted(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    definition = cloudwatch(3)
    dimensions = definition["CloudWatchDestination"]["DimensionConfigurations"]
    for dimension, source in zip(
        dimensions, ["MESSAGE_TAG", "EMAIL_HEADER", "LINK_TAG"], strict=True
    ):
        dimension["DimensionValueSource"] = source
    client.create_configuration_set_event_destination(
        ConfigurationSetName="s", EventDestinationName="d", EventDestination=definition
    )
    assert destinations(client, "s")["d"] == definition


def test_eventbridge_destination_is_invisible_to_pinpoint_email(pinpoint: Any, sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="s")
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName="s",
        EventDestinationName="bus",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["SEND"],
            "EventBridgeDestination": {"EventBusArn": EVENT_BUS},
        },
    )

    assert destinations(sesv2, "s")["bus"]["EventBridgeDestination"] == {"EventBusArn": EVENT_BUS}
    # The destination is there for pinpoint-email, but botocore drops the unknown block.
    assert destinations(pinpoint, "s") == {"bus": {"Enabled": True, "MatchingEventTypes": ["SEND"]}}


@pytest.mark.parametrize("name", ["a" * 65, "bad.name", "with space", "", "émoji"])
def test_invalid_names_are_rejected(client: Any, name: str) -> None:
    with api_error("BadRequestException", 400):
        client.create_configuration_set(ConfigurationSetName=name)
    client.create_configuration_set(ConfigurationSetName="s")
    with api_error("BadRequestException", 400):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName=name, EventDestination=sns()
        )
    assert client.list_configuration_sets()["ConfigurationSets"] == ["s"]


def test_longest_valid_names_are_accepted(client: Any) -> None:
    name = "A-z_9" + "x" * 59
    client.create_configuration_set(ConfigurationSetName=name)
    client.create_configuration_set_event_destination(
        ConfigurationSetName=name, EventDestinationName=name, EventDestination=sns()
    )
    assert list(destinations(client, name)) == [name]


def test_duplicates_are_already_exists(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    with api_error("AlreadyExistsException", 400):
        client.create_configuration_set(ConfigurationSetName="s")
    client.create_configuration_set_event_destination(
        ConfigurationSetName="s", EventDestinationName="d", EventDestination=sns("SEND")
    )
    with api_error("AlreadyExistsException", 400):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="d", EventDestination=sns("OPEN")
        )
    assert destinations(client, "s")["d"]["MatchingEventTypes"] == ["SEND"]


def test_missing_set_or_destination_is_not_found(client: Any) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: client.get_configuration_set(ConfigurationSetName="nope"),
        lambda: client.delete_configuration_set(ConfigurationSetName="nope"),
        lambda: client.get_configuration_set_event_destinations(ConfigurationSetName="nope"),
        lambda: client.create_configuration_set_event_destination(
            ConfigurationSetName="nope", EventDestinationName="d", EventDestination=sns()
        ),
    ]
    for call in calls:
        with api_error("NotFoundException", 404):
            call()
    client.create_configuration_set(ConfigurationSetName="s")
    with api_error("NotFoundException", 404):
        client.update_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="nope", EventDestination=sns()
        )
    with api_error("NotFoundException", 404):
        client.delete_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="nope"
        )


def test_percent_encoded_names_are_decoded(client: Any) -> None:
    # botocore percent-encodes URI labels: "a/b" travels as "a%2Fb" and must not split the path.
    with api_error("NotFoundException", 404) as caught:
        client.get_configuration_set_event_destinations(ConfigurationSetName="a/b")
    assert "a/b" in caught.value.response["Error"]["Message"]


def test_ten_destinations_per_set(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    for i in range(10):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName=f"d{i}", EventDestination=sns()
        )
    with api_error("LimitExceededException", 400):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="d10", EventDestination=sns()
        )
    assert len(destinations(client, "s")) == 10


def test_ten_dimensions_per_cloudwatch_destination(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    client.create_configuration_set_event_destination(
        ConfigurationSetName="s", EventDestinationName="ten", EventDestination=cloudwatch(10)
    )
    with api_error("BadRequestException", 400):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="eleven", EventDestination=cloudwatch(11)
        )
    assert list(destinations(client, "s")) == ["ten"]


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("DimensionName", "has space"),
        ("DimensionName", "a.b"),
        ("DefaultDimensionValue", "x" * 300),
        ("DefaultDimensionValue", "a b"),
    ],
)
def test_invalid_dimension_text_is_rejected(client: Any, member: str, value: str) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    definition = cloudwatch(1)
    definition["CloudWatchDestination"]["DimensionConfigurations"][0][member] = value
    with api_error("BadRequestException", 400):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="d", EventDestination=definition
        )


def test_dimension_text_rules_follow_each_api_model(pinpoint: Any, sesv2: Any) -> None:
    """sesv2's DefaultDimensionValue documentation also allows `.` and `@`; pinpoint-email's
    does not; names are 255 characters at most in sesv2, 256 in pinpoint-email."""
    sesv2.create_configuration_set(ConfigurationSetName="s")

    def write(client: Any, name: str, **dimension: str) -> None:
        definition = cloudwatch(1)
        definition["CloudWatchDestination"]["DimensionConfigurations"][0].update(dimension)
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName=name, EventDestination=definition
        )

    write(sesv2, "v2", DefaultDimensionValue="no-reply@example.com")
    write(pinpoint, "v1", DimensionName="n" * 256)
    with api_error("BadRequestException", 400):
        write(pinpoint, "v1-at", DefaultDimensionValue="no-reply@example.com")
    with api_error("BadRequestException", 400):
        write(sesv2, "v2-long", DimensionName="n" * 256)
    assert sorted(destinations(sesv2, "s")) == ["v1", "v2"]


def test_ten_thousand_configuration_sets_per_region(connect: Any) -> None:
    full = {"version": 1, "regions": {"us-east-1": {f"set-{i:05d}": {} for i in range(10_000)}}}
    with Emulator(state=full) as emu:
        with api_error("LimitExceededException", 400):
            connect(emu, "sesv2").create_configuration_set(ConfigurationSetName="one-more")
        # Another region has its own quota.
        connect(emu, "sesv2", "us-west-2").create_configuration_set(ConfigurationSetName="one-more")
        assert len(emu.state["regions"]["us-east-1"]) == 10_000
        assert list(emu.state["regions"]["us-west-2"]) == ["one-more"]


def test_bad_arn_is_rejected(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="s")
    with api_error("BadRequestException", 400):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s",
            EventDestinationName="d",
            EventDestination={"SnsDestination": {"TopicArn": "not-an-arn"}},
        )


def test_server_validates_types_and_required_members(make_client: Any) -> None:
    # With botocore's client-side validation off, the server's own ParamValidator must answer.
    client = make_client(
        "sesv2", config=Config(parameter_validation=False, retries={"total_max_attempts": 1})
    )
    client.create_configuration_set(ConfigurationSetName="s")
    with api_error("BadRequestException", 400) as caught:
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s",
            EventDestinationName="d",
            EventDestination={"Enabled": "yes", "SnsDestination": {"TopicArn": TOPIC}},
        )
    assert "Enabled" in caught.value.response["Error"]["Message"]
    with api_error("BadRequestException", 400) as caught:
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s", EventDestinationName="d"
        )
    assert "EventDestination" in caught.value.response["Error"]["Message"]
    with api_error("BadRequestException", 400):
        client.create_configuration_set_event_destination(
            ConfigurationSetName="s",
            EventDestinationName="d",
            EventDestination={"SnsDestination": {}},
        )
