"""One script of sesv2 configuration-set calls, run against moto and against the emulator.

moto implements four of the emulated operations for sesv2: CreateConfigurationSet,
GetConfigurationSet, ListConfigurationSets and DeleteConfigurationSet (neither the
event-destination operations nor pinpoint-email). Both servers get the same calls through real
boto3 clients over HTTP, and each step must give the same outcome: the HTTP status and the answer
(NextToken values are opaque, only their presence is compared), or the error code. Where moto
departs from AWS's own description of the API (the sesv2 service model's declared errors, the
SES name rules), :data:`KNOWN_DIFFERENCES` says why, and the test asserts both outcomes exactly:
a fixed moto, or a changed emulator, shows up here instead of being averaged away.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.request import Request, urlopen

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from driftcheck.emulator import Emulator
from tests.emulator.conftest import NO_RETRIES, ClientFactory

NEXT_TOKEN = "<the NextToken of the previous answer>"
OPTIONS = {"Tags": [{"Key": "team", "Value": "mail"}], "SendingOptions": {"SendingEnabled": True}}


def moto_get(name: str, **given: Any) -> tuple[str, int, dict[str, Any]]:
    """moto's GetConfigurationSet answer: every option member, empty unless given on create,
    and sending disabled whatever the SendingOptions given."""
    empty = ("Delivery", "Reputation", "Suppression", "Tracking", "Vdm")
    answer = {"ConfigurationSetName": name, **{f"{kind}Options": {} for kind in empty}}
    return ("ok", 200, {**answer, "Tags": [], **given, "SendingOptions": {"SendingEnabled": False}})


@dataclass(frozen=True)
class Step:
    name: str
    operation: str
    params: dict[str, Any]


SCRIPT = (
    Step("list with no set", "list_configuration_sets", {}),
    Step("create a", "create_configuration_set", {"ConfigurationSetName": "a"}),
    Step("create b", "create_configuration_set", {"ConfigurationSetName": "b"}),
    Step("create c", "create_configuration_set", {"ConfigurationSetName": "c"}),
    Step("create a again", "create_configuration_set", {"ConfigurationSetName": "a"}),
    Step("get a", "get_configuration_set", {"ConfigurationSetName": "a"}),
    Step("get a missing set", "get_configuration_set", {"ConfigurationSetName": "nope"}),
    Step("list page 1", "list_configuration_sets", {"PageSize": 2}),
    Step("list page 2", "list_configuration_sets", {"PageSize": 2, "NextToken": NEXT_TOKEN}),
    Step("list with a bad token", "list_configuration_sets", {"NextToken": "not-a-token"}),
    Step("delete b", "delete_configuration_set", {"ConfigurationSetName": "b"}),
    Step("delete b again", "delete_configuration_set", {"ConfigurationSetName": "b"}),
    Step("list after the delete", "list_configuration_sets", {}),
    Step(
        "create t with options",
        "create_configuration_set",
        {"ConfigurationSetName": "t", **OPTIONS},
    ),
    Step("get t", "get_configuration_set", {"ConfigurationSetName": "t"}),
    Step("create a name with a space", "create_configuration_set", {"ConfigurationSetName": "a b"}),
    Step(
        "create a 65-character name", "create_configuration_set", {"ConfigurationSetName": "n" * 65}
    ),
)

# step -> (moto's outcome, the emulator's outcome, why they differ)
KNOWN_DIFFERENCES: dict[str, tuple[Any, Any, str]] = {
    "create a again": (
        ("error", 400, "ConfigurationSetAlreadyExistsException"),
        ("error", 400, "AlreadyExistsException"),
        "moto answers an error code that the sesv2 model does not declare; the model's "
        "CreateConfigurationSet declares AlreadyExistsException for an existing name",
    ),
    "get a": (
        moto_get("a"),
        ("ok", 200, {"ConfigurationSetName": "a"}),
        "both name the set; moto also answers every option member, empty, and sending disabled "
        "for a set created without options; AWS does not document what it fills in for one, so "
        "the emulator answers only what the set was created with",
    ),
    "get t": (
        moto_get("t", Tags=OPTIONS["Tags"]),
        ("ok", 200, {"ConfigurationSetName": "t", **OPTIONS}),
        "both answer the Tags given on create; moto ignores the SendingOptions given (it answers "
        "sending disabled whatever was asked) and adds the other members, empty (as for `get a`)",
    ),
    "list with a bad token": (
        ("error", 400, "InvalidToken"),
        ("error", 400, "BadRequestException"),
        "moto's generic pagination error code; the model's ListConfigurationSets declares only "
        "BadRequestException (and TooManyRequestsException)",
    ),
    "delete b again": (
        ("error", 500, "500"),
        ("error", 404, "NotFoundException"),
        "moto's backend fails (KeyError) on a missing name; the model's DeleteConfigurationSet "
        "declares NotFoundException (HTTP 404)",
    ),
    "create a name with a space": (
        ("ok", 200, {}),
        ("error", 400, "BadRequestException"),
        "moto accepts any name; SES names are 1 to 64 letters, digits, `-` and `_`",
    ),
    "create a 65-character name": (
        ("ok", 200, {}),
        ("error", 400, "BadRequestException"),
        "moto accepts any name; SES names are at most 64 characters",
    ),
}


@pytest.fixture
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto's backends live in this process: start from empty ones whatever ran before.
    with urlopen(Request(f"{url}/moto-api/reset", b"", method="POST"), timeout=10):
        pass
    try:
        yield url
    finally:
        server.stop()


def run_script(client: Any) -> dict[str, Any]:
    """Each step's outcome: ("ok", status, answer) or ("error", status, code)."""
    outcomes: dict[str, Any] = {}
    token = None
    for step in SCRIPT:
        params = {k: token if v == NEXT_TOKEN else v for k, v in step.params.items()}
        try:
            answer = getattr(client, step.operation)(**params)
        except ClientError as e:
            error = e.response
            status = error["ResponseMetadata"]["HTTPStatusCode"]
            outcomes[step.name] = ("error", status, error["Error"]["Code"])
            continue
        status = answer.pop("ResponseMetadata")["HTTPStatusCode"]
        token = answer.get("NextToken")
        if token is not None:
            answer["NextToken"] = NEXT_TOKEN
        outcomes[step.name] = ("ok", status, answer)
    return outcomes


def test_moto_and_the_emulator_answer_one_script_alike(
    moto_url: str,
    emulator: Emulator,
    connect: ClientFactory,
    boto_session: boto3.session.Session,
) -> None:
    moto = run_script(boto_session.client("sesv2", endpoint_url=moto_url, config=NO_RETRIES))
    emulated = run_script(connect(emulator, "sesv2"))

    for step in SCRIPT:
        if step.name in KNOWN_DIFFERENCES:
            moto_outcome, emulator_outcome, _why = KNOWN_DIFFERENCES[step.name]
            assert (moto[step.name], emulated[step.name]) == (moto_outcome, emulator_outcome), step
        else:
            assert moto[step.name] == emulated[step.name], step
    # The steps both agree on, spelled out: the comparison above is not vacuous.
    assert emulated["list page 1"] == (
        "ok",
        200,
        {"ConfigurationSets": ["a", "b"], "NextToken": NEXT_TOKEN},
    )
    assert emulated["list page 2"] == ("ok", 200, {"ConfigurationSets": ["c"]})
    assert emulated["get a missing set"] == ("error", 404, "NotFoundException")
    assert emulated["list after the delete"] == ("ok", 200, {"ConfigurationSets": ["a", "c"]})
