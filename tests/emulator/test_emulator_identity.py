"""The caller's identity comes from the access key id of the SigV4 signature."""

from __future__ import annotations

from driftcheck.emulator.identity import (
    DEFAULT_ACCOUNT,
    Identities,
    Identity,
    IdentityType,
    access_key_of,
)

SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDMALLORY/20261130/eu-west-1/ses/aws4_request, "
    "SignedHeaders=host, Signature=abc"
}


def test_the_access_key_is_read_from_the_credential_scope() -> None:
    assert access_key_of(SIGNED) == "AKIDMALLORY"
    assert access_key_of({}) == ""


def test_an_unregistered_key_is_a_user_of_the_default_account() -> None:
    identity = Identities().of(SIGNED)
    assert identity.account_id == DEFAULT_ACCOUNT
    assert identity.type == IdentityType.IAM_USER
    assert identity.arn == f"arn:aws:iam::{DEFAULT_ACCOUNT}:user/AKIDMALLORY"


def test_a_registered_key_is_its_identity_until_cleared() -> None:
    identities = Identities()
    mallory = Identity.iam_user("AKIDMALLORY", "mallory", account_id="222222222222")
    identities.register(mallory)
    assert identities.of(SIGNED) == mallory
    identities.clear()
    assert identities.of(SIGNED).account_id == DEFAULT_ACCOUNT
