"""The ``text`` format: a Terraform-like plan, readable in a CI log.

The plan reads as the changes that would make the live side match the specs::

  # marketing/sns-bounces (us-east-1) is misconfigured and will be updated in-place
  ~ event_destination "sns-bounces" {
      ~ MatchingEventTypes = [
          + "COMPLAINT",
          - "OPEN",
            # (1 unchanged element hidden)
        ]
        # (1 unchanged attribute hidden)
    }

``+`` is created (in the spec, not live), ``-`` destroyed (live, not in the spec), ``~``
updated in-place (``live -> spec``). Only what changes is shown. Each ``will be ...`` header
counts once in the closing ``Plan:`` line, missing configuration sets included.

Differences are the truth: a member is shown as changed exactly when a
:class:`~driftcheck.plan_model.Difference` lies at or under its path, and the definitions only
give the context (whole blocks, unchanged counts). A difference the layout cannot place is
still listed, by its full path, so that none is ever lost.

What is shown but is not drift says so: an ignored difference is a ``# ignored:`` comment
inside its destination (its member is neither changed nor counted as unchanged), an ignored
destination gets its header only, and an unmanaged configuration set a line of its own.
Warnings come last but one; the closing line counts what was ignored, and never says
"No changes" when a set could not be read. A plan that spans accounts is grouped by
account, then region, each group under an ``Account prod (111111111111), region us-east-1``
heading, and every header names the account.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from driftcheck.diffpath import Key, Member, child, covers, format_path, key_of, keyed_items
from driftcheck.formats.sentences import DIFF_MARKERS as _DIFF_MARKERS
from driftcheck.formats.sentences import (
    Tally,
    by_set,
    change_text,
    changed_by_line,
    difference_line,
    group_title,
    row_headline,
    set_headline,
    shown_rows,
    spans_accounts,
)
from driftcheck.formats.sentences import literal as _literal
from driftcheck.formats.sentences import one_side as _one_side
from driftcheck.model import SetStatus
from driftcheck.plan_model import Action, DestinationPlan, Difference, DiffType, Plan, SetPlan
from driftcheck.safe_text import escape_unsafe as _safe
from driftcheck.service_model import COMMON_MEMBERS
from driftcheck.wording import plural as _plural

_ACTION_MARKERS: Final = {Action.CREATE: "+", Action.DELETE: "-", Action.UPDATE: "~"}

_RESET: Final = "\x1b[0m"
_BOLD: Final = "\x1b[1m"
_MARKER_COLORS: Final = {"+": "\x1b[32m", "-": "\x1b[31m", "~": "\x1b[33m"}
_ERROR_COLOR: Final = "\x1b[1;31m"
_WARNING_COLOR: Final = "\x1b[33m"

_INDENT: Final = "    "


class _Absent:
    """The side of a member that does not have it."""


_ABSENT: Final = _Absent()


# --- lines and styling ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """One line of a resource body: ``depth`` levels in, a marker column, then text."""

    depth: int
    marker: str  # "+", "-", "~" or "" (context, comments, closing brackets)
    text: str


@dataclass(frozen=True)
class _Style:
    color: bool

    def paint(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def header(self, text: str) -> str:
        return self.paint(_BOLD, f"  # {text}")

    def line(self, line: _Line) -> str:
        marker = self.paint(_MARKER_COLORS[line.marker], line.marker) if line.marker else " "
        return f"  {_INDENT * line.depth}{marker} {line.text}"


# --- the members of a definition -----------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    """One attribute or block of a definition, on both sides, with its difference path.

    A keyed list (dimension configurations) becomes one member per item, named and
    addressed by its key as difference paths write it (:mod:`driftcheck.diffpath`):
    ``DimensionConfigurations[my-dim]``. A list that cannot be keyed (a repeated or missing
    name) is one value, as the plan compares it.
    """

    label: str
    path: str
    expected: Any
    actual: Any
    list_path: str | None = None  # for an item of a keyed list: the path of its list,
    list_member: str = ""  # the list's member name,
    identity: str | None = None  # and the item's key

    @property
    def present(self) -> Any:
        return self.actual if self.expected is _ABSENT else self.expected

    @property
    def is_block(self) -> bool:
        return isinstance(self.present, Mapping)

    def owns(self, difference: Difference) -> bool:
        """Whether ``difference`` is about this member or lies inside it."""
        if covers(self.path, difference.path):
            return True
        if difference.path != self.list_path or difference.type is DiffType.NOT_EQUAL:
            return False
        # an item, or the whole list, added or removed at the list's path
        side = _one_side(difference)
        items = side if isinstance(side, (list, tuple)) else [side]
        return any(key_of(self.list_member, item) == self.identity for item in items)


def _member_order(name: str) -> tuple[int, str]:
    if name in COMMON_MEMBERS:
        return (COMMON_MEMBERS.index(name), "")
    return (len(COMMON_MEMBERS), name)


def _items(name: str, value: Any) -> dict[str, Any] | None:
    """The items of a keyed list member by key (none for a side that lacks the member)."""
    return {} if value is _ABSENT else keyed_items(name, value)


def _members(expected: Any, actual: Any, prefix: str) -> list[_Member]:
    """The members of two mappings (either may be absent), in display order."""
    exp = expected if isinstance(expected, Mapping) else {}
    act = actual if isinstance(actual, Mapping) else {}
    members: list[_Member] = []
    for name in sorted({*exp, *act}, key=_member_order):
        path = child(prefix, Member(name))
        exp_value, act_value = exp.get(name, _ABSENT), act.get(name, _ABSENT)
        exp_items, act_items = _items(name, exp_value), _items(name, act_value)
        if exp_items is None or act_items is None or not (exp_items or act_items):
            # not a keyed list on both sides (or an empty one): one value
            members.append(_Member(_safe(format_path([Member(name)])), path, exp_value, act_value))
            continue
        for identity in sorted({*exp_items, *act_items}):
            members.append(
                _Member(
                    label=_safe(format_path([Member(name), Key(identity)])),
                    path=child(path, Key(identity)),
                    expected=exp_items.get(identity, _ABSENT),
                    actual=act_items.get(identity, _ABSENT),
                    list_path=path,
                    list_member=name,
                    identity=identity,
                )
            )
    return members


def _pad(members: Sequence[_Member]) -> int:
    """The width that aligns the ``=`` of the attributes shown in one block."""
    return max((len(m.label) for m in members if not m.is_block), default=0)


# --- whole members: created or destroyed ---------------------------------------------------


def _whole(label: str, value: Any, depth: int, marker: str, width: int) -> list[_Line]:
    if isinstance(value, Mapping):
        return [
            _Line(depth, marker, f"{label} {{"),
            *_whole_mapping(value, depth + 1, marker),
            _Line(depth, "", "}"),
        ]
    head = label.ljust(width)
    if isinstance(value, (list, tuple)) and value:
        return [
            _Line(depth, marker, f"{head} = ["),
            *(_Line(depth + 1, marker, f"{_literal(item)},") for item in value),
            _Line(depth, "", "]"),
        ]
    return [_Line(depth, marker, f"{head} = {_literal(value)}")]


def _whole_mapping(mapping: Mapping[str, Any], depth: int, marker: str) -> list[_Line]:
    members = _members(mapping, _ABSENT, "")
    width = _pad(members)
    return [
        line
        for member in members
        for line in _whole(member.label, member.present, depth, marker, width)
    ]


# --- changed members: updated in-place -----------------------------------------------------


def _stray(difference: Difference, depth: int) -> _Line:
    """A difference the layout could not place, by its full path."""
    return _Line(depth, _DIFF_MARKERS[difference.type], change_text(difference))


def _hidden(count: int, noun: str, depth: int) -> list[_Line]:
    return [_Line(depth, "", f"# ({_plural(count, f'unchanged {noun}')} hidden)")] if count else []


def _active(differences: Sequence[Difference]) -> list[Difference]:
    return [d for d in differences if not d.ignored]


def _changed_mapping(
    expected: Any, actual: Any, differences: Sequence[Difference], prefix: str, depth: int
) -> list[_Line]:
    """The changed members of a mapping, then the counts of the unchanged ones.

    ``differences`` may include ignored ones: a member they alone touch is neither shown
    as changed nor counted as unchanged (the ignored differences are listed on their own).
    """
    members = _members(expected, actual, prefix)
    owned = {m.path: [d for d in differences if m.owns(d)] for m in members}
    changed = [m for m in members if _active(owned[m.path])]
    width = _pad(changed)
    lines = [line for m in changed for line in _changed(m, owned[m.path], depth, width)]
    lines += [_stray(d, depth) for d in _active(differences) if not any(m.owns(d) for m in members)]
    unchanged = [m for m in members if not owned[m.path]]
    blocks = sum(m.is_block for m in unchanged)
    return (
        lines
        + _hidden(len(unchanged) - blocks, "attribute", depth)
        + _hidden(blocks, "block", depth)
    )


def _changed(
    member: _Member, differences: Sequence[Difference], depth: int, width: int
) -> list[_Line]:
    exp, act = member.expected, member.actual
    if isinstance(exp, Mapping) and isinstance(act, Mapping):
        return [
            _Line(depth, "~", f"{member.label} {{"),
            *_changed_mapping(exp, act, differences, member.path, depth + 1),
            _Line(depth, "", "}"),
        ]
    differences = _active(differences)
    if act is _ABSENT:
        return _whole(member.label, exp, depth, "+", width)
    if exp is _ABSENT:
        return _whole(member.label, act, depth, "-", width)
    items = [d for d in differences if d.path == member.path and d.type is not DiffType.NOT_EQUAL]
    if items and isinstance(exp, (list, tuple)) and isinstance(act, (list, tuple)):
        rest = [d for d in differences if d not in items]
        return _changed_items(member.label.ljust(width), exp, act, items, depth) + [
            _stray(d, depth) for d in rest
        ]
    scalar = [d for d in differences if d.path == member.path and d.type is DiffType.NOT_EQUAL]
    head = [_Line(depth, "~", f"{member.label.ljust(width)} = {_literal(act)} -> {_literal(exp)}")]
    return (head if scalar else []) + [_stray(d, depth) for d in differences if d not in scalar]


def _changed_items(
    head: str,
    expected: Sequence[Any],
    actual: Sequence[Any],
    items: Sequence[Difference],
    depth: int,
) -> list[_Line]:
    """A list whose elements were added or removed (``MatchingEventTypes``), as a set."""
    values = sorted((_literal(_one_side(d)), _DIFF_MARKERS[d.type]) for d in items)
    unchanged = sum(1 for item in expected if item in actual)
    return [
        _Line(depth, "~", f"{head} = ["),
        *(_Line(depth + 1, marker, f"{value},") for value, marker in values),
        *_hidden(unchanged, "element", depth + 1),
        _Line(depth, "", "]"),
    ]


# --- sections ------------------------------------------------------------------------------


def _ignored_lines(row: DestinationPlan) -> list[_Line]:
    return [_Line(1, "", f"# ignored: {difference_line(d)}") for d in row.ignored_differences]


def _body(row: DestinationPlan) -> list[_Line]:
    marker = _ACTION_MARKERS.get(row.action)
    if row.ignored:
        return []
    if marker is None:  # in sync apart from ignored differences
        return _ignored_lines(row)
    opening = _Line(0, marker, f'event_destination "{_safe(row.name)}" {{')
    if row.action is Action.UPDATE:
        inner = _changed_mapping(row.expected, row.actual, row.differences, "", 1)
        inner += _ignored_lines(row)
    else:
        definition = row.expected if row.action is Action.CREATE else row.actual
        inner = _whole_mapping(definition or {}, 1, marker)
    return [opening, *inner, _Line(0, "", "}")]


def _destination_section(row: DestinationPlan, plan: Plan, style: _Style) -> list[str]:
    lines = [style.header(row_headline(row))]
    if (author := changed_by_line(row.changed_by, plan)) is not None:
        lines.append(f"  {author}")
    if row.note:
        lines.append(f"  # note: {_safe(row.note)}")
    return lines + [style.line(line) for line in _body(row)]


def _set_section(set_plan: SetPlan, plan: Plan, style: _Style) -> list[str]:
    headline = set_headline(set_plan, plan.strict)
    if headline is None:
        return []
    if set_plan.status is SetStatus.ERROR:
        return [style.paint(_ERROR_COLOR, f"  ! {headline}")]
    author = changed_by_line(set_plan.changed_by, plan)
    return [style.header(headline)] + ([f"  {author}"] if author is not None else [])


def _sections(plan: Plan, style: _Style) -> Iterator[list[str]]:
    """Each set's own line, then its shown destinations; rows of no listed set last. A plan
    that spans accounts has a heading before each account and region with something shown."""
    fleet = spans_accounts(plan)
    heading: tuple[str, str] | None = None
    for group in by_set(plan, shown_rows(plan)):
        sections = [_destination_section(row, plan, style) for row in group.rows]
        if group.set_plan is not None:
            sections.insert(0, _set_section(group.set_plan, plan, style))
        sections = [section for section in sections if section]
        if fleet and sections and heading != group.key.target:
            heading = group.key.target
            yield [style.paint(_BOLD, group_title(group.key))]
        yield from sections
    if plan.warnings:
        yield [style.paint(_WARNING_COLOR, f"Warning: {_safe(w)}") for w in plan.warnings]


def _closing(plan: Plan) -> list[str]:
    tally = Tally.of(plan)
    readable = tally.sets - tally.failed
    notes = "".join(f" {note}" for note in tally.notes)
    if tally.drift:
        lines = [f"Plan: {tally.changes}.{notes}"]
        if tally.failed:
            lines.append(
                f"{tally.failed} of {_plural(tally.sets, 'configuration set')} could not be "
                "read, so this plan is incomplete."
            )
        return lines
    if not tally.failed:
        return [f"No changes. Live event destinations match the specs.{notes}"]
    if readable:
        return [
            f"No changes in the {_plural(readable, 'configuration set')} that could be read; "
            f"{tally.failed} could not be read.{notes}"
        ]
    return [
        f"{tally.failed} of {_plural(tally.sets, 'configuration set')} could not be read, "
        f"so drift is unknown.{notes}"
    ]


def render(plan: Plan, *, color: bool = False) -> str:
    """The plan as Terraform-like text; ANSI colours only when ``color`` is true."""
    style = _Style(color)
    blocks = ["\n".join(section) for section in _sections(plan, style)]
    blocks.append("\n".join(style.paint(_BOLD, line) for line in _closing(plan)))
    return "\n\n".join(blocks) + "\n"
