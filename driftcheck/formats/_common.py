"""Helpers every format needs: safe text, plain JSON data, and the shared wording of a plan.

Names and values come from spec files and from the API, so they may hold control
characters; a format must never pass one through to a CI log or a terminal. The wording
(one line per difference, the verdict, the findings) is shared so that every format says
the same thing the same way; each format only adds the escaping its medium needs.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from driftcheck.model import (
    Action,
    Api,
    DestinationPlan,
    Difference,
    DiffType,
    Plan,
    SetKey,
    SetPlan,
    SetStatus,
    Source,
    Status,
)

# Control characters (C0, DEL, C1: ESC and CSI start escape sequences), format characters
# (bidirectional overrides, zero-width marks), line and paragraph separators, lone surrogates.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})

DEFAULT_API: Final = Api.PINPOINT_EMAIL


def escape_char(char: str) -> str:
    """``char`` as JSON ``\\uXXXX`` escapes (a surrogate pair beyond the BMP)."""
    units = char.encode("utf-16-be", "surrogatepass")
    return "".join(
        f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2)
    )


def escape_unsafe(text: str, *, keep: str = "") -> str:
    """``text`` with every unsafe character (except those in ``keep``) as a ``\\uXXXX`` escape.

    The escapes are JSON's, so applying this to JSON text keeps its meaning.
    """
    if text.isprintable():  # fast path: every unsafe character is non-printable
        return text
    return "".join(
        escape_char(char)
        if char not in keep and unicodedata.category(char) in _UNSAFE_CATEGORIES
        else char
        for char in text
    )


def to_json_data(value: Any) -> Any:
    """``value`` with every mapping a ``dict`` and every list or tuple a ``list``."""
    if isinstance(value, Mapping):
        return {str(key): to_json_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_data(item) for item in value]
    return value


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as ASCII-only JSON: lossless, and DEL escaped too, so no control character
    of a name or value reaches a log."""
    return json.dumps(value, indent=indent, ensure_ascii=True).replace("\x7f", "\\u007f")


def json_text_at(value: Any, depth: int) -> str:
    """``json_text(value)`` as it reads ``depth`` levels into an indented document."""
    text = json_text(value)
    return text.replace("\n", "\n" + "  " * depth) if depth else text


def literal(value: Any) -> str:
    """A value as a JSON literal (strings quoted, booleans lower-case, null), made safe."""
    return escape_unsafe(json.dumps(to_json_data(value), ensure_ascii=False))


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def where(key: SetKey) -> str:
    """``(region)``, or ``(region, api)`` when the API is not the default one."""
    if key.api is DEFAULT_API:
        return f"({escape_unsafe(key.region)})"
    return f"({escape_unsafe(key.region)}, {key.api.value})"


def set_label(key: SetKey) -> str:
    """``configuration set NAME (region)``."""
    return f"configuration set {escape_unsafe(key.name)} {where(key)}"


def row_label(row: DestinationPlan) -> str:
    """``set/destination (region)``."""
    return f"{escape_unsafe(row.key.name)}/{escape_unsafe(row.name)} {where(row.key)}"


def resource_id(key: SetKey, destination: str | None = None) -> str:
    """``api/region/set[/destination]``: the form ignore patterns match (not escaped)."""
    parts = [key.api.value, key.region, key.name]
    return "/".join(parts if destination is None else [*parts, destination])


def location(source: Source | None) -> str | None:
    """``file:line:column``, made safe, or None."""
    if source is None:
        return None
    return f"{escape_unsafe(source.file)}:{source.line}:{source.column}"


# --- differences -----------------------------------------------------------------------------

# What applying the plan does with a member, given a difference's type (live -> spec):
# ``+`` added (in the spec, not live), ``-`` removed (live, not in the spec), ``~`` changed.
DIFF_MARKERS: Final = {DiffType.ADD: "-", DiffType.REMOVE: "+", DiffType.NOT_EQUAL: "~"}


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


# --- findings: what the annotation formats report --------------------------------------------


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


def shown_rows(plan: Plan) -> dict[SetKey, list[DestinationPlan]]:
    """The rows with something to show, by set, in plan order."""
    shown: dict[SetKey, list[DestinationPlan]] = {}
    for row in plan.destinations:
        if is_shown(row):
            shown.setdefault(row.key, []).append(row)
    return shown


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


def _anchor(plan: Plan, key: SetKey) -> Source | None:
    """Where an unmanaged set is best shown: the first declared set of its api and region
    (the spec where it would be declared); None when there is none."""
    for s in plan.sets:
        if s.source is not None and (s.key.api, s.key.region) == (key.api, key.region):
            return s.source
    return None


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
        details = ("Declare it in a spec, or ignore it with a pattern api/region/set.",)
    source = set_plan.source or _anchor(plan, set_plan.key)
    return Finding(kind, severity, set_plan.key, None, source, headline, details, set_plan.ignored)


def _row_finding(row: DestinationPlan) -> Finding:
    severity = Severity.ERROR if row.drifted else Severity.IGNORED
    return Finding(
        _ROW_KINDS[row.status],
        severity,
        row.key,
        row.name,
        row.source,
        row_headline(row),
        tuple(detail_lines(row)),
        row.ignored,
    )


def findings(plan: Plan) -> list[Finding]:
    """Every set with a line of its own and every shown row, in plan order (each set, then
    its rows; rows of no listed set last)."""
    rows = shown_rows(plan)
    out: list[Finding] = []
    for set_plan in plan.sets:
        finding = _set_finding(plan, set_plan)
        if finding is not None:
            out.append(finding)
        out += [_row_finding(row) for row in rows.pop(set_plan.key, [])]
    out += [_row_finding(row) for group in rows.values() for row in group]
    return out
