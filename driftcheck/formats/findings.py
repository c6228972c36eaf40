"""Findings: what the annotation formats (``github``, ``sarif``) report, one per set or row.

A finding is one thing a plan reports, placed at a spec line, with its kind (a SARIF rule),
its severity and the shared sentences of :mod:`driftcheck.formats.sentences`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from driftcheck.formats.sentences import (
    by_set,
    changed_by_line,
    detail_lines,
    row_headline,
    set_headline,
    shown_rows,
)
from driftcheck.model import SetKey, SetStatus, Source
from driftcheck.plan_model import ChangedBy, DestinationPlan, Plan, SetPlan, Status


class Kind(str, Enum):
    """The kinds of finding, each a rule of its own in SARIF."""

    MISSING_DESTINATION = "missing-destination"
    EXTRA_DESTINATION = "extra-destination"
    MISCONFIGURED_DESTINATION = "misconfigured-destination"
    MISSING_SET = "missing-configuration-set"
    UNREADABLE_SET = "unreadable-configuration-set"
    UNMANAGED_SET = "unmanaged-configuration-set"


class Severity(str, Enum):
    ERROR = "error"  # drift, or a set that could not be read
    WARNING = "warning"  # shown, not drift (an unmanaged set without strict mode)
    IGNORED = "ignored"  # matched IgnoreChanges or an ignore pattern


_ROW_KINDS: Final = {
    Status.MISSING: Kind.MISSING_DESTINATION,
    Status.EXTRA: Kind.EXTRA_DESTINATION,
    Status.MISCONFIGURED: Kind.MISCONFIGURED_DESTINATION,
    Status.IN_SYNC: Kind.MISCONFIGURED_DESTINATION,  # in sync apart from ignored differences
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a plan reports, placed at a spec line: the unit of annotations and results."""

    kind: Kind
    severity: Severity
    key: SetKey
    destination: str | None
    source: Source | None  # the spec line: the destination's, else its set's
    headline: str  # one safe sentence
    details: tuple[str, ...]  # safe lines
    # the whole destination or set is ignored (only a pattern does that), not differences
    whole_ignored: bool = False
    changed_by: ChangedBy | None = None  # who made the drift (plan --attribute)


def _anchor(plan: Plan, key: SetKey) -> Source | None:
    """Where an unmanaged set is best shown: the first declared set of its account, api and
    region (the spec where it would be declared); None when there is none."""
    for s in plan.sets:
        if s.source is not None and _place(s.key) == _place(key):
            return s.source
    return None


def _place(key: SetKey) -> tuple[str, str, str]:
    return (key.account, key.api.value, key.region)


def _set_finding(plan: Plan, set_plan: SetPlan) -> Finding | None:
    headline = set_headline(set_plan, plan.strict)
    if headline is None:
        return None
    details: tuple[str, ...] = ()
    if set_plan.status is SetStatus.MISSING:
        kind, severity = Kind.MISSING_SET, Severity.ERROR
    elif set_plan.status is SetStatus.ERROR:
        kind, severity = Kind.UNREADABLE_SET, Severity.ERROR
    else:
        kind = Kind.UNMANAGED_SET
        if set_plan.ignored:
            severity = Severity.IGNORED
        else:
            severity = Severity.ERROR if plan.strict else Severity.WARNING
        details = (f"Declare it in a spec, or ignore it with a pattern {_pattern(set_plan.key)}.",)
    source = set_plan.source or _anchor(plan, set_plan.key)
    author = changed_by_line(set_plan.changed_by, plan)
    details = (author, *details) if author is not None else details
    return Finding(
        kind,
        severity,
        set_plan.key,
        None,
        source,
        headline,
        details,
        set_plan.ignored,
        set_plan.changed_by,
    )


def _pattern(key: SetKey) -> str:
    """The ignore pattern form for a set: ``api/region/set``, ``ACCOUNT:...`` in a fleet."""
    return "ACCOUNT:api/region/set" if key.account else "api/region/set"


def _row_finding(plan: Plan, row: DestinationPlan) -> Finding:
    severity = Severity.ERROR if row.drifted else Severity.IGNORED
    author = changed_by_line(row.changed_by, plan)
    return Finding(
        _ROW_KINDS[row.status],
        severity,
        row.key,
        row.name,
        row.source,
        row_headline(row),
        tuple([author] if author is not None else []) + tuple(detail_lines(row)),
        row.ignored,
        row.changed_by,
    )


def findings(plan: Plan) -> list[Finding]:
    """Every set with a line of its own and every shown row, each set then its rows, in the
    order of :func:`~driftcheck.formats.sentences.by_set` (by account, then region, in a
    plan that spans accounts)."""
    out: list[Finding] = []
    for group in by_set(plan, shown_rows(plan)):
        finding = None if group.set_plan is None else _set_finding(plan, group.set_plan)
        if finding is not None:
            out.append(finding)
        out += [_row_finding(plan, row) for row in group.rows]
    return out
