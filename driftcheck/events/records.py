"""CloudTrail records of SES writes: the only place that knows their shape.

A record comes from ``LookupEvents`` (each event's ``CloudTrailEvent``, a JSON string: see
:func:`parse_json`) or from EventBridge (an "AWS API Call via CloudTrail" event: its
``detail`` is the record, see :func:`parse_eventbridge`). :func:`parse_record` turns it into a
:class:`WriteEvent`, or None when it is not a write driftcheck tracks.

What a record holds (CloudTrail record contents,
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html):
``eventSource`` (``ses.amazonaws.com`` for SES v1, v2 and Pinpoint Email alike: they share
the ``email`` endpoint, so ``eventName`` alone does not tell which API made the call),
``eventName``, ``eventTime`` (UTC), ``awsRegion``, ``recipientAccountId``, ``userIdentity``
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html),
``userAgent``, ``sourceIPAddress``, ``requestParameters``, ``readOnly``, ``errorCode`` (a
failed call: nothing was written) and ``eventID``.

No public sample of these SES records was found. CloudTrail usually writes the request's
members in lower camel case (``configurationSetName``, ``eventDestinationName``); the classic
API nests names (``eventDestination.name``, ``configurationSet.name``). So every member name
is matched case-insensitively, and both shapes are read. Correct this module if a real
record differs: nothing else parses records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final

from driftcheck.plan_model import ChangedBy, Via

EVENT_SOURCE: Final = "ses.amazonaws.com"
# the EventBridge detail-type of a CloudTrail-recorded API call
EVENTBRIDGE_DETAIL_TYPE: Final = "AWS API Call via CloudTrail"

# Writes to a destination name it; writes to a set name only the set (destination None).
DESTINATION_WRITES: Final = (
    "CreateConfigurationSetEventDestination",
    "UpdateConfigurationSetEventDestination",
    "DeleteConfigurationSetEventDestination",
)
SET_WRITES: Final = ("CreateConfigurationSet", "DeleteConfigurationSet")
WRITE_EVENT_NAMES: Final = DESTINATION_WRITES + SET_WRITES


@dataclass(frozen=True, slots=True)
class WriteEvent:
    """One successful SES write that driftcheck tracks.

    ``set_name`` and ``destination_name`` are as the request named them (compare them
    case-insensitively: :meth:`names`); ``destination_name`` is None for a set-level write.
    """

    event_id: str
    event_name: str
    at: datetime  # timezone-aware, UTC
    account: str  # the account whose set was written (recipientAccountId)
    region: str
    set_name: str
    destination_name: str | None
    changed_by: ChangedBy

    @property
    def target(self) -> tuple[str, str]:
        """(account, region), as :attr:`driftcheck.model.SetKey.target`."""
        return (self.account, self.region)


# How a call reached the API, from its user agent: the first pattern found wins, so the
# more specific tools come before the SDKs they are built on (Terraform's user agent names
# aws-sdk-go; the AWS CLI's names botocore). Values documented for ``userAgent`` include
# "console.amazonaws.com", "signin.amazonaws.com", "aws-cli/...", "aws-sdk-java",
# "AWS Internal" (record contents page above; an AWS service acting for the caller: unknown);
# Terraform's provider sends
# "... Terraform/1.x ... terraform-provider-aws/5.x ..." and CloudFormation's calls come from
# "cloudformation.amazonaws.com".
VIA_PATTERNS: Final[tuple[tuple[re.Pattern[str], Via], ...]] = (
    (re.compile(r"terraform", re.IGNORECASE), Via.TERRAFORM),
    (re.compile(r"cloudformation\.amazonaws\.com", re.IGNORECASE), Via.CLOUDFORMATION),
    (re.compile(r"^(console|signin)\.(\w+\.)?amazonaws\.com", re.IGNORECASE), Via.CONSOLE),
    (re.compile(r"\baws-cli/", re.IGNORECASE), Via.AWS_CLI),
    (re.compile(r"\b(aws-sdk-|boto3/|botocore/)", re.IGNORECASE), Via.SDK),
)


def via(user_agent: str) -> Via:
    """How a call was made, from its ``userAgent``; :attr:`Via.UNKNOWN` when nothing matches."""
    for pattern, found in VIA_PATTERNS:
        if pattern.search(user_agent):
            return found
    return Via.UNKNOWN


def parse_json(text: str) -> WriteEvent | None:
    """A ``LookupEvents`` event's ``CloudTrailEvent`` string; None if not a tracked write
    (or not a JSON object)."""
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return parse_record(record) if isinstance(record, dict) else None


def parse_eventbridge(event: Mapping[str, Any]) -> WriteEvent | None:
    """An EventBridge "AWS API Call via CloudTrail" event (its ``detail`` is the record)."""
    detail = event.get("detail")
    if event.get("detail-type") != EVENTBRIDGE_DETAIL_TYPE or not isinstance(detail, dict):
        return None
    return parse_record(detail)


def parse_record(record: Mapping[str, Any]) -> WriteEvent | None:
    """The write in one CloudTrail record, or None when it is none driftcheck tracks:
    another service or event, a read-only call, a failed call (``errorCode``), a record
    without a configuration set name or time."""
    name = _text(record, "eventName")
    if (
        _text(record, "eventSource").lower() != EVENT_SOURCE
        or name not in WRITE_EVENT_NAMES
        or _truthy(_get(record, "readOnly"))
        or _get(record, "errorCode")
    ):
        return None
    params = _get(record, "requestParameters")
    params = params if isinstance(params, dict) else {}
    set_name = _text(params, "configurationSetName") or _text(
        _dict(params, "configurationSet"), "name"
    )
    destination = None
    if name in DESTINATION_WRITES:
        destination = _text(params, "eventDestinationName") or _text(
            _dict(params, "eventDestination"), "name"
        )
        if not destination:
            return None
    at = _time(_text(record, "eventTime"))
    if not set_name or at is None:
        return None
    identity = _dict(record, "userIdentity")
    account = _text(record, "recipientAccountId") or _text(identity, "accountId")
    event_id = _text(record, "eventID")
    return WriteEvent(
        event_id=event_id,
        event_name=name,
        at=at,
        account=account,
        region=_text(record, "awsRegion"),
        set_name=set_name,
        destination_name=destination,
        changed_by=ChangedBy(
            principal=_principal(identity),
            user=_user(identity),
            type=_text(identity, "type"),
            at=at,
            event=name,
            via=via(_text(record, "userAgent")),
            source_ip=_text(record, "sourceIPAddress"),
            event_id=event_id,
        ),
    )


def _principal(identity: Mapping[str, Any]) -> str:
    """The caller's ARN; for a call an AWS service made, the service; else the principal id."""
    return (
        _text(identity, "arn")
        or _text(identity, "invokedBy")
        or _text(identity, "principalId")
        or "unknown"
    )


def _user(identity: Mapping[str, Any]) -> str:
    """The IAM user name; else the ARN's last part (a role session's name, ``root``)."""
    name = _text(identity, "userName")
    if name:
        return name
    arn = _text(identity, "arn")
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    return resource.rsplit("/", 1)[-1]


def _time(text: str) -> datetime | None:
    """``2026-11-30T18:00:00Z`` as an aware UTC datetime; None if it is not a time."""
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:  # CloudTrail times are UTC
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc)


def _get(data: Mapping[str, Any], member: str) -> Any:
    """``data[member]``, the member's name matched case-insensitively; None if absent."""
    if member in data:
        return data[member]
    wanted = member.lower()
    for key, value in data.items():
        if isinstance(key, str) and key.lower() == wanted:
            return value
    return None


def _text(data: Mapping[str, Any], member: str) -> str:
    value = _get(data, member)
    return value if isinstance(value, str) else ""


def _dict(data: Mapping[str, Any], member: str) -> Mapping[str, Any]:
    value = _get(data, member)
    return value if isinstance(value, dict) else {}


def _truthy(value: Any) -> bool:
    """``readOnly`` is a JSON boolean in a record, a string ("true") in ``LookupEvents``."""
    return value is True or (isinstance(value, str) and value.lower() == "true")
