"""The sentences every format shares: labels, one line per difference, headlines, the verdict.

Every format says the same thing the same way: it takes its sentences from here and only
adds the escaping its medium needs (XML, Markdown, workflow commands). Every name and value
in these sentences is made safe here (:func:`driftcheck.safe_text.escape_unsafe`), except in
:func:`resource_id`, which is the name that ignore patterns match, as written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final

from driftcheck.json_data import to_json_data
from driftcheck.model import Api, SetKey, SetStatus, Source
from driftcheck.plan_model import (
    Action,
    ChangedBy,
    DestinationPlan,
    Difference,
    DiffType,
    Plan,
    SetPlan,
    Status,
)
from driftcheck.safe_text import escape_unsafe
from driftcheck.wording import account_label, age, plural

DEFAULT_API: Final = Api.PINPOINT_EMAIL


# --- labels ----------------------------------------------------------------------------------


def account(key: SetKey) -> str:
    """``prod (111111111111)``, made safe; "" for a key of a run without an accounts file."""
    return escape_unsafe(account_label(key.account, key.account_name))


def where(key: SetKey) -> str:
    """``(region)``, or ``(region, api)`` when the API is not the default one, then
    `` in account prod (111111111111)`` when the key has an account."""
    place = f"({escape_unsafe(key.region)})"
    if key.api is not DEFAULT_API:
        place = f"({escape_unsafe(key.region)}, {key.api.value})"
    return f"{place} in account {account(key)}" if key.account else place


def group_title(key: SetKey) -> str:
    """``Account prod (111111111111), region us-east-1``: the heading of a group of sets in
    a plan that spans accounts (see :func:`by_set`), made safe."""
    return f"Account {account(key)}, region {escape_unsafe(key.region)}"


def set_label(key: SetKey) -> str:
    """``configuration set NAME (region)``."""
    return f"configuration set {escape_unsafe(key.name)} {where(key)}"


def row_label(row: DestinationPlan) -> str:
    """``set/destination (region)``."""
    return f"{escape_unsafe(row.key.name)}/{escape_unsafe(row.name)} {where(row.key)}"


def resource_path(key: SetKey, destination: str | None = None) -> str:
    """``api/region/set[/destination]`` (not escaped): where a set or destination is in its
    account."""
    parts = [key.api.value, key.region, key.name]
    return "/".join(parts if destination is None else [*parts, destination])


def resource_id(key: SetKey, destination: str | None = None) -> str:
    """``[account:]api/region/set[/destination]``, the account as its 12-digit id (stable,
    where a name may be renamed): the form ignore patterns match (not escaped)."""
    path = resource_path(key, destination)
    return f"{key.account}:{path}" if key.account else path


def location(source: Source | None) -> str | None:
    """``file:line:column``, made safe, or None."""
    if source is None:
        return None
    return f"{escape_unsafe(source.file)}:{source.line}:{source.column}"


def iso_utc(at: datetime) -> str:
    """``2026-11-30T18:04:05Z``: ISO-8601 in UTC, to the second."""
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def changed_when(changed_by: ChangedBy, now: datetime | None) -> str:
    """``4 minutes ago`` (before ``now``); ``at 2026-11-30T18:04:05Z`` without a now."""
    if now is None:
        return f"at {iso_utc(changed_by.at)}"
    return f"{age((now - changed_by.at).total_seconds())} ago"


def changed_by_text(changed_by: ChangedBy, now: datetime | None) -> str:
    """``changed by ARN via console, 4 minutes ago`` (made safe)."""
    principal = escape_unsafe(changed_by.principal)
    return f"changed by {principal} via {changed_by.via.value}, {changed_when(changed_by, now)}"


def changed_by_line(changed_by: ChangedBy | None, plan: Plan) -> str | None:
    """``# changed by ...`` for a row or set that has an author, aged at the plan's
    ``attributed_at``; None without one."""
    if changed_by is None:
        return None
    return f"# {changed_by_text(changed_by, plan.attributed_at)}"


# --- differences -----------------------------------------------------------------------------

# What applying the plan does with a member, given a difference's type (live -> spec):
# ``+`` added (in the spec, not live), ``-`` removed (live, not in the spec), ``~`` changed.
DIFF_MARKERS: Final = {DiffType.ADD: "-", DiffType.REMOVE: "+", DiffType.NOT_EQUAL: "~"}


def literal(value: Any) -> str:
    """A value as a JSON literal (strings quoted, booleans lower-case, null), made safe."""
    return escape_unsafe(json.dumps(to_json_data(value), ensure_ascii=False))


def one_side(difference: Difference) -> Any:
    """The value an ADD (live) or a REMOVE (spec) difference carries."""
    return difference.actual if difference.type is DiffType.ADD else difference.expected


def change_text(difference: Difference) -> str:
    """``path = live -> spec`` for a changed value, ``path = value`` for one added or removed."""
    path = escape_unsafe(difference.path)
    if difference.type is DiffType.NOT_EQUAL:
        return f"{path} = {literal(difference.actual)} -> {literal(difference.expected)}"
    return f"{path} = {literal(one_side(difference))}"


def difference_line(difference: Difference) -> str:
    """``~ path = live -> spec``: one difference on one line, made safe."""
    return f"{DIFF_MARKERS[difference.type]} {change_text(difference)}"


def detail_lines(row: DestinationPlan) -> list[str]:
    """What would change in a destination, one safe line each, marked like the text plan.

    A created or destroyed destination lists its top-level members; an updated one its
    differences that are not ignored. Then the note, then each ignored difference.
    """
    lines: list[str] = []
    if row.action in (Action.CREATE, Action.DELETE):
        marker = "+" if row.action is Action.CREATE else "-"
        definition = row.expected if row.action is Action.CREATE else row.actual
        lines += [
            f"{marker} {escape_unsafe(str(name))} = {literal(value)}"
            for name, value in (definition or {}).items()
        ]
    else:
        lines += [difference_line(d) for d in row.differences if not d.ignored]
    if row.note:
        lines.append(f"# note: {escape_unsafe(row.note)}")
    lines += [f"# ignored: {difference_line(d)}" for d in row.ignored_differences]
    return lines


# --- the verdict -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """The counts behind every closing line and verdict."""

    add: int
    change: int
    destroy: int
    sets: int
    failed: int
    unmanaged: int
    ignored: int
    strict: bool
    drift: bool

    @classmethod
    def of(cls, plan: Plan) -> Tally:
        actions = [d.action for d in plan.changes]
        summary = plan.summary
        return cls(
            add=actions.count(Action.CREATE) + len(plan.missing_sets),
            change=actions.count(Action.UPDATE),
            destroy=actions.count(Action.DELETE),
            sets=sum(1 for s in plan.sets if s.status is not SetStatus.UNMANAGED),
            failed=len(plan.failed_sets),
            unmanaged=summary.unmanaged,
            ignored=summary.ignored,
            strict=plan.strict,
            drift=plan.drift,
        )

    @property
    def changes(self) -> str:
        return f"{self.add} to add, {self.change} to change, {self.destroy} to destroy"

    @property
    def notes(self) -> list[str]:
        """Sentences about what is shown but is not (or only in strict mode) drift."""
        notes = []
        if self.unmanaged:
            counted = "counted as drift (strict)" if self.strict else "not counted as drift"
            notes.append(f"{plural(self.unmanaged, 'unmanaged configuration set')}, {counted}.")
        if self.ignored:
            notes.append(f"{self.ignored} ignored.")
        return notes


def verdict(plan: Plan) -> list[tuple[str, str]]:
    """The verdict as ``(label, sentence)`` pairs; the label may be empty.

    Never "No drift" when a set could not be read: the verdict is then "Incomplete".
    """
    tally = Tally.of(plan)
    readable = tally.sets - tally.failed
    unread = f"{tally.failed} of {plural(tally.sets, 'configuration set')} could not be read"
    parts: list[tuple[str, str]] = []
    if tally.drift:
        parts.append(("Drift detected", f"{tally.changes}."))
        if tally.failed:
            parts.append(("Incomplete", f"{unread}."))
    elif not tally.failed:
        parts.append(("No drift", "the live event destinations match the specs."))
    elif readable:
        parts.append(("Incomplete", f"{unread}; no drift in the {readable} that could be read."))
    else:
        parts.append(("Incomplete", f"{unread}, so drift is unknown."))
    return parts + [("", note) for note in tally.notes]


def plain_verdict(plan: Plan) -> str:
    """The verdict as one line of plain (safe) text."""
    return " ".join(f"{label}: {text}" if label else text for label, text in verdict(plan))


# --- headlines: one sentence per set or row, and the rows worth showing ---------------------

_STATUS_PHRASES: Final = {
    Status.IN_SYNC: "is in sync",
    Status.MISSING: "is missing",
    Status.EXTRA: "is not declared",
    Status.MISCONFIGURED: "is misconfigured",
}
_ACTION_PHRASES: Final = {
    Action.NOOP: "will be left as it is",
    Action.CREATE: "will be created",
    Action.DELETE: "will be destroyed",
    Action.UPDATE: "will be updated in-place",
}


def row_headline(row: DestinationPlan) -> str:
    """``set/name (region) is misconfigured and will be updated in-place``, or, for a row
    that is not drift, why nothing will be done."""
    label = row_label(row)
    if row.ignored:
        return f"{label} {_STATUS_PHRASES[row.status]} but is ignored and will be left as it is"
    if row.status is Status.IN_SYNC and row.ignored_differences:
        return f"{label} is in sync apart from ignored differences and will be left as it is"
    return f"{label} {_STATUS_PHRASES[row.status]} and {_ACTION_PHRASES[row.action]}"


def set_headline(set_plan: SetPlan, strict: bool) -> str | None:
    """The line a set gets of its own, or None for a present set."""
    label = set_label(set_plan.key)
    if set_plan.status is SetStatus.MISSING:
        return f"{label} is missing and will be created"
    if set_plan.status is SetStatus.ERROR:
        error = set_plan.error
        reason = (
            f"{escape_unsafe(error.code)}: {escape_unsafe(error.message)}"
            if error
            else "unknown error"
        )
        return f"{label} could not be read: {reason}"
    if set_plan.status is SetStatus.UNMANAGED:
        if set_plan.ignored:
            how = "unmanaged, ignored"
        else:
            how = "unmanaged, counted as drift" if strict else "unmanaged"
        return f"{label} is not declared in any spec ({how})"
    return None


def is_shown(row: DestinationPlan) -> bool:
    """Whether a row has something to show: drift, an ignored row, or ignored differences."""
    if row.status is Status.IN_SYNC:
        return bool(row.ignored_differences)
    return True


def shown_rows(plan: Plan) -> list[DestinationPlan]:
    """The rows with something to show, in plan order."""
    return [row for row in plan.destinations if is_shown(row)]


# --- order: by set, grouped by account, then region -----------------------------------------


def spans_accounts(plan: Plan) -> bool:
    """Whether the plan's keys name accounts (a run with an accounts file): every format then
    groups its sets by account, then region. Without accounts, formats look as they did
    before accounts existed."""
    return any(s.key.account for s in plan.sets) or any(d.key.account for d in plan.destinations)


@dataclass(frozen=True, slots=True)
class SetGroup:
    """A set of the plan (None for rows of no listed set, which the planner never makes)
    with its rows."""

    key: SetKey
    set_plan: SetPlan | None
    rows: list[DestinationPlan]


def by_set(plan: Plan, rows: Iterable[DestinationPlan]) -> list[SetGroup]:
    """Each set of the plan with its ``rows``, in plan order, then rows of no listed set.

    A plan that spans accounts is put in the order every format shows it, by account, then
    region (then as the plan sorts: api, name); a plan without accounts keeps its order.
    """
    grouped: dict[SetKey, list[DestinationPlan]] = {}
    for row in rows:
        grouped.setdefault(row.key, []).append(row)
    out = [SetGroup(s.key, s, grouped.pop(s.key, [])) for s in plan.sets]
    out += [SetGroup(key, None, orphans) for key, orphans in grouped.items()]
    if spans_accounts(plan):
        out.sort(key=lambda group: (group.key.account, group.key.region))  # stable
    return out
