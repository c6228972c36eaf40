"""Read the live event destinations of the declared configuration sets.

Exactly one ``GetConfigurationSetEventDestinations`` call per set (plus botocore's retries),
run concurrently on shared clients. botocore exceptions stop here: each set becomes a
:class:`~driftcheck.model.LiveSet` (present, missing, or error with a :class:`ReadFailure`),
and problems that concern every set alike (credentials, an unreachable endpoint) abort the
read with one :class:`~driftcheck.errors.ApiError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

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
from driftcheck.live.clients import ClientSettings, make_clients
from driftcheck.model import LiveSet, LiveState, ReadFailure, SetKey, SetStatus

# Error codes that mean the credentials themselves are unusable: every call would fail alike.
_EXPIRED = "the AWS credentials have expired; refresh them (e.g. `aws sso login`)"
_BAD_KEY = "AWS rejected the access key id; check the credentials in use"
_BAD_SIGNATURE = "AWS rejected the request signature; check the secret access key"
_CREDENTIAL_CODES = {
    "ExpiredToken": _EXPIRED,
    "ExpiredTokenException": _EXPIRED,
    "InvalidClientTokenId": _BAD_KEY,
    "UnrecognizedClientException": _BAD_KEY,
    "InvalidSignatureException": _BAD_SIGNATURE,
    "SignatureDoesNotMatch": _BAD_SIGNATURE,
}

Progress = Callable[[], None]


def read_live_state(
    keys: Sequence[SetKey], settings: ClientSettings, on_read: Progress | None = None
) -> LiveState:
    """Read every set in ``keys``; ``on_read`` is called once per finished set."""
    clients = make_clients(((k.api, k.region) for k in keys), settings)
    results: dict[SetKey, LiveSet] = {}
    with ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="read") as pool:
        futures: dict[Future[LiveSet], SetKey] = {
            pool.submit(read_set, clients[(key.api, key.region)], key): key for key in keys
        }
        pending: set[Future[LiveSet]] = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                error = future.exception()
                if error is not None:
                    for other in pending:
                        other.cancel()
                    raise error
                results[futures[future]] = future.result()
                if on_read is not None:
                    on_read()
    return LiveState(sets=results)


def read_set(client: Any, key: SetKey) -> LiveSet:
    """One call, translated: present, missing, or a per-set failure (fatal ones raise)."""
    try:
        response = client.get_configuration_set_event_destinations(ConfigurationSetName=key.name)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", "Unknown"))
        if code == "NotFoundException":
            return LiveSet(key, SetStatus.MISSING)
        if code in _CREDENTIAL_CODES:
            raise CredentialsError(_CREDENTIAL_CODES[code]) from error
        message = str(error.response.get("Error", {}).get("Message") or error)
        return LiveSet(key, SetStatus.ERROR, error=ReadFailure(code, message))
    except (NoCredentialsError, PartialCredentialsError) as error:
        raise CredentialsError(
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,"
            " or run `aws configure`"
        ) from error
    except (SSOError, TokenRetrievalError) as error:
        raise CredentialsError(
            f"the AWS SSO session cannot be used ({error}); run `aws sso login`"
        ) from error
    except (EndpointConnectionError, ConnectTimeoutError) as error:
        raise ApiError(
            f"cannot reach the {key.api.value} endpoint in {key.region} ({error}); "
            "check --endpoint-url, the region and the network"
        ) from error
    except ReadTimeoutError as error:
        return LiveSet(key, SetStatus.ERROR, error=ReadFailure("ReadTimeout", str(error)))
    except BotoCoreError as error:
        return LiveSet(key, SetStatus.ERROR, error=ReadFailure(type(error).__name__, str(error)))
    destinations = {
        str(d["Name"]): {k: v for k, v in d.items() if k != "Name"}
        for d in response.get("EventDestinations", [])
    }
    return LiveSet(key, SetStatus.PRESENT, destinations=destinations)
