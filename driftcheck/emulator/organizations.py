"""AWS Organizations at the emulator's address: ``ListAccounts`` (JSON 1.1 protocol).

A request is ``POST /`` with ``X-Amz-Target: AWSOrganizationsV20161128.ListAccounts`` and a JSON
body; an answer is JSON (``application/x-amz-json-1.1``), an error ``{"__type": <Code>,
"Message": ...}`` with HTTP 400, as the model declares Organizations' errors. The accounts are
those declared in the state document, sorted by id, at most ``MaxResults`` a page (the
model's range, 1-20; default 20) with a ``NextToken``. Who may list them:
:class:`~driftcheck.emulator.accounts.Organization`.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping
from typing import Any

from driftcheck.emulator.accounts import ACCOUNT_ID, Account, Organization
from driftcheck.emulator.identity import CredentialProblem, Identities, credential_problem
from driftcheck.emulator.query import QueryError, check_input, service_model
from driftcheck.emulator.state import Fleet
from driftcheck.emulator.stats import Counters, Outcome
from driftcheck.emulator.wire import Answer, Headers, encode_json

API = "organizations"
TARGET_PREFIX = "AWSOrganizationsV20161128."
JSON_11 = "application/x-amz-json-1.1"
_TOKEN_PREFIX = "accounts-after:"
_REJECTED = {
    CredentialProblem.EXPIRED: QueryError(
        "ExpiredTokenException", 400, "The security token included in the request is expired"
    ),
    CredentialProblem.INVALID: QueryError(
        "UnrecognizedClientException", 400, "The security token included in the request is invalid."
    ),
}


class OrganizationsService:
    """The Organizations handler of an :class:`~driftcheck.emulator.service.EmulatedService`."""

    def __init__(self, fleet: Fleet, identities: Identities, counters: Counters) -> None:
        self._fleet = fleet
        self._identities = identities
        self._counters = counters

    def __call__(self, method: str, path: str, query: str, headers: Headers, body: bytes) -> Answer:
        operation = (headers.get("X-Amz-Target") or "").removeprefix(TARGET_PREFIX)
        if operation != "ListAccounts":
            self._counters.record_unrouted()
            message = f"The operation {operation or '(none)'} is not supported by the emulator."
            return _error(QueryError("UnknownOperationException", 400, message))
        try:
            caller = self._identities.of(headers)
            problem = credential_problem(caller, headers, time.time())
            if problem is not None:
                raise _REJECTED[problem]
            params = _json_input(operation, body)
            result = self._list_accounts(caller.account_id, params)
        except QueryError as e:
            self._counters.record(API, operation, Outcome.ERROR)
            return _error(e)
        self._counters.record(API, operation, Outcome.OK)
        return Answer(200, encode_json(result), content_type=JSON_11)

    def _list_accounts(self, caller_account: str, params: Mapping[str, Any]) -> dict[str, Any]:
        config = self._fleet.config
        organization = config.organization
        members = config.accounts
        if not organization.enabled or not (
            caller_account in members or organization.may_list(caller_account)
        ):
            raise QueryError(
                "AWSOrganizationsNotInUseException",
                400,
                "Your account is not a member of an organization.",
            )
        if not organization.may_list(caller_account):
            raise QueryError(
                "AccessDeniedException", 400, "You don't have permissions to access this resource."
            )
        # botocore checks the minimum, not the maximum: the service does (1-20 in the model)
        most = _input_shape("ListAccounts").members["MaxResults"].metadata["max"]
        limit = params.get("MaxResults", most)
        if not 1 <= limit <= most:
            raise _invalid_input(f"MaxResults must be between 1 and {most}.")
        token = params.get("NextToken")
        after = _decode_token(token) if token is not None else ""
        ids = sorted(account_id for account_id in members if account_id > after)
        page = ids[:limit]
        out: dict[str, Any] = {"Accounts": [_described(members[i], organization) for i in page]}
        if len(ids) > limit:
            out["NextToken"] = base64.urlsafe_b64encode(
                (_TOKEN_PREFIX + page[-1]).encode()
            ).decode()
        return out


def _json_input(operation: str, body: bytes) -> dict[str, Any]:
    try:
        params = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise QueryError("SerializationException", 400, "The request body is not JSON.") from None
    check_input(_input_shape(operation), params, code="InvalidInputException")
    result: dict[str, Any] = params
    return result


def _input_shape(operation: str) -> Any:
    return service_model(API).operation_model(operation).input_shape


def _described(account: Account, organization: Organization) -> dict[str, Any]:
    return {
        "Id": account.id,
        "Arn": organization.account_arn(account.id),
        "Email": account.email,
        "Name": account.name,
        "Status": account.status,
        "JoinedMethod": account.joined_method,
        "JoinedTimestamp": account.joined_timestamp.timestamp(),  # JSON 1.1: epoch seconds
    }


def _decode_token(token: str) -> str:
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        text = ""
    account_id = text.removeprefix(_TOKEN_PREFIX)
    if not text.startswith(_TOKEN_PREFIX) or not ACCOUNT_ID.fullmatch(account_id):
        raise _invalid_input("The NextToken is invalid.")
    return account_id


def _invalid_input(message: str) -> QueryError:
    return QueryError("InvalidInputException", 400, message)


def _error(error: QueryError) -> Answer:
    body = json.dumps({"__type": error.code, "Message": error.message}).encode()
    return Answer(error.status, body, content_type=JSON_11)
