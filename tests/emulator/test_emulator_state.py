"""State documents: loading seeds, dumping, resetting, and refusing invalid state clearly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from driftcheck.emulator import DEMO_STATE, Emulator, start_emulator
from driftcheck.emulator.identity import DEFAULT_ACCOUNT
from driftcheck.emulator.state import read_state_file
from driftcheck.errors import EmulatorError
from tests.emulator.helpers import (
    EVENT_BUS,
    TOPIC,
    cloudwatch,
    destinations,
    document,
    request,
    sns,
)

SEED = document(
    {
        "us-east-1": {
            "empty": {},
            "busy": {
                "alerts": sns("SEND", "BOUNCE"),
                "bus": {
                    "MatchingEventTypes": ["DELIVERY_DELAY"],
                    "EventBridgeDestination": {"EventBusArn": EVENT_BUS},
                },
            },
        },
        "eu-west-1": {"ireland": {"metrics": cloudwatch(2)}},
    }
)


def write(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_seed_file_is_served(tmp_path: Path, connect: Any) -> None:
    with start_emulator(state=write(tmp_path / "seed.json", SEED)) as emu:
        sesv2 = connect(emu, "sesv2")
        assert sesv2.list_configuration_sets()["ConfigurationSets"] == ["busy", "empty"]
        assert destinations(sesv2, "busy") == {
            "alerts": {
                "Enabled": True,
                "MatchingEventTypes": ["BOUNCE", "SEND"],
                "SnsDestination": {"TopicArn": TOPIC},
            },
            "bus": {
                "Enabled": False,
                "MatchingEventTypes": ["DELIVERY_DELAY"],
                "EventBridgeDestination": {"EventBusArn": EVENT_BUS},
            },
        }
        assert destinations(connect(emu, "pinpoint-email", "eu-west-1"), "ireland") == {
            "metrics": cloudwatch(2)
        }


def test_dump_round_trip(tmp_path: Path) -> None:
    with Emulator(state=SEED) as first:
        dumped = first.state
    # The dump is the stored form: defaults filled in, event types sorted.
    assert dumped["regions"]["us-east-1"]["busy"]["alerts"]["MatchingEventTypes"] == [
        "BOUNCE",
        "SEND",
    ]
    assert dumped["regions"]["us-east-1"]["busy"]["bus"]["Enabled"] is False
    assert dumped["regions"]["us-east-1"]["empty"] == {}

    with Emulator(state=write(tmp_path / "dump.json", dumped)) as second:
        assert second.state == dumped


def test_dump_is_a_copy(emulator: Emulator) -> None:
    emulator.reset(SEED)
    dumped = emulator.state
    dumped["regions"]["us-east-1"]["busy"]["alerts"]["Enabled"] = False
    assert emulator.state["regions"]["us-east-1"]["busy"]["alerts"]["Enabled"] is True


def test_seed_document_is_not_shared(emulator: Emulator) -> None:
    seed = json.loads(json.dumps(SEED))
    emulator.reset(seed)
    seed["regions"]["us-east-1"]["busy"]["alerts"]["SnsDestination"]["TopicArn"] = "changed"
    assert emulator.state["regions"]["us-east-1"]["busy"]["alerts"]["SnsDestination"] == {
        "TopicArn": TOPIC
    }


def test_demo_state_is_valid_and_realistic() -> None:
    document = read_state_file(DEMO_STATE)
    assert set(document.sets) == {DEFAULT_ACCOUNT}  # the single-account format
    regions = document.sets[DEFAULT_ACCOUNT]
    assert set(regions) == {"us-east-1"}
    assert set(regions["us-east-1"]) == {"marketing", "transactional"}
    blocks = {
        block
        for dests in regions["us-east-1"].values()
        for definition in dests.values()
        for block in definition
        if block.endswith("Destination")
    }
    assert blocks == {
        "SnsDestination",
        "KinesisFirehoseDestination",
        "CloudWatchDestination",
        "PinpointDestination",
    }
    metrics = regions["us-east-1"]["marketing"]["campaign-metrics"]
    assert len(metrics["CloudWatchDestination"]["DimensionConfigurations"]) == 2


BAD_DOCUMENTS: dict[str, Any] = {
    "not an object": [],
    "no version": {"regions": {}},
    "wrong version": {"version": 2, "regions": {}},
    "unknown key": {"version": 1, "regions": {}, "extra": 1},
    "regions not an object": {"version": 1, "regions": []},
    "set not an object": document({"us-east-1": {"s": []}}),
    "bad set name": document({"us-east-1": {"bad name": {}}}),
    "bad destination name": document({"us-east-1": {"s": {"bad.name": sns()}}}),
    "two destination types": document({"us-east-1": {"s": {"d": {**sns(), **cloudwatch(1)}}}}),
    "unknown event type": document({"us-east-1": {"s": {"d": sns("BOUNCES")}}}),
    "no event types": document({"us-east-1": {"s": {"d": {**sns(), "MatchingEventTypes": []}}}}),
    "wrong member type": document({"us-east-1": {"s": {"d": {**sns(), "Enabled": "yes"}}}}),
    "name inside definition": document({"us-east-1": {"s": {"d": {**sns(), "Name": "d"}}}}),
    "too many destinations": document({"us-east-1": {"s": {f"d{i}": sns() for i in range(11)}}}),
    "too many dimensions": document({"us-east-1": {"s": {"d": cloudwatch(11)}}}),
}


@pytest.mark.parametrize("data", BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS.keys())
def test_invalid_state_file_is_one_clear_emulator_error(tmp_path: Path, data: Any) -> None:
    path = write(tmp_path / "state.json", data)
    with pytest.raises(EmulatorError) as caught:
        Emulator(state=path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    assert message.endswith(".")


def test_invalid_definition_error_names_its_location(tmp_path: Path) -> None:
    path = write(tmp_path / "state.json", BAD_DOCUMENTS["two destination types"])
    with pytest.raises(EmulatorError, match=r"regions\.us-east-1\.s\.d: Please provide only one"):
        Emulator(state=path)


@pytest.mark.parametrize("text", ["{not json", "", '{"version": 1, "regions": {}'])
def test_state_file_that_is_not_json(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "state.json", text)
    with pytest.raises(EmulatorError, match="is not valid JSON") as caught:
        Emulator(state=path)
    assert str(path) in str(caught.value)


def test_unreadable_state_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(EmulatorError, match="Cannot read emulator state file") as caught:
        Emulator(state=missing)
    assert str(missing) in str(caught.value)
    with pytest.raises(EmulatorError, match="Cannot read"):
        Emulator(state=tmp_path)  # a directory


def test_reset_with_invalid_state_keeps_the_old_state(emulator: Emulator) -> None:
    emulator.reset(SEED)
    with pytest.raises(EmulatorError):
        emulator.reset(BAD_DOCUMENTS["unknown event type"])
    assert "busy" in emulator.state["regions"]["us-east-1"]


def test_control_endpoints(emulator: Emulator, pinpoint: Any) -> None:
    assert request(emulator, "POST", "/_emulator/reset", SEED) == (200, {})
    assert request(emulator, "GET", "/_emulator/state") == (200, emulator.state)
    pinpoint.list_configuration_sets()

    status, stats = request(emulator, "GET", "/_emulator/stats")
    assert status == 200
    assert stats["calls"] == {"ListConfigurationSets": 1}
    assert stats["by_api"] == {"pinpoint-email": {"ListConfigurationSets": 1}}

    status, faults = request(emulator, "POST", "/_emulator/faults", {"latency_ms": 5})
    assert status == 200 and faults["latency_ms"] == 5
    assert emulator.faults.latency_ms == 5
    assert request(emulator, "GET", "/_emulator/faults")[1] == faults

    assert request(emulator, "POST", "/_emulator/stats/reset") == (200, {})
    assert request(emulator, "GET", "/_emulator/stats")[1]["total"] == 0
    assert "busy" in emulator.state["regions"]["us-east-1"]  # the state stays

    pinpoint.list_configuration_sets()
    assert request(emulator, "POST", "/_emulator/reset") == (200, {})
    assert emulator.state == {"version": 1, "regions": {}}
    assert request(emulator, "GET", "/_emulator/stats")[1]["total"] == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_emulator/reset", {"version": 3}),
        ("/_emulator/reset", "{nope"),
        ("/_emulator/faults", {"throttle_rate": 2}),
    ],
)
def test_control_endpoints_reject_bad_bodies(emulator: Emulator, path: str, body: Any) -> None:
    emulator.reset(SEED)
    status, data = request(emulator, "POST", path, body)
    assert status == 400
    assert data["message"]
    assert "busy" in emulator.state["regions"]["us-east-1"]
    assert emulator.faults.throttle_rate == 0
