"""STS through the real boto3 client: AssumeRole trust, keys bound to their account, expiry."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.credentials import DeferredRefreshableCredentials

from driftcheck.emulator import Emulator
from driftcheck.emulator.identity import DEFAULT_ACCOUNT
from tests.emulator.conftest import NO_RETRIES, ClientFactory
from tests.emulator.helpers import api_error, sns

PROD = "111111111111"
STAGING = "222222222222"
SUSPENDED = "444444444444"
READ = "driftcheck-read"


def role(account: str, name: str = READ) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


FLEET = {
    "version": 1,
    "regions": {"us-east-1": {"default-only": {}}},
    "accounts": {
        PROD: {
            "name": "prod",
            "regions": {
                "us-east-1": {"prod-set": {"alerts": sns("BOUNCE")}},
                "eu-west-1": {"prod-eu": {}},
            },
            "roles": {
                READ: {"external_id": "s3cret"},
                "locked": {"denied": True},
                "long": {"max_session_seconds": 7200},
            },
        },
        STAGING: {"name": "staging", "regions": {"us-east-1": {"staging-set": {}}}},
        SUSPENDED: {"status": "SUSPENDED"},
    },
}


@pytest.fixture
def fleet(emulator: Emulator) -> Emulator:
    emulator.reset(FLEET)
    return emulator


@pytest.fixture
def sts(make_client: ClientFactory) -> Any:
    return make_client("sts")


@pytest.fixture
def keyed(boto_session: Any, emulator: Emulator) -> ClientFactory:
    """``keyed(api, credentials, region="us-east-1")``: a client signing with issued keys."""

    def make(api: str, credentials: dict[str, Any], region: str = "us-east-1") -> Any:
        return boto_session.client(
            api,
            region_name=region,
            endpoint_url=emulator.url,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    return make


def set_names(client: Any) -> list[str]:
    names: list[str] = client.list_configuration_sets()["ConfigurationSets"]
    return names


def test_assumed_keys_read_the_sets_of_the_roles_account_only(
    fleet: Emulator, sts: Any, sesv2: Any, keyed: ClientFactory
) -> None:
    staging = sts.assume_role(RoleArn=role(STAGING), RoleSessionName="driftcheck")["Credentials"]
    prod = sts.assume_role(RoleArn=role(PROD), RoleSessionName="driftcheck", ExternalId="s3cret")[
        "Credentials"
    ]

    assert set_names(keyed("sesv2", staging)) == ["staging-set"]
    assert set_names(keyed("pinpoint-email", prod)) == ["prod-set"]
    assert set_names(keyed("sesv2", prod, "eu-west-1")) == ["prod-eu"]
    assert set_names(sesv2) == ["default-only"]  # the plain key: the default account
    # a write through prod's keys lands in prod only
    keyed("sesv2", prod).create_configuration_set(ConfigurationSetName="new-in-prod")
    state = fleet.state
    assert set(state["accounts"][PROD]["regions"]["us-east-1"]) == {"new-in-prod", "prod-set"}
    assert set(state["accounts"][STAGING]["regions"]["us-east-1"]) == {"staging-set"}
    assert set(state["regions"]["us-east-1"]) == {"default-only"}
    with api_error("NotFoundException", 404):
        keyed("sesv2", staging).get_configuration_set_event_destinations(
            ConfigurationSetName="prod-set"
        )


def test_assume_role_answers_as_aws_does(fleet: Emulator, sts: Any) -> None:
    before = time.time()
    answer = sts.assume_role(RoleArn=role(STAGING), RoleSessionName="nightly")
    credentials = answer["Credentials"]

    assert credentials["AccessKeyId"].startswith("ASIA") and len(credentials["AccessKeyId"]) == 20
    assert len(credentials["SecretAccessKey"]) == 40 and credentials["SessionToken"]
    remaining = credentials["Expiration"].timestamp() - before
    assert 3600 <= remaining <= 3602  # DurationSeconds defaults to one hour (whole seconds)
    user = answer["AssumedRoleUser"]
    assert user["Arn"] == f"arn:aws:sts::{STAGING}:assumed-role/{READ}/nightly"
    assert user["AssumedRoleId"].startswith("AROA") and user["AssumedRoleId"].endswith(":nightly")
    assert fleet.stats().by_api == {"sts": {"AssumeRole": 1}}


def test_get_caller_identity_of_plain_and_assumed_keys(
    fleet: Emulator, sts: Any, keyed: ClientFactory
) -> None:
    plain = sts.get_caller_identity()
    assert (plain["Account"], plain["Arn"]) == (
        DEFAULT_ACCOUNT,
        f"arn:aws:iam::{DEFAULT_ACCOUNT}:user/testing",
    )
    assert plain["UserId"].startswith("AIDA")

    answer = sts.assume_role(RoleArn=role(STAGING), RoleSessionName="who")
    assumed = keyed("sts", answer["Credentials"]).get_caller_identity()
    assert assumed["Account"] == STAGING
    assert assumed["Arn"] == answer["AssumedRoleUser"]["Arn"]
    assert assumed["UserId"] == answer["AssumedRoleUser"]["AssumedRoleId"]


def denied_message(caller_arn: str, role_arn: str) -> str:
    action = "is not authorized to perform: sts:AssumeRole"
    return f"User: {caller_arn} {action} on resource: {role_arn}"


@pytest.mark.parametrize(
    ("role_arn", "external_id"),
    [
        (role(PROD), None),  # the role requires an ExternalId
        (role(PROD), "guess"),  # a wrong one
        (role(PROD, "locked"), None),  # its trust policy does not name the caller
        (role(PROD, "unknown"), None),  # prod declares its roles: no such role
        (role("333333333333"), None),  # an account that is not in the state
        (role(SUSPENDED), None),  # nobody signs in to a suspended account
    ],
    ids=[
        "missing-external-id",
        "wrong-external-id",
        "denied",
        "no-such-role",
        "unknown-account",
        "suspended-account",
    ],
)
def test_untrusted_assume_role_is_access_denied(
    fleet: Emulator, sts: Any, role_arn: str, external_id: str | None
) -> None:
    extra = {} if external_id is None else {"ExternalId": external_id}
    with api_error("AccessDenied", 403) as caught:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="driftcheck", **extra)
    caller = f"arn:aws:iam::{DEFAULT_ACCOUNT}:user/testing"
    assert caught.value.response["Error"]["Message"] == denied_message(caller, role_arn)
    assert caught.value.response["Error"]["Type"] == "Sender"
    assert fleet.stats().errors == {"AssumeRole": 1}


def test_any_role_of_an_account_without_declared_roles_is_assumable(
    fleet: Emulator, sts: Any
) -> None:
    for arn in (role(STAGING, "anything"), role(DEFAULT_ACCOUNT), role(STAGING, "a/path/x")):
        sts.assume_role(RoleArn=arn, RoleSessionName="ss")
    assert fleet.stats().ok == {"AssumeRole": 3}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"RoleArn": role(PROD, "long"), "DurationSeconds": 7201}, "exceeds the MaxSession"),
        ({"RoleArn": role(STAGING), "DurationSeconds": 3601}, "exceeds the MaxSession"),
        ({"RoleArn": role(STAGING), "RoleSessionName": "has space"}, "roleSessionName"),
        ({"RoleArn": "arn:aws:iam::111111111111:user/bob-the-user"}, "is invalid"),
    ],
)
def test_invalid_assume_role_is_a_validation_error(
    fleet: Emulator, sts: Any, params: dict[str, Any], message: str
) -> None:
    with api_error("ValidationError", 400) as caught:
        sts.assume_role(**{"RoleSessionName": "ss", **params})
    assert message in caught.value.response["Error"]["Message"]


def test_a_longer_session_is_granted_up_to_the_roles_maximum(fleet: Emulator, sts: Any) -> None:
    before = time.time()
    credentials = sts.assume_role(
        RoleArn=role(PROD, "long"), RoleSessionName="ss", DurationSeconds=7200
    )["Credentials"]
    assert 7200 <= credentials["Expiration"].timestamp() - before <= 7202


def test_role_chaining_is_limited_to_one_hour(
    fleet: Emulator, sts: Any, keyed: ClientFactory
) -> None:
    first = sts.assume_role(RoleArn=role(STAGING), RoleSessionName="hop")["Credentials"]
    chained = keyed("sts", first)
    with api_error("ValidationError", 400):
        chained.assume_role(RoleArn=role(PROD, "long"), RoleSessionName="ss", DurationSeconds=7200)
    second = chained.assume_role(RoleArn=role(PROD, "long"), RoleSessionName="ss")
    assert second["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{PROD}:assumed-role/long/ss"


def test_issued_keys_without_their_session_token_are_invalid(
    fleet: Emulator, sts: Any, keyed: ClientFactory
) -> None:
    credentials = sts.assume_role(RoleArn=role(STAGING), RoleSessionName="ss")["Credentials"]
    forged = {**credentials, "SessionToken": "not-the-token"}
    with api_error("UnrecognizedClientException", 403):
        keyed("sesv2", forged).list_configuration_sets()
    with api_error("InvalidClientTokenId", 403):
        keyed("sts", forged).get_caller_identity()


def test_temporary_keys_the_emulator_did_not_issue_are_invalid(
    fleet: Emulator, keyed: ClientFactory
) -> None:
    """Not a user of the default account: stale keys of another run must not read its sets."""
    stale = {"AccessKeyId": "ASIAOLDRUN0000000000", "SecretAccessKey": "x", "SessionToken": "t"}
    with api_error("UnrecognizedClientException", 403):
        keyed("sesv2", stale).list_configuration_sets()
    with api_error("InvalidClientTokenId", 403):
        keyed("sts", stale).get_caller_identity()


def wait_until(moment: float) -> None:
    while time.time() < moment:
        time.sleep(0.05)


def test_expired_credentials_are_refused_by_every_service(
    fleet: Emulator, sts: Any, keyed: ClientFactory
) -> None:
    fleet.reset({**FLEET, "sts": {"credential_lifetime_seconds": 1}})
    credentials = sts.assume_role(RoleArn=role(STAGING), RoleSessionName="ss")["Credentials"]
    expiration = credentials["Expiration"].timestamp()
    assert expiration - time.time() <= 2  # the short lifetime (rounded up) is the one reported
    sesv2 = keyed("sesv2", credentials)
    organizations = keyed("organizations", credentials)

    wait_until(expiration)

    with api_error("ExpiredTokenException", 403) as caught:
        sesv2.list_configuration_sets()
    assert caught.value.response["Error"]["Message"] == (
        "The security token included in the request is expired"
    )
    with api_error("ExpiredToken", 403):
        keyed("sts", credentials).get_caller_identity()
    with api_error("ExpiredTokenException", 400):
        organizations.list_accounts()


def test_a_role_profile_refreshes_its_credentials_through_assume_role_mid_run(
    fleet: Emulator,
    sesv2: Any,
    keyed: ClientFactory,
    aws_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A role profile, as users configure one: botocore's AssumeRoleProvider gives
    DeferredRefreshableCredentials (AssumeRoleCredentialFetcher) and reaches STS through
    AWS_ENDPOINT_URL_STS. Reads go on past the expiry of the first keys, without one refusal."""
    fleet.reset({**FLEET, "sts": {"credential_lifetime_seconds": 1}})
    Path(aws_env["AWS_CONFIG_FILE"]).write_text(
        f"[profile fleet]\nrole_arn = {role(PROD)}\nexternal_id = s3cret\n"
        "role_session_name = driftcheck\nsource_profile = base\n"
        "[profile base]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", fleet.url)
    session = boto3.session.Session(profile_name="fleet", region_name="us-east-1")
    credentials = session.get_credentials()
    assert isinstance(credentials, DeferredRefreshableCredentials)
    client = session.client("sesv2", endpoint_url=fleet.url, config=NO_RETRIES)

    first = credentials.get_frozen_credentials()
    expired_by = time.time() + 2  # a 1 s lifetime, rounded up to a whole second at most
    reads = [set_names(client)]
    while time.time() < expired_by + 0.3:
        reads.append(set_names(client))
        time.sleep(0.1)

    assert all(names == ["prod-set"] for names in reads)  # prod's sets, never refused
    first_keys = {
        "AccessKeyId": first.access_key,
        "SecretAccessKey": first.secret_key,
        "SessionToken": first.token,
    }
    with api_error("ExpiredTokenException", 403):  # the first keys did expire meanwhile
        keyed("sesv2", first_keys).list_configuration_sets()
    stats = fleet.stats()
    assert stats.ok["AssumeRole"] >= 2 and "AssumeRole" not in stats.errors
    assert stats.errors == {"ListConfigurationSets": 1}  # only the expired keys' call
    assert stats.ok["ListConfigurationSets"] == len(reads)


def test_assume_role_counts_are_in_the_stats_endpoint(fleet: Emulator, sts: Any) -> None:
    for account in (PROD, STAGING):
        extra = {"ExternalId": "s3cret"} if account == PROD else {}
        sts.assume_role(RoleArn=role(account), RoleSessionName="driftcheck", **extra)
    assert fleet.stats().to_json()["by_api"]["sts"] == {"AssumeRole": 2}
    assert fleet.stats().calls["AssumeRole"] == 2
