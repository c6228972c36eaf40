"""Domain objects of the plan: what ``plan(desired, live)`` returns, field by field.

Frozen dataclasses and enums, like their inputs in :mod:`driftcheck.model`. A definition
held here is normalised (see :mod:`driftcheck.normalise`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Any

from driftcheck.model import Definition, ReadFailure, SetKey, SetStatus, Source


class Via(str, Enum):
    """How a write reached the API, from its user agent (:mod:`driftcheck.events.records`)."""

    CONSOLE = "console"
    AWS_CLI = "aws-cli"
    TERRAFORM = "terraform"
    CLOUDFORMATION = "cloudformation"
    SDK = "sdk"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ChangedBy:
    """Who made the latest write that explains a drifted row: one CloudTrail record.

    ``principal`` is the caller's ARN (``userIdentity.arn``), ``user`` its short name (the IAM
    user, the role session, ``root``), ``type`` CloudTrail's ``userIdentity.type`` (``IAMUser``,
    ``AssumedRole``, ``Root``...), ``at`` the event time (UTC), ``event`` its ``eventName``.
    """

    principal: str
    user: str
    type: str
    at: datetime  # timezone-aware, UTC
    event: str
    via: Via
    source_ip: str
    event_id: str


class Status(str, Enum):
    IN_SYNC = "in_sync"
    MISSING = "missing"  # declared, not live
    EXTRA = "extra"  # live in a declared set, not declared
    MISCONFIGURED = "misconfigured"


class Action(str, Enum):
    NOOP = "no-op"
    CREATE = "create"
    DELETE = "delete"
    UPDATE = "update"


class DiffType(str, Enum):
    """CloudFormation drift-detection vocabulary, relative to the live side."""

    ADD = "ADD"  # present live, not in the spec
    REMOVE = "REMOVE"  # in the spec, not live
    NOT_EQUAL = "NOT_EQUAL"


@dataclass(frozen=True, slots=True)
class Difference:
    path: str  # dotted member names; dimensions by name: ``...DimensionConfigurations[dim].X``
    type: DiffType
    expected: Any
    actual: Any
    ignored: bool = False  # matched by IgnoreChanges or an ignore pattern: shown, not drift


@dataclass(frozen=True, slots=True)
class DestinationPlan:
    key: SetKey
    name: str
    status: Status
    action: Action
    expected: Definition | None  # normalised, or None for an extra destination
    actual: Definition | None  # normalised, or None for a missing destination
    differences: tuple[Difference, ...] = ()
    source: Source | None = None  # the destination's spec line; the set's for an extra
    note: str | None = None  # e.g. a live destination type the chosen API cannot show
    # the whole row matched an ignore pattern: shown with its status, not counted as drift
    ignored: bool = False
    changed_by: ChangedBy | None = None  # the write that explains the drift (plan --attribute)

    @property
    def drifted(self) -> bool:
        return self.status is not Status.IN_SYNC and not self.ignored

    @property
    def ignored_differences(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.ignored)


@dataclass(frozen=True, slots=True)
class SetPlan:
    key: SetKey
    status: SetStatus
    source: Source | None  # None for an unmanaged set
    error: ReadFailure | None = None
    # a hash of the set's normalised live destinations (see ``driftcheck.plan.fingerprint``);
    # None when the set could not be read
    fingerprint: str | None = None
    ignored: bool = False  # an unmanaged set matched by an ignore pattern
    changed_by: ChangedBy | None = None  # who deleted a missing set (plan --attribute)


@dataclass(frozen=True, slots=True)
class Summary:
    in_sync: int = 0
    missing: int = 0
    extra: int = 0
    misconfigured: int = 0
    errors: int = 0
    ignored: int = 0  # ignored differences and ignored destination rows
    unmanaged: int = 0  # unmanaged sets not ignored

    def as_dict(self) -> dict[str, int]:
        """The counts by name, in the documented order (the JSON ``summary``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Plan:
    """The comparison of the desired and the live state, in deterministic order."""

    sets: tuple[SetPlan, ...] = ()
    destinations: tuple[DestinationPlan, ...] = ()
    warnings: tuple[str, ...] = ()  # e.g. ignore patterns that matched nothing
    strict: bool = False  # unmanaged sets count as drift
    spec_files: int = 0  # how many spec files the desired state was read from
    # when attribution was looked up (plan --attribute): the "now" of every "changed ... ago";
    # None for a plan without attribution
    attributed_at: datetime | None = None

    @property
    def failed_sets(self) -> tuple[SetPlan, ...]:
        return tuple(s for s in self.sets if s.status is SetStatus.ERROR)

    @property
    def missing_sets(self) -> tuple[SetPlan, ...]:
        return tuple(s for s in self.sets if s.status is SetStatus.MISSING)

    @property
    def unmanaged_sets(self) -> tuple[SetPlan, ...]:
        return tuple(s for s in self.sets if s.status is SetStatus.UNMANAGED and not s.ignored)

    @property
    def changes(self) -> tuple[DestinationPlan, ...]:
        """Destinations that drifted (not in sync, not ignored)."""
        return tuple(d for d in self.destinations if d.drifted)

    @property
    def drift(self) -> bool:
        unmanaged = bool(self.unmanaged_sets) and self.strict
        return bool(self.missing_sets or self.changes or unmanaged)

    @property
    def summary(self) -> Summary:
        counts = {status: 0 for status in Status}
        ignored = 0
        for d in self.destinations:
            if d.ignored:
                ignored += 1
            else:
                counts[d.status] += 1
            ignored += len(d.ignored_differences)
        return Summary(
            in_sync=counts[Status.IN_SYNC],
            missing=counts[Status.MISSING],
            extra=counts[Status.EXTRA],
            misconfigured=counts[Status.MISCONFIGURED],
            errors=len(self.failed_sets),
            ignored=ignored + sum(1 for s in self.sets if s.ignored),
            unmanaged=len(self.unmanaged_sets),
        )
