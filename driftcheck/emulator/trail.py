"""CloudTrail for the emulated SES API: each call becomes a record, ``LookupEvents`` serves them.

Every SES call the emulator answers (reads and writes, failed ones too, through pinpoint-email
or sesv2: both are ``ses.amazonaws.com``) is appended to the trail of the caller's (account,
region) as a CloudTrail management event record. ``LookupEvents`` (JSON 1.1, at the same
address, chosen by the SigV4 signing name ``cloudtrail``) serves them as AWS does.

What AWS documents, and the emulator does:

- The record fields (``eventVersion`` 1.11 is the current version), ``readOnly``, and
  ``errorCode``/``errorMessage`` for a failed call:
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
- ``userIdentity`` of an IAM user, an assumed role (``sessionContext.sessionIssuer``) and root:
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
- SES records carry ``eventSource`` ``ses.amazonaws.com``:
  https://docs.aws.amazon.com/ses/latest/dg/logging-using-cloudtrail.html
- ``LookupEvents``: at most one lookup attribute; ``MaxResults`` 1 to 50, default 50;
  ``StartTime``/``EndTime`` inclusive, start after end is an error; the most recent event
  first; a ``NextToken`` only works with the parameters of the call that returned it;
  "limited to two per second, per account, per Region":
  https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
- ``ThrottlingException`` and ``AccessDeniedException`` travel with HTTP 400:
  https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/CommonErrors.html

No public sample of an SES event-destination record was found, so ``requestParameters`` follows
CloudTrail's usual form: the request members in lower camel case (:func:`request_parameters`).
Choices of the emulator, not of AWS: ``Resources`` is always empty (so ``ResourceType`` and
``ResourceName`` lookups find nothing; SES records often have none), ``sourceIPAddress`` is the
first ``X-Forwarded-For`` address or 127.0.0.1, ``responseElements`` is null, and
``LookupEvents`` calls themselves are not recorded.

Settings (:class:`TrailSettings`): a delivery delay before a record becomes visible to
``LookupEvents`` (CloudTrail takes minutes), the request-rate cap, and access keys denied
``cloudtrail:LookupEvents``. The trail keeps at most :data:`MAX_RECORDS` records per (account,
region), dropping the oldest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cache
from typing import Any

import botocore.session
from botocore.model import ServiceModel
from botocore.utils import parse_to_aware_datetime
from botocore.validate import ParamValidator

from driftcheck.emulator.identity import DEFAULT_ACCOUNT, Identities, Identity, IdentityType
from driftcheck.emulator.routes import Route
from driftcheck.emulator.wire import (
    ERROR_TYPE_HEADER,
    Answer,
    ErrorKind,
    Headers,
    ServiceError,
    encode_json,
    json_answer,
)
from driftcheck.errors import EmulatorError

EVENT_VERSION = "1.11"
EVENT_SOURCE = "ses.amazonaws.com"
LOOKUP_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
MAX_PAGE = 50  # MaxResults: 1..50, default 50
DEFAULT_LOOKUP_RPS = 2.0  # per account and region
MAX_RECORDS = 50_000  # per account and region (about 1 KB each); the oldest are dropped beyond
LOOPBACK_IP = "127.0.0.1"
_READ_PREFIXES = ("Get", "List")

# CloudTrail's errors (JSON 1.1: ``__type`` in the body); all travel with HTTP 400.
ACCESS_DENIED = ErrorKind("AccessDeniedException", 400)
THROTTLING = ErrorKind("ThrottlingException", 400)
VALIDATION = ErrorKind("ValidationException", 400)
UNKNOWN_OPERATION = ErrorKind("UnknownOperationException", 400)
INVALID_ATTRIBUTES = ErrorKind("InvalidLookupAttributesException", 400)
INVALID_TIME_RANGE = ErrorKind("InvalidTimeRangeException", 400)
INVALID_MAX_RESULTS = ErrorKind("InvalidMaxResultsException", 400)
INVALID_NEXT_TOKEN = ErrorKind("InvalidNextTokenException", 400)

Clock = Callable[[], float]  # seconds since the epoch (time.time)
TrailKey = tuple[str, str]  # (account id, region)


# --- the record -------------------------------------------------------------------------------


def request_parameters(shape: Any, value: Any) -> Any:
    """``value`` (a request as botocore's user passes it) as CloudTrail writes it.

    Structure members in lower camel case (``ConfigurationSetName`` -> ``configurationSetName``,
    ``EventDestination.SnsDestination.TopicArn`` -> ``eventDestination.snsDestination.topicArn``),
    walking botocore's input ``shape`` so that map keys (sesv2's ``Filter``) stay as sent.
    """
    type_name = getattr(shape, "type_name", None)
    if type_name == "structure" and isinstance(value, Mapping):
        return {
            name[:1].lower() + name[1:]: request_parameters(shape.members.get(name), member)
            for name, member in value.items()
        }
    if type_name == "list" and isinstance(value, list):
        return [request_parameters(shape.member, item) for item in value]
    if type_name == "map" and isinstance(value, Mapping):
        return {key: request_parameters(shape.value, item) for key, item in value.items()}
    return value


def user_identity(identity: Identity) -> dict[str, Any]:
    """CloudTrail's ``userIdentity`` of ``identity``."""
    found: dict[str, Any] = {
        "type": identity.type,
        "principalId": identity.principal_id,
        "arn": identity.arn,
        "accountId": identity.account_id,
        "accessKeyId": identity.access_key_id,
    }
    if identity.type == IdentityType.IAM_USER:
        found["userName"] = identity.user_name
    elif identity.type == IdentityType.ASSUMED_ROLE:
        found["sessionContext"] = {
            "sessionIssuer": {
                "type": "Role",
                "principalId": identity.principal_id.split(":", 1)[0],
                "arn": f"arn:aws:iam::{identity.account_id}:role/{identity.user_name}",
                "accountId": identity.account_id,
                "userName": identity.user_name,
            },
            "attributes": {"mfaAuthenticated": "false"},
        }
    return found


def lookup_username(identity: Identity) -> str:
    """The ``Username`` LookupEvents shows: the user; the session of a role; ``root``."""
    if identity.type == IdentityType.ASSUMED_ROLE:
        return identity.arn.rsplit("/", 1)[-1]
    if identity.type == IdentityType.ROOT:
        return "root"
    return identity.user_name


def event_time(at: float) -> str:
    """ISO-8601 UTC to the second, as CloudTrail writes ``eventTime``."""
    return datetime.fromtimestamp(int(at), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _source_ip(headers: Headers) -> str:
    forwarded = (headers.get("X-Forwarded-For") or "").split(",", 1)[0].strip()
    return forwarded or LOOPBACK_IP


def _error_of(answer: Answer) -> tuple[str, str] | None:
    """(errorCode, errorMessage) of an SES error answer; None for a success."""
    if answer.status < 400:
        return None
    code = next((v for k, v in answer.headers if k == ERROR_TYPE_HEADER), "").split(":", 1)[0]
    return code, str(json.loads(answer.body).get("message", ""))


@dataclass(frozen=True)
class SesCall:
    """One answered SES call, as the trail records it."""

    operation: str
    parameters: Any  # lower camel case (request_parameters); None when the request was unreadable
    identity: Identity
    region: str
    headers: Headers
    error: tuple[str, str] | None

    def record(self, at: float) -> dict[str, Any]:
        """The CloudTrail record of this call at ``at`` (seconds since the epoch)."""
        record: dict[str, Any] = {
            "eventVersion": EVENT_VERSION,
            "userIdentity": user_identity(self.identity),
            "eventTime": event_time(at),
            "eventSource": EVENT_SOURCE,
            "eventName": self.operation,
            "awsRegion": self.region,
            "sourceIPAddress": _source_ip(self.headers),
            "userAgent": self.headers.get("User-Agent") or "",
        }
        if self.error is not None:
            record["errorCode"], record["errorMessage"] = self.error
        record.update(
            requestParameters=self.parameters,
            responseElements=None,
            requestID=str(uuid.uuid4()),
            eventID=str(uuid.uuid4()),
            readOnly=self.operation.startswith(_READ_PREFIXES),
            eventType="AwsApiCall",
            managementEvent=True,
            recipientAccountId=self.identity.account_id,
            eventCategory="Management",
        )
        return record


# --- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailSettings:
    """How CloudTrail behaves.

    - ``delivery_delay``: seconds after a call before LookupEvents shows its record.
    - ``lookup_rps``: LookupEvents requests allowed per second per (account, region), in any
      one-second window; beyond it ThrottlingException. ``None``: no cap.
    - ``denied_access_keys``: access key ids whose LookupEvents answer AccessDeniedException
      (a principal without ``cloudtrail:LookupEvents``).
    """

    delivery_delay: float = 0.0
    lookup_rps: float | None = DEFAULT_LOOKUP_RPS
    denied_access_keys: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.delivery_delay) and self.delivery_delay >= 0):
            raise EmulatorError(
                f"delivery_delay must be a number >= 0, not {self.delivery_delay!r}."
            )
        if self.lookup_rps is not None and not (
            math.isfinite(self.lookup_rps) and self.lookup_rps > 0
        ):
            raise EmulatorError(
                f"lookup_rps must be a number > 0 or null, not {self.lookup_rps!r}."
            )
        object.__setattr__(self, "denied_access_keys", frozenset(self.denied_access_keys))

    @classmethod
    def from_json(cls, data: Any) -> TrailSettings:
        """Settings from a JSON object; members left out take their defaults."""
        if not isinstance(data, Mapping):
            raise EmulatorError("Trail settings must be a JSON object.")
        known = {"delivery_delay", "lookup_rps", "denied_access_keys"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise EmulatorError(
                f"Unknown trail setting {unknown[0]!r}; known: {', '.join(sorted(known))}."
            )
        delay, rps = data.get("delivery_delay", 0.0), data.get("lookup_rps", DEFAULT_LOOKUP_RPS)
        keys = data.get("denied_access_keys", [])
        if not _is_number(delay) or not (rps is None or _is_number(rps)):
            raise EmulatorError("delivery_delay and lookup_rps must be numbers.")
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            raise EmulatorError("denied_access_keys must be a list of access key ids.")
        return cls(float(delay), None if rps is None else float(rps), frozenset(keys))

    def to_json(self) -> dict[str, Any]:
        return {
            "delivery_delay": self.delivery_delay,
            "lookup_rps": self.lookup_rps,
            "denied_access_keys": sorted(self.denied_access_keys),
        }


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def identity_from_json(data: Any) -> Identity:
    """An identity from ``{"access_key_id", "user_name", "type"?, "account_id"?, ...}``.

    ``type`` ``IAMUser`` (default): ``user_name`` is the user. ``AssumedRole``: ``user_name``
    is the role, ``session_name`` the session (default: the role name). ``arn`` and
    ``principal_id`` default to what AWS would show for them.
    """
    if not isinstance(data, Mapping):
        raise EmulatorError("An identity must be a JSON object.")
    fields = {"access_key_id", "user_name", "type", "account_id", "session_name"}
    unknown = sorted(set(data) - fields - {"arn", "principal_id"})
    if unknown:
        raise EmulatorError(f"Unknown identity member {unknown[0]!r}.")
    values = {name: data.get(name) for name in (*fields, "arn", "principal_id")}
    if not all(isinstance(v, str) for v in values.values() if v is not None):
        raise EmulatorError("Every identity member must be a string.")
    key, name = values["access_key_id"], values["user_name"]
    account = values["account_id"] or DEFAULT_ACCOUNT
    if not key or not name:
        raise EmulatorError("An identity needs an access_key_id and a user_name.")
    if not (len(account) == 12 and account.isdigit()):
        raise EmulatorError(f"account_id must be 12 digits, not {account!r}.")
    kind = values["type"] or IdentityType.IAM_USER
    if kind == IdentityType.IAM_USER:
        identity = Identity.iam_user(key, name, account_id=account)
    elif kind == IdentityType.ASSUMED_ROLE:
        session = values["session_name"] or name
        role_id = f"AROA{key[-12:].upper()}"
        identity = Identity(
            account_id=account,
            arn=f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
            type=kind,
            user_name=name,
            access_key_id=key,
            principal_id=f"{role_id}:{session}",
        )
    else:
        kinds = f"{IdentityType.IAM_USER} or {IdentityType.ASSUMED_ROLE}"
        raise EmulatorError(f"Identity type {kind!r} is not supported; use {kinds}.")
    return replace(
        identity,
        arn=values["arn"] or identity.arn,
        principal_id=values["principal_id"] or identity.principal_id,
    )


def identity_to_json(identity: Identity) -> dict[str, str]:
    return {
        "access_key_id": identity.access_key_id,
        "user_name": identity.user_name,
        "type": identity.type,
        "account_id": identity.account_id,
        "arn": identity.arn,
        "principal_id": identity.principal_id,
    }


# --- the trail --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A record in the trail, with what LookupEvents needs to find it."""

    seq: int  # increases with every record: the order, and the NextToken position
    second: int  # the record's eventTime, seconds since the epoch
    visible_at: float  # when LookupEvents starts showing it
    identity: Identity
    event_id: str
    event_name: str
    read_only: str  # "true" or "false", as LookupEvents shows it
    text: str  # the record as JSON (kept as text: a fraction of the memory of its dict)

    @classmethod
    def of(cls, seq: int, at: float, visible_at: float, call: SesCall) -> Entry:
        record = call.record(at)
        return cls(
            seq=seq,
            second=int(at),
            visible_at=visible_at,
            identity=call.identity,
            event_id=record["eventID"],
            event_name=call.operation,
            read_only="true" if record["readOnly"] else "false",
            text=json.dumps(record),
        )

    def attribute(self, key: str) -> str | None:
        """The value a lookup attribute ``key`` matches against; None: matches nothing."""
        found = _ATTRIBUTES.get(key)  # ResourceType, ResourceName: the record names no resource
        return None if found is None else found(self)

    def event(self) -> dict[str, Any]:
        """The ``Event`` of a LookupEvents answer."""
        return {
            "EventId": self.event_id,
            "EventName": self.event_name,
            "ReadOnly": self.read_only,
            "AccessKeyId": self.identity.access_key_id,
            "EventTime": self.second,
            "EventSource": EVENT_SOURCE,
            "Username": lookup_username(self.identity),
            "Resources": [],
            "CloudTrailEvent": self.text,
        }


_ATTRIBUTES: dict[str, Callable[[Entry], str]] = {
    "EventId": lambda entry: entry.event_id,
    "EventName": lambda entry: entry.event_name,
    "ReadOnly": lambda entry: entry.read_only,
    "Username": lambda entry: lookup_username(entry.identity),
    "EventSource": lambda entry: EVENT_SOURCE,
    "AccessKeyId": lambda entry: entry.identity.access_key_id,
}


class RateWindow:
    """At most ``limit`` requests per key in any one-second window."""

    def __init__(self) -> None:
        self._times: dict[TrailKey, deque[float]] = {}

    def admit(self, key: TrailKey, now: float, limit: float) -> bool:
        times = self._times.setdefault(key, deque())
        while times and times[0] <= now - 1.0:
            times.popleft()
        if len(times) >= limit:
            return False
        times.append(now)
        return True

    def clear(self) -> None:
        self._times.clear()


class Trail:
    """The event history of every (account, region); thread-safe."""

    def __init__(
        self,
        identities: Identities,
        settings: TrailSettings | None = None,
        *,
        clock: Clock = time.time,
        max_records: int = MAX_RECORDS,
    ) -> None:
        self.identities = identities
        self._clock = clock
        self._max_records = max_records
        self._lock = threading.Lock()
        self._entries: dict[TrailKey, deque[Entry]] = {}
        self._seq = 0
        self._window = RateWindow()
        self.settings = settings or TrailSettings()

    @property
    def settings(self) -> TrailSettings:
        return self._settings

    @settings.setter
    def settings(self, settings: TrailSettings) -> None:
        with self._lock:
            self._settings = settings
            self._window.clear()

    def clear(self) -> None:
        """Forget every record (the settings stay)."""
        with self._lock:
            self._entries.clear()

    def records(self) -> list[dict[str, Any]]:
        """Every record of every (account, region), oldest first, visible or not (copies)."""
        with self._lock:
            entries = [entry for entries in self._entries.values() for entry in entries]
        return [json.loads(entry.text) for entry in sorted(entries, key=lambda e: e.seq)]

    # --- recording --------------------------------------------------------------------------

    def record_call(
        self,
        route: Route,
        path_params: Mapping[str, str],
        query: str,
        headers: Headers,
        body: bytes,
        region: str,
        answer: Answer,
    ) -> None:
        """Append the record of an answered SES request to its caller's trail."""
        try:
            params = route.parse(path_params, query, headers, body)
        except ServiceError:
            parameters = None
        else:
            parameters = request_parameters(route.input_shape, params)
        identity = self.identities.of(headers)
        error = _error_of(answer)
        self.append(SesCall(route.operation, parameters, identity, region, headers, error))

    def append(self, call: SesCall) -> Entry:
        with self._lock:
            now = self._clock()
            self._seq += 1
            entry = Entry.of(self._seq, now, now + self._settings.delivery_delay, call)
            key = (call.identity.account_id, call.region)
            entries = self._entries.get(key)
            if entries is None:
                entries = self._entries[key] = deque(maxlen=self._max_records)
            entries.append(entry)
        return entry

    # --- LookupEvents -----------------------------------------------------------------------

    def lookup_events(self, headers: Headers, body: bytes, region: str) -> Answer:
        """Answer a CloudTrail JSON 1.1 request signed for ``region`` (only LookupEvents)."""
        try:
            return json_answer(self._lookup(headers, body, region))
        except ServiceError as e:
            return _cloudtrail_error(e)

    def _lookup(self, headers: Headers, body: bytes, region: str) -> dict[str, Any]:
        target = headers.get("X-Amz-Target") or ""
        if target != LOOKUP_TARGET:
            raise ServiceError(UNKNOWN_OPERATION, f"The emulator does not serve {target!r}.")
        identity = self.identities.of(headers)
        key = (identity.account_id, region)
        with self._lock:
            settings, now = self._settings, self._clock()
            if identity.access_key_id in settings.denied_access_keys:
                raise ServiceError(
                    ACCESS_DENIED,
                    f"User: {identity.arn} is not authorized to perform: cloudtrail:LookupEvents "
                    "because no identity-based policy allows the cloudtrail:LookupEvents action",
                )
            if settings.lookup_rps is not None and not self._window.admit(
                key, now, settings.lookup_rps
            ):
                raise ServiceError(THROTTLING, "Rate exceeded")
        query = LookupQuery.parse(body)
        with self._lock:
            candidates = list(self._entries.get(key, ()))
        newest_first = (e for e in reversed(candidates) if e.visible_at <= now and query.matches(e))
        found = list(itertools.islice(newest_first, query.max_results + 1))  # +1: a next page?
        page = found[: query.max_results]
        out: dict[str, Any] = {"Events": [entry.event() for entry in page]}
        if len(found) > query.max_results:
            out["NextToken"] = query.token_after(page[-1].seq)
        return out


@cache
def _cloudtrail_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("cloudtrail")


_VALIDATOR = ParamValidator()


@dataclass(frozen=True)
class LookupQuery:
    """A validated LookupEvents request."""

    attribute: tuple[str, str] | None  # (AttributeKey, AttributeValue)
    start: float | None
    end: float | None
    insights: bool  # EventCategory "insight": the emulator has no Insights events
    max_results: int
    before_seq: int | None  # from NextToken: only records older than this one

    @classmethod
    def parse(cls, body: bytes) -> LookupQuery:
        try:
            request = json.loads(body or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ServiceError(VALIDATION, f"The request body is not valid JSON: {e}") from None
        shape = _cloudtrail_model().operation_model("LookupEvents").input_shape
        report = _VALIDATOR.validate(request, shape)
        if report.has_errors():
            problems = "; ".join(report.generate_report().splitlines())
            raise ServiceError(VALIDATION, f"Invalid request: {problems}")
        attributes = request.get("LookupAttributes") or []
        if len(attributes) > 1:
            raise ServiceError(
                INVALID_ATTRIBUTES, "You cannot specify more than one lookup attribute."
            )
        attribute = None
        if attributes:
            attribute = (attributes[0]["AttributeKey"], attributes[0]["AttributeValue"])
            if attribute[0] not in _cloudtrail_model().shape_for("LookupAttributeKey").enum:
                raise ServiceError(
                    INVALID_ATTRIBUTES, f"{attribute[0]!r} is not a lookup attribute key."
                )
        max_results = request.get("MaxResults", MAX_PAGE)
        if not 1 <= max_results <= MAX_PAGE:
            raise ServiceError(INVALID_MAX_RESULTS, f"MaxResults must be 1 to {MAX_PAGE}.")
        start, end = _epoch(request.get("StartTime")), _epoch(request.get("EndTime"))
        if start is not None and end is not None and start > end:
            raise ServiceError(INVALID_TIME_RANGE, "The StartTime is after the EndTime.")
        query = cls(
            attribute, start, end, request.get("EventCategory") == "insight", max_results, None
        )
        token = request.get("NextToken")
        if token is None:
            return query
        return replace(query, before_seq=query.seq_of(token))

    def matches(self, entry: Entry) -> bool:
        if self.insights:
            return False
        if self.before_seq is not None and entry.seq >= self.before_seq:
            return False
        if self.start is not None and entry.second < self.start:
            return False
        if self.end is not None and entry.second > self.end:
            return False
        return self.attribute is None or entry.attribute(self.attribute[0]) == self.attribute[1]

    def _fingerprint(self) -> str:
        """What a NextToken is bound to: the filters of the call that returned it."""
        filters = [self.attribute, self.start, self.end, self.insights]
        return hashlib.sha256(json.dumps(filters).encode()).hexdigest()[:16]

    def token_after(self, seq: int) -> str:
        return base64.urlsafe_b64encode(f"{self._fingerprint()}:{seq}".encode()).decode()

    def seq_of(self, token: str) -> int:
        try:
            fingerprint, _, seq = base64.urlsafe_b64decode(token).decode().partition(":")
            if fingerprint == self._fingerprint():
                return int(seq)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
        raise ServiceError(INVALID_NEXT_TOKEN, "Invalid NextToken.")


def _epoch(value: Any) -> float | None:
    return None if value is None else parse_to_aware_datetime(value).timestamp()


def _cloudtrail_error(error: ServiceError) -> Answer:
    """A JSON 1.1 error: the code in ``__type``, as CloudTrail sends it."""
    body = {"__type": error.kind.code, "message": error.message}
    return Answer(error.kind.status, encode_json(body))


# --- the control endpoints --------------------------------------------------------------------


def control(trail: Trail, method: str, name: str, body: Any) -> Answer | None:
    """``/_emulator/`` endpoints of the trail and the identities; None for any other.

    ``GET trail`` (every record, oldest first), ``GET``/``POST trail/settings`` (a POST replaces
    every setting), ``POST identities`` (``{"identities": [...]}``: register access keys, see
    :func:`identity_from_json`). ``body`` is the parsed JSON body (None when empty).
    """
    endpoint = (method, name)
    if endpoint == ("GET", "trail"):
        return json_answer({"records": trail.records()})
    if endpoint == ("GET", "trail/settings"):
        return json_answer(trail.settings.to_json())
    if endpoint == ("POST", "trail/settings"):
        trail.settings = TrailSettings.from_json({} if body is None else body)
        return json_answer(trail.settings.to_json())
    if endpoint == ("POST", "identities"):
        document = body if isinstance(body, Mapping) else {}
        found = document.get("identities")
        if not isinstance(found, list):
            raise EmulatorError('The body must be {"identities": [identity, ...]}.')
        identities = [identity_from_json(item) for item in found]
        for identity in identities:
            trail.identities.register(identity)
        return json_answer({"identities": [identity_to_json(i) for i in identities]})
    return None
