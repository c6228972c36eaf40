"""botocore exceptions → driftcheck's vocabulary, shared by every call the live package makes.

An error of one call (access denied on one set, a 5xx, throttling beyond the attempts, a read
timeout) becomes a :class:`~driftcheck.model.ReadFailure` that the caller reports for that
call; an error that concerns every call alike (no, expired or rejected credentials, an
unreachable endpoint) raises :class:`~driftcheck.errors.CredentialsError` or
:class:`~driftcheck.errors.ApiError`, which stops the whole run with one sentence.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
    SSOError,
    TokenRetrievalError,
)

from driftcheck.errors import ApiError, CredentialsError
from driftcheck.model import Api, ReadFailure, SetKey

# Error codes that mean the credentials themselves are unusable: every call would fail alike.
_EXPIRED = "the AWS credentials have expired; refresh them (e.g. `aws sso login`)"
_BAD_KEY = "AWS rejected the access key id; check the credentials in use"
_BAD_SIGNATURE = "AWS rejected the request signature; check the secret access key"
CREDENTIAL_CODES = {
    "ExpiredToken": _EXPIRED,
    "ExpiredTokenException": _EXPIRED,
    "InvalidClientTokenId": _BAD_KEY,
    "UnrecognizedClientException": _BAD_KEY,
    "InvalidAccessKeyId": _BAD_KEY,
    "InvalidSignatureException": _BAD_SIGNATURE,
    "SignatureDoesNotMatch": _BAD_SIGNATURE,
}

# What botocore raises for a call; callers catch exactly these.
CALL_ERRORS = (ClientError, BotoCoreError)


def error_code(error: ClientError) -> str:
    """The API's error code of ``error`` (``NotFoundException``...)."""
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def call_failure(error: ClientError | BotoCoreError, api: Api, region: str) -> ReadFailure:
    """What one failed call means for that call; raises when it concerns every call alike.

    Call inside the ``except`` block that caught ``error``.
    """
    if isinstance(error, ClientError):
        code = error_code(error)
        if code in CREDENTIAL_CODES:
            raise CredentialsError(CREDENTIAL_CODES[code]) from error
        message = str(error.response.get("Error", {}).get("Message") or error)
        return ReadFailure(code, message)
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        raise CredentialsError(
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,"
            " or run `aws configure`"
        ) from error
    if isinstance(error, (SSOError, TokenRetrievalError)):
        raise CredentialsError(
            f"the AWS SSO session cannot be used ({error}); run `aws sso login`"
        ) from error
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError)):
        raise ApiError(
            f"cannot reach the {api.value} endpoint in {region} ({error}); "
            "check --endpoint-url, the region and the network"
        ) from error
    if isinstance(error, ReadTimeoutError):
        return ReadFailure("ReadTimeout", str(error))
    return ReadFailure(type(error).__name__, str(error))


def set_failure(error: ClientError | BotoCoreError, key: SetKey) -> ReadFailure:
    """:func:`call_failure` for a call about the set ``key``.

    The credentials of an account of an accounts file concern only that account: refused,
    they make this call a failure of its own, not the run's.
    """
    try:
        return call_failure(error, key.api, key.region)
    except CredentialsError as refused:
        if not key.account:
            raise
        code = error_code(error) if isinstance(error, ClientError) else type(error).__name__
        return ReadFailure(code, str(refused))
