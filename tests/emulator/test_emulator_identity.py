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


def test_requests_signed_for_another_service_go_to_its_handler() -> None:
    from driftcheck.emulator.service import EmulatedService, signing_service
    from driftcheck.emulator.state import Fleet
    from driftcheck.emulator.wire import json_answer

    sts = {"Authorization": SIGNED["Authorization"].replace("/ses/", "/sts/")}
    assert (signing_service(SIGNED), signing_service(sts), signing_service({})) == (
        "ses",
        "sts",
        "",
    )
    service = EmulatedService(Fleet())
    seen: list[tuple[str, str]] = []

    def answer(method: str, path: str, query: str, headers: object, body: bytes) -> object:
        seen.append((method, body.decode()))
        return json_answer({"answered": "sts"})

    service.other_services["sts"] = answer  # type: ignore[assignment]
    assert service.handle("POST", "/", sts, b"Action=GetCallerIdentity").body == (
        b'{"answered":"sts"}'
    )
    assert seen == [("POST", "Action=GetCallerIdentity")]
    # an SES request still reaches the SES routes
    assert (
        b"answered" not in service.handle("GET", "/v2/email/configuration-sets", SIGNED, b"").body
    )
