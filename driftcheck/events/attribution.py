"""Who changed it: drifted rows matched with the CloudTrail writes that explain them. Pure.

Each kind of drift has the writes that can cause it (:data:`EXPLAINED_BY`): a destination
missing was deleted (or its set deleted or created anew, empty), an extra one created, a
misconfigured one created or updated; a missing set was deleted. A row's ``changed_by`` is
the latest such write naming its set (and destination) in its account and region.
:func:`wanted` tells the lookup which writes to look for; :func:`attribute` fills the rows in.
Attribution never changes a status, an action, a verdict or a count: only ``changed_by``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType
from typing import Final

from driftcheck.events.records import WriteEvent
from driftcheck.model import SetKey, SetStatus
from driftcheck.plan_model import ChangedBy, DestinationPlan, Plan, SetPlan, Status

# The writes that explain each drifted destination status; a missing set: its deletion.
EXPLAINED_BY: Final[Mapping[Status, tuple[str, ...]]] = MappingProxyType(
    {
        Status.MISSING: (
            "DeleteConfigurationSetEventDestination",
            "DeleteConfigurationSet",
            "CreateConfigurationSet",
        ),
        Status.EXTRA: ("CreateConfigurationSetEventDestination",),
        Status.MISCONFIGURED: (
            "CreateConfigurationSetEventDestination",
            "UpdateConfigurationSetEventDestination",
        ),
    }
)
MISSING_SET_EXPLAINED_BY: Final = ("DeleteConfigurationSet",)
_SET_LEVEL: Final = frozenset({"CreateConfigurationSet", "DeleteConfigurationSet"})


@dataclass(frozen=True, order=True, slots=True)
class Wanted:
    """A write that would explain a drifted row: what a lookup looks for.

    Names are casefolded; ``destination`` is None for a set-level write.
    """

    event_name: str
    set_name: str
    destination: str | None

    @classmethod
    def of(cls, event: WriteEvent) -> Wanted:
        destination = event.destination_name
        return cls(
            event.event_name,
            event.set_name.casefold(),
            None if destination is None else destination.casefold(),
        )


def _row_wants(row: DestinationPlan) -> Iterable[Wanted]:
    for event_name in EXPLAINED_BY.get(row.status, ()):
        destination = None if event_name in _SET_LEVEL else row.name.casefold()
        yield Wanted(event_name, row.key.name.casefold(), destination)


def _set_wants(set_plan: SetPlan) -> Iterable[Wanted]:
    for event_name in MISSING_SET_EXPLAINED_BY:
        yield Wanted(event_name, set_plan.key.name.casefold(), None)


def _attributable(plan: Plan) -> tuple[list[DestinationPlan], list[SetPlan]]:
    return list(plan.changes), list(plan.missing_sets)


def wanted(plan: Plan) -> dict[tuple[str, str], frozenset[Wanted]]:
    """Per (account, region): the writes that would explain the plan's drifted rows."""
    found: dict[tuple[str, str], set[Wanted]] = {}
    rows, sets = _attributable(plan)
    for row in rows:
        found.setdefault(row.key.target, set()).update(_row_wants(row))
    for set_plan in sets:
        found.setdefault(set_plan.key.target, set()).update(_set_wants(set_plan))
    return {target: frozenset(wants) for target, wants in sorted(found.items())}


def unattributed(plan: Plan) -> int:
    """How many drifted rows and missing sets have no ``changed_by``."""
    rows, sets = _attributable(plan)
    return sum(1 for r in rows if r.changed_by is None) + sum(
        1 for s in sets if s.changed_by is None
    )


def attributable(plan: Plan) -> int:
    """How many drifted rows and missing sets could carry a ``changed_by``."""
    rows, sets = _attributable(plan)
    return len(rows) + len(sets)


def attribute(plan: Plan, events: Iterable[WriteEvent], *, at: datetime) -> Plan:
    """``plan`` with each drifted row's ``changed_by``: its latest explaining write among
    ``events`` (or the one it already had, if later); ``at`` becomes ``attributed_at``.

    An event belongs to a key in its region and account; a key without an account (a run
    without an accounts file: the credentials' account) takes events of any account.
    """
    latest: dict[tuple[str, Wanted], list[WriteEvent]] = {}
    for event in events:
        latest.setdefault((event.region, Wanted.of(event)), []).append(event)

    def find(key: SetKey, wants: Iterable[Wanted], had: ChangedBy | None) -> ChangedBy | None:
        candidates = [had] if had is not None else []
        for want in wants:
            candidates += [
                e.changed_by
                for e in latest.get((key.region, want), ())
                if not key.account or e.account == key.account
            ]
        return max(candidates, key=lambda c: (c.at, c.event_id), default=None)

    rows = tuple(
        replace(r, changed_by=find(r.key, _row_wants(r), r.changed_by)) if r.drifted else r
        for r in plan.destinations
    )
    sets = tuple(
        replace(s, changed_by=find(s.key, _set_wants(s), s.changed_by))
        if s.status is SetStatus.MISSING
        else s
        for s in plan.sets
    )
    return replace(plan, sets=sets, destinations=rows, attributed_at=at)
