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
from driftcheck.emulator.identity import Identities
from driftcheck.emulator.operations import OPERATIONS, Call
from driftcheck.emulator.routes import Route, Router
from driftcheck.emulator.state import DEFAULT_REGION, Regions, State, parse_state
from driftcheck.emulator.stats import Counters, Outcome
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
# Access key ids that make the emulator reject the credentials, as AWS does for bad ones.
_REJECTED_KEYS = {
    "EXPIRED": ServiceError(EXPIRED_TOKEN, "The security token included in the request is expired"),
    "INVALID": ServiceError(
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


def rejected_credentials(headers: Headers) -> ServiceError | None:
    """The error for an access key id starting with ``EXPIRED`` or ``INVALID``, else None."""
    found = _CREDENTIAL_SCOPE.search(headers.get("Authorization") or "")
    key = found.group(1) if found is not None else ""
    for prefix, error in _REJECTED_KEYS.items():
        if key.startswith(prefix):
            return error
    return None


# Another AWS service answered at the same address (STS, Organizations, CloudTrail), chosen by
# the SigV4 signing name of the request: (method, path, query, headers, body) -> Answer.
OtherService = Callable[[str, str, str, Headers, bytes], Answer]


class EmulatedService:
    """The state, the faults and the counters, and what a request does to them."""

    def __init__(self, state: State, faults: Faults | None = None) -> None:
        self.state = state
        self.faults = FaultInjector(faults)
        self.counters = Counters()
        self.router = Router(OPERATIONS)
        self.identities = Identities()  # who signed each request (access key id → identity)
        self.other_services: dict[str, OtherService] = {}  # signing name -> handler
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

    def reset(self, regions: Regions) -> None:
        """Replace the state with ``regions`` (validated), clear the counters and the trail."""
        self.state.replace(regions)
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
        self.counters.record(route.api.value, route.operation, outcome)
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
            rejected = rejected_credentials(headers)
            if rejected is not None:
                return Outcome.ERROR, error_answer(rejected)
            params = route.parse(path_params, query, headers, body)
            set_name = params.get("ConfigurationSetName")
            verdict = self.faults.verdict(set_name if isinstance(set_name, str) else None)
            if verdict is Verdict.THROTTLE:
                error = ServiceError(TOO_MANY_REQUESTS, "Too many requests have been made.")
                return Outcome.THROTTLED, error_answer(error)
            if verdict is Verdict.FAIL:
                error = ServiceError(INTERNAL_FAILURE, "We encountered an internal error.")
                return Outcome.FAILED, error_answer(error)
            if verdict is Verdict.DENY:
                message = (
                    f"User is not authorized to perform ses:{route.operation} on configuration "
                    f"set {set_name}"
                )
                return Outcome.ERROR, error_answer(ServiceError(ACCESS_DENIED, message))
            route.validate(params)
            call = Call(route.schema, self.state, region_of(headers), params)
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
                self.reset({} if document is None else parse_state(document, origin))
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
