"""One request in, one :class:`Answer` out: the emulated API and the ``/_emulator/`` endpoints.

Nothing here knows about sockets; :mod:`driftcheck.emulator.server` carries the bytes.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from driftcheck.emulator.faults import FaultInjector, Faults, Verdict
from driftcheck.emulator.identity import CredentialProblem, Identities, credential_problem
from driftcheck.emulator.operations import OPERATIONS, Call
from driftcheck.emulator.organizations import OrganizationsService
from driftcheck.emulator.routes import Route, Router
from driftcheck.emulator.state import DEFAULT_REGION, Fleet, StateDocument, parse_state
from driftcheck.emulator.stats import Counters, Outcome
from driftcheck.emulator.sts import StsService
from driftcheck.emulator.trail import Trail
from driftcheck.emulator.trail import control as trail_control
from driftcheck.emulator.wire import (
    ACCESS_DENIED,
    BAD_REQUEST,
    EXPIRED_TOKEN,
    INTERNAL_FAILURE,
    TOO_MANY_REQUESTS,
    UNKNOWN_OPERATION,
    UNRECOGNIZED_CLIENT,
    Answer,
    Headers,
    ServiceError,
    error_answer,
    json_answer,
)
from driftcheck.errors import EmulatorError

CONTROL_PREFIX = "/_emulator/"
# SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/ses/aws4_request, ..."
_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/,\s]*)/\d{8}/([^/,\s]+)/([^/,\s]+)/")
# Refused credentials (identity.credential_problem), as SES answers them.
_REJECTED = {
    CredentialProblem.EXPIRED: ServiceError(
        EXPIRED_TOKEN, "The security token included in the request is expired"
    ),
    CredentialProblem.INVALID: ServiceError(
        UNRECOGNIZED_CLIENT, "The security token included in the request is invalid."
    ),
}


def region_of(headers: Headers) -> str:
    """The region of the request's SigV4 credential scope; unsigned requests: us-east-1."""
    authorization = headers.get("Authorization")
    if authorization:
        found = _CREDENTIAL_SCOPE.search(authorization)
        if found is not None:
            return found.group(2)
    return DEFAULT_REGION


def signing_service(headers: Headers) -> str:
    """The service of the request's SigV4 credential scope (``ses``, ``sts``...); unsigned: ""."""
    found = _CREDENTIAL_SCOPE.search(headers.get("Authorization") or "")
    return found.group(3) if found is not None else ""


# Another AWS service answered at the same address (STS, Organizations, CloudTrail), chosen by
# the SigV4 signing name of the request: (method, path, query, headers, body) -> Answer.
OtherService = Callable[[str, str, str, Headers, bytes], Answer]


class EmulatedService:
    """The state, the faults and the counters, and what a request does to them."""

    def __init__(self, state: Fleet, faults: Faults | None = None) -> None:
        self.state = state  # every account's sets; a request works on its caller's account
        self.faults = FaultInjector(faults)
        self.counters = Counters()
        self.router = Router(OPERATIONS)
        self.identities = Identities()  # who signed each request (access key id → identity)
        self.other_services: dict[str, OtherService] = {}  # signing name -> handler
        self.other_services["sts"] = StsService(state, self.identities, self.counters)
        self.other_services["organizations"] = OrganizationsService(
            state, self.identities, self.counters
        )
        self.trail = Trail(self.identities)  # every SES call, as CloudTrail records it
        self.other_services["cloudtrail"] = self._cloudtrail

    def handle(self, method: str, target: str, headers: Headers, body: bytes) -> Answer:
        path, _, query = target.partition("?")
        try:
            if path.startswith(CONTROL_PREFIX):
                return self._control(method, path, body)
            other = self.other_services.get(signing_service(headers))
            if other is not None:
                return other(method, path, query, headers, body)
            return self._api(method, path, query, headers, body)
        except Exception:  # a bug in the emulator: answer like AWS would, and say so
            print(f"driftcheck emulator: error handling {method} {path}", file=sys.stderr)
            traceback.print_exc()
            return error_answer(ServiceError(INTERNAL_FAILURE, "Internal emulator error."))

    def reset(self, document: StateDocument) -> None:
        """Replace the state with ``document`` (validated), clear the counters and the trail.

        Keys registered in :attr:`identities` (STS-issued ones too) stay valid.
        """
        self.state.replace(document)
        self.counters.reset()
        self.trail.clear()

    # --- the API --------------------------------------------------------------------------

    def _api(self, method: str, path: str, query: str, headers: Headers, body: bytes) -> Answer:
        found = self.router.match(method, path)
        if found is None:
            self.counters.record_unrouted()
            message = f"No operation matches {method} {path}."
            return error_answer(ServiceError(UNKNOWN_OPERATION, message))
        route, path_params = found
        with self.counters.in_flight():
            delay = self.faults.delay
            if delay > 0:
                time.sleep(delay)  # no lock is held here
            outcome, answer = self._call(route, path_params, query, headers, body)
        target = f"{self.identities.of(headers).account_id}/{region_of(headers)}"
        self.counters.record(route.api.value, route.operation, outcome, target)
        self.trail.record_call(route, path_params, query, headers, body, region_of(headers), answer)
        return answer

    def _call(
        self,
        route: Route,
        path_params: dict[str, str],
        query: str,
        headers: Headers,
        body: bytes,
    ) -> tuple[Outcome, Answer]:
        try:
            identity = self.identities.of(headers)
            problem = credential_problem(identity, headers, time.time())
            if problem is not None:
                return Outcome.ERROR, error_answer(_REJECTED[problem])
            region = region_of(headers)
            params = route.parse(path_params, query, headers, body)
            set_name = params.get("ConfigurationSetName")
            set_name = set_name if isinstance(set_name, str) else None
            verdict = self.faults.verdict(set_name, identity.account_id, region)
            if verdict is Verdict.THROTTLE:
                error = ServiceError(TOO_MANY_REQUESTS, "Too many requests have been made.")
                return Outcome.THROTTLED, error_answer(error)
            if verdict is Verdict.FAIL:
                error = ServiceError(INTERNAL_FAILURE, "We encountered an internal error.")
                return Outcome.FAILED, error_answer(error)
            if verdict is Verdict.DENY:
                message = f"User is not authorized to perform ses:{route.operation}" + (
                    f" on configuration set {set_name}" if set_name is not None else ""
                )
                return Outcome.ERROR, error_answer(ServiceError(ACCESS_DENIED, message))
            route.validate(params)
            call = Call(route.schema, self.state.account(identity.account_id), region, params)
            result = OPERATIONS[route.operation](call)
        except ServiceError as e:
            return Outcome.ERROR, error_answer(e)
        return Outcome.OK, json_answer(result)

    def _cloudtrail(
        self, method: str, path: str, query: str, headers: Headers, body: bytes
    ) -> Answer:
        return self.trail.lookup_events(headers, body, region_of(headers))

    # --- /_emulator/ ----------------------------------------------------------------------

    def _control(self, method: str, path: str, body: bytes) -> Answer:
        endpoint = (method, path[len(CONTROL_PREFIX) :].rstrip("/"))
        try:
            if endpoint == ("GET", "stats"):
                return json_answer(self.counters.snapshot().to_json())
            if endpoint == ("POST", "stats/reset"):
                self.counters.reset()
                return json_answer({})
            if endpoint == ("GET", "state"):
                return json_answer(self.state.dump())
            if endpoint == ("GET", "faults"):
                return json_answer(self.faults.faults.to_json())
            if endpoint == ("POST", "faults"):
                self.faults.set(Faults.from_json(_json_body(body, default={})))
                return json_answer(self.faults.faults.to_json())
            if endpoint == ("POST", "reset"):
                document = _json_body(body, default=None)
                origin = "The reset request body"
                self.reset(StateDocument() if document is None else parse_state(document, origin))
                return json_answer({})
            found = trail_control(self.trail, *endpoint, _json_body(body, default=None))
            if found is not None:
                return found
        except EmulatorError as e:
            return error_answer(ServiceError(BAD_REQUEST, str(e)))
        message = f"No emulator endpoint matches {method} {path}."
        return error_answer(ServiceError(UNKNOWN_OPERATION, message))


def _json_body(body: bytes, default: Any) -> Any:
    if not body.strip():
        return default
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise EmulatorError(f"The request body is not valid JSON: {e}.") from None
