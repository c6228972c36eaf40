"""Many accounts: real boto3 STS, Organizations and SES clients over HTTP against the emulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from driftcheck.emulator import Emulator, Faults, start_emulator
from driftcheck.errors import ApiError
from driftcheck.live import ClientSettings, read_live_state
from driftcheck.live.sessions import (
    RefreshWindows,
    connect_accounts,
    fleet_of,
    list_organization_accounts,
    name_listed_accounts,
)
from driftcheck.model import Api, SetKey, SetStatus, Source
from driftcheck.targets import Account, parse_accounts

PROD, STAGING, TENANT, SUSPENDED = "111111111111", "222222222222", "333333333333", "444444444444"
MANAGEMENT = "123456789012"  # the emulator's default account manages its organization
READ = "driftcheck-read"
SOURCE = Source("accounts.yaml", 1)
REGIONS = ("us-east-1", "eu-west-1")

pytestmark = pytest.mark.usefixtures("aws_env")


def sns(account: str, region: str) -> dict[str, Any]:
    return {
        "Enabled": True,
        "MatchingEventTypes": ["BOUNCE"],
        "SnsDestination": {"TopicArn": f"arn:aws:sns:{region}:{account}:bounces"},
    }


def estate(**roles: dict[str, Any]) -> dict[str, Any]:
    """PROD, STAGING and TENANT, each with `tx` in us-east-1 and eu-west-1 (their own ARNs)."""
    accounts: dict[str, Any] = {}
    for account, name in ((PROD, "prod"), (STAGING, "staging"), (TENANT, "tenant")):
        accounts[account] = {
            "name": name,
            "regions": {
                r: {"tx": {"bounces": sns(account, r)}} for r in ("us-east-1", "eu-west-1")
            },
        }
        if account in roles:
            accounts[account]["roles"] = roles[account]
    accounts[SUSPENDED] = {"name": "closed", "status": "SUSPENDED"}
    accounts[MANAGEMENT] = {"name": "management"}
    return {"version": 1, "accounts": accounts}


def account(name: str, account_id: str, role: str = READ, **extra: Any) -> Account:
    return Account(
        name,
        account_id,
        ("us-east-1", "eu-west-1"),
        SOURCE,
        role=f"arn:aws:iam::{account_id}:role/{role}",
        **extra,
    )


def keys_of(*accounts: Account) -> list[SetKey]:
    return [
        SetKey(api, region, "tx", account=a.account_id, account_name=a.name)
        for a in accounts
        for region in a.regions
        for api in (Api.PINPOINT_EMAIL,)
    ]


@pytest.fixture
def sts_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """STS and Organizations at the emulator through their standard endpoint variables."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", emulator.url)
    return emulator


def settings(emulator: Emulator, **overrides: Any) -> ClientSettings:
    return ClientSettings(endpoint_url=emulator.url, **overrides)


def assume_role_calls(emulator: Emulator) -> int:
    return emulator.stats().by_api.get("sts", {}).get("AssumeRole", 0)


def test_each_account_is_read_with_its_own_role_one_assume_role_each(sts_env: Emulator) -> None:
    sts_env.reset(estate())
    fleet = [account("prod", PROD), account("staging", STAGING), account("tenant", TENANT)]
    sessions = connect_accounts(fleet, settings(sts_env))
    live = read_live_state(keys_of(*fleet), settings(sts_env), sessions=sessions)
    assert len(live.sets) == 6
    for key, live_set in live.sets.items():
        assert live_set.status is SetStatus.PRESENT, live_set.error
        # each account's own sets: the ARN holds that account's id and that region
        assert live_set.destinations == {"bounces": sns(key.account, key.region)}
    assert assume_role_calls(sts_env) == 3
    targets = sts_env.stats().by_target
    assert {t for t in targets} == {
        f"{a}/{r}" for a in (PROD, STAGING, TENANT) for r in ("us-east-1", "eu-west-1")
    }


def test_the_session_name_and_external_id_are_sent(sts_env: Emulator) -> None:
    sts_env.reset(estate(**{PROD: {READ: {"external_id": "s3cret-id"}}}))
    right = account("prod", PROD, external_id="s3cret-id")
    wrong = account("staging", STAGING)  # staging trusts anyone; prod needs its id
    sessions = connect_accounts([right, wrong], settings(sts_env), role_session_name="ci-run-42")
    assert not sessions.failures
    live = read_live_state(keys_of(right), settings(sts_env), sessions=sessions)
    assert all(s.status is SetStatus.PRESENT for s in live.sets.values())
    identity = (
        sessions.session(PROD).create_client("sts", region_name="us-east-1").get_caller_identity()
    )
    assert identity["Arn"] == f"arn:aws:sts::{PROD}:assumed-role/{READ}/ci-run-42"


def test_a_denied_role_and_a_wrong_external_id_make_only_their_accounts_errors(
    sts_env: Emulator,
) -> None:
    sts_env.reset(
        estate(**{PROD: {READ: {"denied": True}}, STAGING: {READ: {"external_id": "right"}}})
    )
    denied = account("prod", PROD)
    wrong_id = account("staging", STAGING, external_id="wrong")
    good = account("tenant", TENANT)
    sessions = connect_accounts([denied, wrong_id, good], settings(sts_env))
    assert set(sessions.failures) == {PROD, STAGING}
    for failed in (PROD, STAGING):
        failure = sessions.failures[failed]
        assert failure.code == "AccessDenied"
        assert f"cannot assume the role arn:aws:iam::{failed}:role/{READ}" in failure.message
        assert "wrong" not in failure.message and "right" not in failure.message  # secrets
    live = read_live_state(keys_of(denied, wrong_id, good), settings(sts_env), sessions=sessions)
    by_account = {k.account: s.status for k, s in live.sets.items()}
    assert by_account == {
        PROD: SetStatus.ERROR,
        STAGING: SetStatus.ERROR,
        TENANT: SetStatus.PRESENT,
    }
    # the sets of the bad accounts were not even tried: only the good account's were read
    assert set(sts_env.stats().by_target) == {f"{TENANT}/us-east-1", f"{TENANT}/eu-west-1"}


def test_an_account_that_denies_reads_does_not_hide_the_others(sts_env: Emulator) -> None:
    sts_env.reset(estate())
    sts_env.set_faults(Faults(deny_accounts=frozenset({STAGING})))
    fleet = [account("prod", PROD), account("staging", STAGING)]
    sessions = connect_accounts(fleet, settings(sts_env))
    live = read_live_state(
        keys_of(*fleet), settings(sts_env, max_attempts=1), sessions=sessions, list_sets=True
    )
    statuses = {(k.account, k.region): s.status for k, s in live.sets.items()}
    assert statuses == {
        (PROD, "us-east-1"): SetStatus.PRESENT,
        (PROD, "eu-west-1"): SetStatus.PRESENT,
        (STAGING, "us-east-1"): SetStatus.ERROR,
        (STAGING, "eu-west-1"): SetStatus.ERROR,
    }
    assert all(
        s.error is not None and s.error.code == "AccessDeniedException"
        for k, s in live.sets.items()
        if k.account == STAGING
    )
    # listing is per (account, api, region); the denied account has none
    assert live.listed == {
        (PROD, Api.PINPOINT_EMAIL, "eu-west-1"): ("tx",),
        (PROD, Api.PINPOINT_EMAIL, "us-east-1"): ("tx",),
    }


def test_expiring_credentials_are_refreshed_during_a_run(sts_env: Emulator) -> None:
    document = estate()
    document["sts"] = {"credential_lifetime_seconds": 4}
    sts_env.reset(document)
    sessions = connect_accounts([account("prod", PROD)], settings(sts_env))
    assert assume_role_calls(sts_env) == 1
    # 10 reads, 1 a second: the run outlives the 4-second credentials twice
    keys = [SetKey(Api.PINPOINT_EMAIL, "us-east-1", f"s{i}", account=PROD) for i in range(9)]
    keys.append(SetKey(Api.PINPOINT_EMAIL, "us-east-1", "tx", account=PROD))
    started = time.monotonic()
    live = read_live_state(keys, settings(sts_env), sessions=sessions, max_rps=1.0)
    assert time.monotonic() - started > 8  # the first credentials had long expired
    # every read was signed with valid credentials: found or missing, never ExpiredToken
    assert [s.status for s in live.sets.values()].count(SetStatus.MISSING) == 9
    assert live.sets[keys[-1]].status is SetStatus.PRESENT
    assert assume_role_calls(sts_env) >= 3  # refreshed before each expiry


def test_refresh_windows_are_botocore_s_for_an_hour_and_shrink_with_the_lifetime() -> None:
    assert RefreshWindows.for_lifetime(3600) == RefreshWindows(900, 600)
    assert RefreshWindows.for_lifetime(43200) == RefreshWindows(900, 600)
    assert RefreshWindows.for_lifetime(900) == RefreshWindows(225, 150)
    assert RefreshWindows.for_lifetime(-5) == RefreshWindows(0, 0)


def test_the_organization_lists_its_active_accounts_only(sts_env: Emulator) -> None:
    sts_env.reset(estate())
    listed = dict(list_organization_accounts(settings(sts_env)))
    assert listed == {
        PROD: "prod",
        STAGING: "staging",
        TENANT: "tenant",
        MANAGEMENT: "management",
    }  # not the SUSPENDED one
    assert sts_env.stats().by_api.get("organizations", {}).get("ListAccounts", 0) >= 1


def test_the_fleet_of_an_organization_keeps_the_file_s_accounts_and_excludes(
    sts_env: Emulator,
) -> None:
    sts_env.reset(estate())
    text = f"""
version: 1
accounts:
  prod: {{account_id: "{PROD}", role: "arn:aws:iam::{PROD}:role/special", regions: [eu-west-1]}}
organization:
  role: arn:aws:iam::${{account_id}}:role/{READ}
  regions: [us-east-1]
  exclude: ["{MANAGEMENT}"]
"""
    fleet = fleet_of(parse_accounts(text.encode(), "accounts.yaml"), settings(sts_env))
    assert [(a.name, a.account_id, a.role) for a in fleet] == [
        ("prod", PROD, f"arn:aws:iam::{PROD}:role/special"),
        ("staging", STAGING, f"arn:aws:iam::{STAGING}:role/{READ}"),
        ("tenant", TENANT, f"arn:aws:iam::{TENANT}:role/{READ}"),
    ]


def test_listing_an_organization_from_a_member_account_is_one_error(
    sts_env: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    sts_env.reset(estate())
    sessions = connect_accounts([account("prod", PROD)], settings(sts_env))
    credentials = sessions.session(PROD).get_credentials().get_frozen_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials.token)
    with pytest.raises(
        ApiError, match="cannot list the accounts of the organization: AccessDeniedException: "
    ):
        list_organization_accounts(settings(sts_env))


def test_listed_accounts_are_named_by_their_name_when_it_is_a_usable_one() -> None:
    listed = [
        ("111111111111", "tenant-a"),
        ("222222222222", "Tenant B (EU)"),  # spaces: not an account name
        ("333333333333", "prod"),  # taken by the accounts file
        ("444444444444", "tenant-a"),  # taken by the first
    ]
    assert name_listed_accounts(listed, ["prod"]) == [
        ("111111111111", "tenant-a"),
        ("222222222222", "222222222222"),
        ("333333333333", "333333333333"),
        ("444444444444", "444444444444"),
    ]


@pytest.fixture
def other_emulator() -> Iterator[Emulator]:
    with start_emulator() as emu:
        yield emu


def test_endpoint_url_is_for_ses_only_sts_uses_its_own_variable(
    sts_env: Emulator, other_emulator: Emulator
) -> None:
    sts_env.reset(estate())
    other_emulator.reset(estate())
    # --endpoint-url names other_emulator (SES); AWS_ENDPOINT_URL_STS names sts_env
    connect_accounts([account("prod", PROD)], settings(other_emulator))
    assert assume_role_calls(sts_env) == 1
    assert assume_role_calls(other_emulator) == 0
