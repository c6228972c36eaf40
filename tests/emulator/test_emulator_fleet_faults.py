"""Faults across accounts: one rate bucket per (account, region), slow targets, denied accounts."""

from __future__ import annotations

from typing import Any

import pytest

from driftcheck.emulator import Emulator, Faults
from driftcheck.emulator.identity import DEFAULT_ACCOUNT, Identity
from driftcheck.errors import EmulatorError
from tests.emulator.conftest import NO_RETRIES
from tests.emulator.helpers import api_error, count_codes

PROD = "111111111111"
SETS = {"us-east-1": {"s": {}}, "eu-west-1": {"s": {}}}
FLEET = {"version": 1, "regions": SETS, "accounts": {PROD: {"regions": SETS}}}


@pytest.fixture
def fleet(emulator: Emulator) -> Emulator:
    emulator.reset(FLEET)
    emulator.identities.register(Identity.iam_user("PRODKEY", "reader", PROD))
    return emulator


@pytest.fixture
def client(boto_session: Any, fleet: Emulator) -> Any:
    """``client(account, region)``: an sesv2 client whose key belongs to ``account``."""

    def make(account: str, region: str) -> Any:
        key = "PRODKEY" if account == PROD else "testing"
        return boto_session.client(
            "sesv2",
            region_name=region,
            endpoint_url=fleet.url,
            aws_access_key_id=key,
            aws_secret_access_key="secret",
            config=NO_RETRIES,
        )

    return make


def get(client: Any) -> Any:
    return lambda: client.get_configuration_set(ConfigurationSetName="s")


def test_each_account_and_region_has_its_own_rate_bucket(fleet: Emulator, client: Any) -> None:
    fleet.set_faults(Faults(max_rps=0.01))  # a burst of 1 per bucket, then a token every 100 s
    targets = [(a, r) for a in (DEFAULT_ACCOUNT, PROD) for r in ("us-east-1", "eu-west-1")]

    counts = {target: count_codes(get(client(*target)), 3) for target in targets}

    # every target gets its burst whatever the others did: 4 buckets, not one
    burst_then_throttled = {("", 200): 1, ("TooManyRequestsException", 429): 2}
    assert counts == dict.fromkeys(targets, burst_then_throttled)
    stats = fleet.stats()
    assert stats.throttled == {"GetConfigurationSet": 8}
    assert stats.by_target == {
        f"{account}/{region}": {"calls": 3, "throttled": 2} for account, region in targets
    }


def test_a_target_can_have_its_own_cap(fleet: Emulator, client: Any) -> None:
    fleet.set_faults(Faults(max_rps=1000, target_max_rps={f"{PROD}/eu-west-1": 0.01}))

    slow = count_codes(get(client(PROD, "eu-west-1")), 3)
    fast = count_codes(get(client(PROD, "us-east-1")), 3)

    assert slow == {("", 200): 1, ("TooManyRequestsException", 429): 2}
    assert fast == {("", 200): 3}
    assert fleet.stats().to_json()["by_target"] == {
        f"{PROD}/eu-west-1": {"calls": 3, "throttled": 2},
        f"{PROD}/us-east-1": {"calls": 3, "throttled": 0},
    }


def test_a_denied_account_cannot_read_while_others_can(fleet: Emulator, client: Any) -> None:
    fleet.set_faults(Faults(deny_accounts=frozenset({PROD})))
    with api_error("AccessDeniedException", 403) as caught:
        client(PROD, "us-east-1").list_configuration_sets()
    message = caught.value.response["Error"]["Message"]
    assert message == "User is not authorized to perform ses:ListConfigurationSets"
    assert client(DEFAULT_ACCOUNT, "us-east-1").list_configuration_sets()["ConfigurationSets"]


def test_fleet_faults_round_trip_and_are_checked() -> None:
    faults = Faults(
        max_rps=5, deny_accounts=frozenset({PROD}), target_max_rps={f"{PROD}/us-east-1": 1}
    )
    assert Faults.from_json(faults.to_json()) == faults
    assert faults.cap(PROD, "us-east-1") == 1 and faults.cap(PROD, "eu-west-1") == 5
    for bad in ({"target_max_rps": {"prod/us-east-1": 1}}, {"target_max_rps": {f"{PROD}": 1}}):
        with pytest.raises(EmulatorError, match="ACCOUNT/REGION"):
            Faults.from_json(bad)
    with pytest.raises(EmulatorError, match="max_rps must be a number > 0"):
        Faults(target_max_rps={f"{PROD}/us-east-1": 0})
    with pytest.raises(EmulatorError, match="deny_accounts must be a list of account ids"):
        Faults.from_json({"deny_accounts": PROD})
