"""Shared test data and small assertions for the emulator tests."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:ses-events"
EVENT_BUS = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ses-firehose"
STREAM = f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/ses-events"


def sns(*event_types: str, enabled: bool | None = True) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "MatchingEventTypes": list(event_types or ("SEND",)),
        "SnsDestination": {"TopicArn": TOPIC},
    }
    if enabled is not None:
        definition["Enabled"] = enabled
    return definition


def cloudwatch(count: int) -> dict[str, Any]:
    return {
        "Enabled": True,
        "MatchingEventTypes": ["SEND"],
        "CloudWatchDestination": {
            "DimensionConfigurations": [
                {
                    "DimensionName": f"dim{i}",
                    "DimensionValueSource": "MESSAGE_TAG",
                    "DefaultDimensionValue": "none",
                }
                for i in range(count)
            ]
        },
    }


def document(regions: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "regions": regions}


@contextmanager
def api_error(code: str, status: int) -> Iterator[pytest.ExceptionInfo[ClientError]]:
    """Expect a botocore ClientError with this error code and HTTP status."""
    with pytest.raises(ClientError) as caught:
        yield caught
    error = caught.value.response
    assert error["Error"]["Code"] == code, error["Error"]
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status


def destinations(client: Any, set_name: str) -> dict[str, dict[str, Any]]:
    """Destination name -> definition (without Name), as the client parsed them."""
    found = client.get_configuration_set_event_destinations(ConfigurationSetName=set_name)
    return {d.pop("Name"): d for d in found["EventDestinations"]}


def count_codes(call: Callable[[], Any], times: int) -> dict[tuple[str, int], int]:
    """How many of ``times`` calls ended with each (error code, status); success is ("", 200)."""
    counts: dict[tuple[str, int], int] = {}
    for _ in range(times):
        try:
            call()
            key = ("", 200)
        except ClientError as e:
            key = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        counts[key] = counts.get(key, 0) + 1
    return counts


def request(emu: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """(status, decoded JSON) of a raw HTTP request to the emulator ``emu`` (control endpoints)."""
    connection = http.client.HTTPConnection("127.0.0.1", emu.port)
    payload = None if body is None else (body if isinstance(body, str) else json.dumps(body))
    connection.request(method, path, body=payload)
    response = connection.getresponse()
    data = json.loads(response.read())
    connection.close()
    return response.status, data
