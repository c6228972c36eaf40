"""Each region (from the SigV4 credential scope) is a separate account state."""

from __future__ import annotations

import http.client
import json
from typing import Any

from driftcheck.emulator import Emulator
from tests.emulator.helpers import api_error, destinations, document, sns


def test_regions_are_kept_apart(make_client: Any) -> None:
    east = make_client("sesv2", "us-east-1")
    west = make_client("pinpoint-email", "eu-west-1")
    east.create_configuration_set(ConfigurationSetName="shared-name")
    west.create_configuration_set(ConfigurationSetName="shared-name")
    west.create_configuration_set(ConfigurationSetName="west-only")
    east.create_configuration_set_event_destination(
        ConfigurationSetName="shared-name", EventDestinationName="east", EventDestination=sns()
    )

    assert east.list_configuration_sets()["ConfigurationSets"] == ["shared-name"]
    assert west.list_configuration_sets()["ConfigurationSets"] == ["shared-name", "west-only"]
    assert list(destinations(east, "shared-name")) == ["east"]
    assert destinations(west, "shared-name") == {}
    with api_error("NotFoundException", 404):
        east.get_configuration_set(ConfigurationSetName="west-only")


def test_seeded_regions_are_seen_by_their_region_only(emulator: Emulator, make_client: Any) -> None:
    emulator.reset(document({"ap-southeast-2": {"sydney": {}}, "us-east-1": {"virginia": {}}}))
    sydney = make_client("sesv2", "ap-southeast-2")
    assert sydney.list_configuration_sets()["ConfigurationSets"] == ["sydney"]
    assert make_client("sesv2", "us-east-2").list_configuration_sets()["ConfigurationSets"] == []


def test_unsigned_requests_use_us_east_1(emulator: Emulator) -> None:
    emulator.reset(document({"us-east-1": {"virginia": {}}, "eu-west-1": {"ireland": {}}}))
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port)
    connection.request("GET", "/v1/email/configuration-sets")
    response = connection.getresponse()
    assert response.status == 200
    assert json.loads(response.read())["ConfigurationSets"] == ["virginia"]
    connection.close()
