"""State documents with accounts: the old format is the default account; round trips; refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from driftcheck.emulator import Emulator
from driftcheck.emulator.identity import DEFAULT_ACCOUNT, Identity
from driftcheck.errors import EmulatorError
from tests.emulator.conftest import ClientFactory
from tests.emulator.helpers import cloudwatch, destinations, document, request, sns

PROD = "111111111111"
FLEET: dict[str, Any] = {
    "version": 1,
    "regions": {"us-east-1": {"shared-name": {"default": sns("SEND")}}},
    "accounts": {
        DEFAULT_ACCOUNT: {"name": "management"},
        PROD: {
            "name": "prod",
            "email": "prod@example.com",
            "status": "SUSPENDED",
            "joined_method": "INVITED",
            "joined_timestamp": "2023-02-03T04:05:06Z",
            "regions": {
                "us-east-1": {"shared-name": {"prod": sns("BOUNCE")}},
                "eu-west-1": {"metrics": {"m": cloudwatch(1)}},
            },
            "roles": {"read": {"external_id": "x"}, "gone": {"denied": True}},
        },
        "222222222222": {},
    },
    "organization": {
        "enabled": True,
        "management_account": DEFAULT_ACCOUNT,
        "delegated_administrators": [PROD],
    },
    "sts": {"credential_lifetime_seconds": 900},
}


def as_account(emulator: Emulator, account: str, make_client: ClientFactory, api: str) -> Any:
    """A client whose key ("testing") is an IAM user of ``account``."""
    emulator.identities.register(Identity.iam_user("testing", "tester", account))
    return make_client(api)


def test_the_single_account_format_is_the_default_account(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    emulator.reset(document({"us-east-1": {"old": {"d": sns()}}}))
    assert destinations(make_client("sesv2"), "old")["d"]["SnsDestination"]
    assert make_client("sts").get_caller_identity()["Account"] == DEFAULT_ACCOUNT
    assert emulator.state == document({"us-east-1": {"old": {"d": sns()}}})  # dumped as it was


def test_each_account_sees_its_own_sets_under_the_same_name(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    emulator.reset(FLEET)
    assert list(destinations(make_client("sesv2"), "shared-name")) == ["default"]
    prod = as_account(emulator, PROD, make_client, "pinpoint-email")
    assert list(destinations(prod, "shared-name")) == ["prod"]


def test_accounts_round_trip_through_the_control_endpoints(
    emulator: Emulator, tmp_path: Path
) -> None:
    assert request(emulator, "POST", "/_emulator/reset", FLEET) == (200, {})
    status, dumped = request(emulator, "GET", "/_emulator/state")
    assert status == 200
    assert dumped["accounts"][PROD]["roles"] == {
        "gone": {"denied": True},
        "read": {"external_id": "x"},
    }
    assert dumped["accounts"][PROD]["joined_timestamp"] == "2023-02-03T04:05:06Z"
    assert dumped["accounts"]["222222222222"]["name"] == "account-222222222222"  # defaults shown
    assert dumped["sts"] == FLEET["sts"] and dumped["organization"] == FLEET["organization"]
    assert "regions" not in dumped["accounts"][DEFAULT_ACCOUNT]  # its sets are the top level

    assert request(emulator, "POST", "/_emulator/reset", dumped) == (200, {})
    assert request(emulator, "GET", "/_emulator/state") == (200, dumped)
    (tmp_path / "fleet.json").write_text(json.dumps(dumped), encoding="utf-8")
    with Emulator(state=tmp_path / "fleet.json") as second:
        assert second.state == dumped


def test_sets_written_by_a_caller_of_an_undeclared_account_are_dumped_under_it(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    sesv2 = as_account(emulator, "555555555555", make_client, "sesv2")
    sesv2.create_configuration_set(ConfigurationSetName="new")
    assert emulator.state == {
        "version": 1,
        "regions": {},
        "accounts": {"555555555555": {"regions": {"us-east-1": {"new": {}}}}},
    }


BAD_ACCOUNTS: dict[str, tuple[Any, str]] = {
    "short id": ({"1234": {}}, "accounts.1234: an account id is 12 digits"),
    "unknown key": ({PROD: {"nmae": "x"}}, "unknown key of accounts.111111111111 'nmae'"),
    "default sets twice": ({DEFAULT_ACCOUNT: {"regions": {}}}, "top-level regions"),
    "status": ({PROD: {"status": "GONE"}}, "accounts.111111111111.status must be one of"),
    "joined": ({PROD: {"joined_timestamp": "yesterday"}}, "joined_timestamp must be an ISO"),
    "bad set": (
        {PROD: {"regions": {"us-east-1": {"bad name": {}}}}},
        "accounts.111111111111.regions.us-east-1.bad name",
    ),
    "role name": ({PROD: {"roles": {"a b": {}}}}, "'a b' is not a valid IAM role name"),
    "role key": ({PROD: {"roles": {"r": {"externalid": "x"}}}}, "unknown key of accounts"),
    "role denied": ({PROD: {"roles": {"r": {"denied": "yes"}}}}, "denied must be true or false"),
    "session": ({PROD: {"roles": {"r": {"max_session_seconds": 60}}}}, "must be an integer >="),
}


@pytest.mark.parametrize(
    ("accounts", "expected"), BAD_ACCOUNTS.values(), ids=list(BAD_ACCOUNTS.keys())
)
def test_an_invalid_account_is_one_located_sentence(accounts: Any, expected: str) -> None:
    with pytest.raises(EmulatorError) as caught:
        Emulator(state={"version": 1, "accounts": accounts})
    message = str(caught.value)
    assert expected in message and "\n" not in message and message.endswith(".")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"sts": {"credential_lifetime_seconds": 0}}, "sts.credential_lifetime_seconds"),
        ({"sts": {"lifetime": 5}}, "unknown key of sts 'lifetime'"),
        ({"organization": {"management_account": "12"}}, "'12' is not a 12-digit account id"),
        ({"organization": {"enabled": "no"}}, "organization.enabled must be true or false"),
        ({"accounts": []}, '"accounts" must be a JSON object'),
    ],
)
def test_invalid_sts_and_organization_settings_are_refused(
    extra: dict[str, Any], expected: str
) -> None:
    with pytest.raises(EmulatorError, match="The emulator state is invalid") as caught:
        Emulator(state={"version": 1, **extra})
    assert expected in str(caught.value)
