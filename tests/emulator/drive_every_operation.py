"""Drive every emulated operation of both APIs with this interpreter's boto3, over HTTP.

Usage: ``python drive_every_operation.py ENDPOINT_URL [BLOCK...]``. Prints one JSON object (the
botocore version and the route of every operation called) and exits 0, or names the first
surprise and exits 1. Destinations of every type the client's model knows are written, or only
of the BLOCK types given (for an emulator whose own botocore knows fewer).

It imports nothing but boto3 and the standard library, because it also runs in ``.venv-oldest``
(``make venv-oldest``: the oldest boto3/botocore that pyproject allows), whose botocore sends
other routes for some operations than the newest does: see
tests/emulator/test_emulator_botocore_versions.py. Destination types come from the client's own
model (botocore 1.34.0's sesv2 has no EventBridgeDestination).
"""

from __future__ import annotations

import json
import sys
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
BLOCKS = {
    "SnsDestination": {"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:ses-events"},
    "CloudWatchDestination": {
        "DimensionConfigurations": [
            {
                "DimensionName": "campaign",
                "DimensionValueSource": "MESSAGE_TAG",
                "DefaultDimensionValue": "none",
            }
        ]
    },
    "KinesisFirehoseDestination": {
        "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ses-firehose",
        "DeliveryStreamArn": f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/ses",
    },
    "PinpointDestination": {
        "ApplicationArn": f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/a"
    },
    "EventBridgeDestination": {"EventBusArn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/x"},
}


class Surprise(Exception):
    """An answer that the emulator must not give."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Surprise(what)


def expect_error(code: str, status: int, call: Any, **params: Any) -> None:
    try:
        call(**params)
    except ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        expect(got == (code, status), f"{call.__name__}({params}): {got}, not {(code, status)}")
    else:
        raise Surprise(f"{call.__name__}({params}) succeeded; expected {code}")


def list_all(client: Any) -> list[str]:
    """Every set name, one page of two at a time (sesv2 registers no paginator)."""
    names: list[str] = []
    params: dict[str, Any] = {"PageSize": 2}
    while True:
        page = client.list_configuration_sets(**params)
        expect(len(page["ConfigurationSets"]) <= 2, f"a page of 2 holds {page}")
        names += page["ConfigurationSets"]
        if not page.get("NextToken"):
            return names
        params["NextToken"] = page["NextToken"]


def drive(client: Any, prefix: str, only: list[str]) -> None:
    sets = [f"{prefix}-{n}" for n in ("a", "b", "c")]
    for name in sets:
        client.create_configuration_set(ConfigurationSetName=name)
    expect_error(
        "AlreadyExistsException", 400, client.create_configuration_set, ConfigurationSetName=sets[0]
    )
    got = client.get_configuration_set(ConfigurationSetName=sets[0])
    expect(got["ConfigurationSetName"] == sets[0], f"get_configuration_set: {got}")
    missing = f"{prefix}-missing"
    expect_error(
        "NotFoundException", 404, client.get_configuration_set, ConfigurationSetName=missing
    )
    listed = [name for name in list_all(client) if name.startswith(f"{prefix}-")]
    expect(listed == sets, f"list_configuration_sets: {listed}, not {sets}")

    definition_shape = client.meta.service_model.shape_for("EventDestinationDefinition")
    expected = {}
    for block in (b for b in BLOCKS if b in definition_shape.members and (not only or b in only)):
        definition = {
            "Enabled": True,
            "MatchingEventTypes": ["SEND", "BOUNCE"],
            block: BLOCKS[block],
        }
        client.create_configuration_set_event_destination(
            ConfigurationSetName=sets[0], EventDestinationName=block, EventDestination=definition
        )
        expected[block] = {**definition, "MatchingEventTypes": ["BOUNCE", "SEND"], "Name": block}
    no_event_types = {"MatchingEventTypes": [], "SnsDestination": BLOCKS["SnsDestination"]}
    expect_error(
        "BadRequestException",
        400,
        client.create_configuration_set_event_destination,
        ConfigurationSetName=sets[0],
        EventDestinationName="none",
        EventDestination=no_event_types,
    )

    def destinations() -> dict[str, Any]:
        found = client.get_configuration_set_event_destinations(ConfigurationSetName=sets[0])
        return {d["Name"]: d for d in found["EventDestinations"]}

    expect(destinations() == expected, f"destinations: {destinations()}, not {expected}")
    update = {"MatchingEventTypes": ["OPEN"], "SnsDestination": BLOCKS["SnsDestination"]}
    client.update_configuration_set_event_destination(
        ConfigurationSetName=sets[0], EventDestinationName="SnsDestination", EventDestination=update
    )
    expected["SnsDestination"] = {**update, "Enabled": False, "Name": "SnsDestination"}
    expect(destinations() == expected, f"after the update: {destinations()}")
    client.delete_configuration_set_event_destination(
        ConfigurationSetName=sets[0], EventDestinationName="SnsDestination"
    )
    del expected["SnsDestination"]
    expect(destinations() == expected, f"after the delete: {destinations()}")

    for name in sets:
        client.delete_configuration_set(ConfigurationSetName=name)
    expect_error(
        "NotFoundException", 404, client.delete_configuration_set, ConfigurationSetName=sets[0]
    )
    expect(not [n for n in list_all(client) if n.startswith(f"{prefix}-")], "sets left over")


def main(endpoint_url: str, only: list[str]) -> int:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    config = Config(retries={"total_max_attempts": 1})
    routes: dict[str, str] = {}  # "api Operation" -> "METHOD /path" of its last request
    for api in ("pinpoint-email", "sesv2"):
        client = session.client(api, endpoint_url=endpoint_url, config=config)

        def record(request: Any, event_name: str, api: str = api, **_: Any) -> None:
            operation = event_name.rsplit(".", 1)[-1]
            routes[f"{api} {operation}"] = f"{request.method} {urlsplit(request.url).path}"

        client.meta.events.register("before-send", record)
        try:
            drive(client, api, only)
        except (Surprise, ClientError) as e:
            print(f"{api} (botocore {botocore.__version__}): {e}", file=sys.stderr)
            return 1
    print(json.dumps({"botocore": botocore.__version__, "routes": routes}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
