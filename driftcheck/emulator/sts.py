"""STS at the emulator's address: ``AssumeRole`` and ``GetCallerIdentity`` (query protocol).

``AssumeRole`` checks the role's trust (:mod:`driftcheck.emulator.accounts`: the role must
exist in an ACTIVE account of the state, not be denied, and get the ExternalId it requires:
nobody signs in to a suspended or closing account) and
issues new keys bound to the role's account: ``ASIA...`` access key ids registered in
:class:`~driftcheck.emulator.identity.Identities` as ``AssumedRole`` identities
(``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``), so every SES call signed with them works
on that account's sets. A refusal is what AWS answers, whatever the reason (no such role,
wrong or missing ExternalId, a trust policy that does not name the caller): 403
``AccessDenied``, "User: <caller> is not authorized to perform: sts:AssumeRole on resource:
<role>".

Expiry: issued keys carry ``Expiration`` = now + the session's lifetime, and every service of
the emulator refuses them from that second on (SES: ``ExpiredTokenException``; STS:
``ExpiredToken``). The lifetime is ``DurationSeconds`` (default 3600, at most the role's
``max_session_seconds``, 3600 s for role chaining), unless the state document's
``sts.credential_lifetime_seconds`` sets it for every session. The reported Expiration is the
one enforced (no hidden clock): botocore refreshes role credentials when fewer than 15 minutes
remain (advisory) and must when fewer than 10 remain (mandatory; ``botocore.credentials``
``RefreshableCredentials``), so a lifetime under 600 s makes a refreshing client call
AssumeRole again before it signs, and a client that does not refresh gets ExpiredToken after
it: both observable in a test within seconds.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import string
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from driftcheck.emulator.accounts import DEFAULT_SESSION_SECONDS, ROLE_ARN
from driftcheck.emulator.identity import (
    CredentialProblem,
    Identities,
    Identity,
    IdentityType,
    credential_problem,
)
from driftcheck.emulator.query import (
    QueryError,
    parse_form,
    parse_input,
    service_model,
    validation_error,
    xml_answer,
    xml_error,
)
from driftcheck.emulator.state import Fleet
from driftcheck.emulator.stats import Counters, Outcome
from driftcheck.emulator.wire import Answer, Headers

API = "sts"
_KEY_CHARACTERS = string.ascii_uppercase + string.digits
_SECRET_CHARACTERS = string.ascii_letters + string.digits + "+/"
# Refused credentials (identity.credential_problem), as STS answers them.
_REJECTED = {
    CredentialProblem.EXPIRED: QueryError(
        "ExpiredToken", 403, "The security token included in the request is expired"
    ),
    CredentialProblem.INVALID: QueryError(
        "InvalidClientTokenId", 403, "The security token included in the request is invalid."
    ),
}


class StsService:
    """The STS handler of an :class:`~driftcheck.emulator.service.EmulatedService`."""

    def __init__(
        self,
        fleet: Fleet,
        identities: Identities,
        counters: Counters,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fleet = fleet
        self._identities = identities
        self._counters = counters
        self._clock = clock
        self._actions: dict[str, Callable[[Identity, Mapping[str, Any]], dict[str, Any]]] = {
            "AssumeRole": self._assume_role,
            "GetCallerIdentity": self._get_caller_identity,
        }

    def __call__(self, method: str, path: str, query: str, headers: Headers, body: bytes) -> Answer:
        model = service_model(API)
        form = parse_form(body if method == "POST" else query)
        action = form.get("Action", "")
        handler = self._actions.get(action)
        if handler is None:
            self._counters.record_unrouted()
            message = f"Could not find operation {action} for version 2011-06-15"
            return xml_error(model, QueryError("InvalidAction", 400, message))
        try:
            caller = self._identities.of(headers)
            problem = credential_problem(caller, headers, self._clock())
            if problem is not None:
                raise _REJECTED[problem]
            params = parse_input(model.operation_model(action).input_shape, form)
            result = handler(caller, params)
        except QueryError as e:
            self._counters.record(API, action, Outcome.ERROR)
            return xml_error(model, e)
        self._counters.record(API, action, Outcome.OK)
        return xml_answer(model, action, result)

    def _get_caller_identity(self, caller: Identity, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"UserId": caller.principal_id, "Account": caller.account_id, "Arn": caller.arn}

    def _assume_role(self, caller: Identity, params: Mapping[str, Any]) -> dict[str, Any]:
        role_arn: str = params["RoleArn"]
        session: str = params["RoleSessionName"]
        # botocore checks lengths, not patterns: the service does (roleSessionNameType's)
        pattern = service_model(API).shape_for("roleSessionNameType").metadata["pattern"]
        if not re.fullmatch(pattern, session):
            raise validation_error(
                f"1 validation error detected: Value '{session}' at 'roleSessionName' failed "
                f"to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
            )
        found = ROLE_ARN.fullmatch(role_arn)
        if found is None:
            raise validation_error(f"{role_arn} is invalid")
        account_id, role_name = found.groups()
        config = self._fleet.config
        account = config.account(account_id)
        role = None if account is None or account.status != "ACTIVE" else account.role(role_name)
        if (
            role is None
            or role.denied
            or (role.external_id is not None and params.get("ExternalId") != role.external_id)
        ):
            raise QueryError(
                "AccessDenied",
                403,
                f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: "
                f"{role_arn}",
            )
        duration: int = params.get("DurationSeconds", DEFAULT_SESSION_SECONDS)
        if duration > role.max_session_seconds:
            raise validation_error(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
        if caller.type == IdentityType.ASSUMED_ROLE and duration > DEFAULT_SESSION_SECONDS:
            raise validation_error(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                "assumed by role chaining."
            )
        lifetime = config.credential_lifetime or duration
        # whole seconds, as reported; rounded up so that a key never lives less than asked
        expires_at = math.ceil(self._clock() + lifetime)
        role_id = "AROA" + hashlib.sha256(role_arn.encode()).hexdigest()[:17].upper()
        identity = Identity(
            account_id=account_id,
            arn=f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session}",
            type=IdentityType.ASSUMED_ROLE,
            user_name=role_name,
            access_key_id="ASIA" + "".join(secrets.choice(_KEY_CHARACTERS) for _ in range(16)),
            principal_id=f"{role_id}:{session}",
            session_token=secrets.token_urlsafe(96),
            expires_at=expires_at,
        )
        self._identities.register(identity)
        result: dict[str, Any] = {
            "Credentials": {
                "AccessKeyId": identity.access_key_id,
                "SecretAccessKey": "".join(secrets.choice(_SECRET_CHARACTERS) for _ in range(40)),
                "SessionToken": identity.session_token,
                "Expiration": datetime.fromtimestamp(expires_at, timezone.utc),
            },
            "AssumedRoleUser": {"AssumedRoleId": identity.principal_id, "Arn": identity.arn},
        }
        if "SourceIdentity" in params:
            result["SourceIdentity"] = params["SourceIdentity"]
        return result
