"""The ``markdown`` format: a pull-request comment or a ``$GITHUB_STEP_SUMMARY`` body.

A one-line verdict, then one section per configuration set with something to say: a table
of its changed (or ignored) destinations (with who changed each after ``plan --attribute``)
and, collapsed in a ``<details>`` block, their field differences in a ``diff`` code block.
Unmanaged sets and warnings get a section each. The whole stays within GitHub's
65,536-character limit on a comment: sections that do not fit are counted, not shown. A
plan that spans accounts has a heading per account and region over the (then ``####``)
sections of its sets, and its unmanaged sets an Account column.

No name or value can break the layout or inject markup: every text that comes from a spec
or the API is a code span (never a link, never HTML, never emphasis: GitHub's autolinker
skips code spans, and backslash escapes cannot stop it from linking an e-mail address),
with ``|`` escaped inside table cells, and the differences are in a fenced block longer
than any backtick run they hold. Control characters were already made ``\\uXXXX`` text.
Never coloured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from driftcheck.formats.sentences import (
    by_set,
    changed_when,
    detail_lines,
    location,
    shown_rows,
    spans_accounts,
    verdict,
)
from driftcheck.model import SetKey, SetStatus
from driftcheck.plan_model import ChangedBy, DestinationPlan, Plan, SetPlan, Status
from driftcheck.safe_text import escape_unsafe
from driftcheck.wording import account_label, plural

TITLE: Final = "## driftcheck plan"
# GitHub's limit on a comment body (a step summary may hold 1 MiB, but is read by people).
MAX_CHARS: Final = 65_536
_TRUNCATED: Final = (
    "**Truncated**: {sections} not shown, to stay within GitHub's size limits; "
    "the text plan in the job log has them all.\n"
)
_TRUNCATION_ROOM: Final = 200

_STATUS_WORDS: Final = {
    Status.IN_SYNC: "in sync",
    Status.MISSING: "missing",
    Status.EXTRA: "not declared",
    Status.MISCONFIGURED: "misconfigured",
}
_BACKTICKS: Final = re.compile(r"`+")

__all__ = ["render"]


def code(text: str, *, in_table: bool = False) -> str:
    """``text`` as an inline code span that nothing inside it can end or escape from."""
    text = escape_unsafe(text)
    if not text:
        return "(empty)"
    if in_table:
        text = text.replace("|", "\\|")  # GFM splits cells before parsing code spans
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fenced(lines: Sequence[str], info: str = "diff") -> list[str]:
    """A fenced code block longer than any backtick run of its (safe, one-line) lines."""
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", *lines, fence]


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    return [
        f"| {' | '.join(header)} |",
        f"|{'|'.join(' --- ' for _ in header)}|",
        *(f"| {' | '.join(row)} |" for row in rows),
    ]


def _account(key: SetKey, *, in_table: bool = False) -> str:
    return code(account_label(key.account, key.account_name), in_table=in_table)


def _group_title(key: SetKey) -> str:
    """The heading of an account and region, in a plan that spans accounts."""
    return f"### Account {_account(key)}, region {code(key.region)}"


def _set_title(key: SetKey, level: str) -> str:
    return f"{level} {code(key.name)} ({code(key.region)}, {key.api.value})"


def _status(row: DestinationPlan) -> str:
    if row.ignored:
        return f"{_STATUS_WORDS[row.status]} (ignored)"
    if row.status is Status.IN_SYNC:
        return f"in sync ({len(row.ignored_differences)} ignored)"
    return _STATUS_WORDS[row.status]


def _action(row: DestinationPlan) -> str:
    return "none" if not row.drifted else row.action.value


def _spec(row: DestinationPlan) -> str:
    where = location(row.source)
    if where is None:
        return ""
    return code(where, in_table=True) + (" (its set)" if row.status is Status.EXTRA else "")


def _author(changed_by: ChangedBy | None, plan: Plan) -> str:
    """Who made the drift: ``ARN`` via console, 4 minutes ago; "" when unknown."""
    if changed_by is None:
        return ""
    when = changed_when(changed_by, plan.attributed_at)
    return f"{code(changed_by.principal, in_table=True)} via {changed_by.via.value}, {when}"


def _differences(rows: Sequence[DestinationPlan]) -> list[str]:
    lines: list[str] = []
    for row in rows:
        details = detail_lines(row)
        if details:
            lines += [f"# {escape_unsafe(row.name)}", *details]
    if not lines:
        return []
    return [
        "<details><summary>Field differences</summary>",
        "",
        *_fenced(lines),
        "",
        "</details>",
    ]


def _set_section(
    set_plan: SetPlan, rows: Sequence[DestinationPlan], plan: Plan, level: str
) -> list[str]:
    lines = [_set_title(set_plan.key, level), ""]
    error = set_plan.error
    if set_plan.status is SetStatus.ERROR:
        reason = f"{error.code}: {error.message}" if error else "unknown error"
        lines += [f"**Could not be read**: {code(reason)}", ""]
    elif set_plan.status is SetStatus.MISSING:
        author = _author(set_plan.changed_by, plan)
        deleted = f" Deleted by {author}." if author else ""
        lines += [f"**Missing**: the configuration set will be created.{deleted}", ""]
    if rows:
        header = ["Destination", "Status", "Action", "Spec"]
        cells = [[code(r.name, in_table=True), _status(r), _action(r), _spec(r)] for r in rows]
        if plan.attributed_at is not None:  # plan --attribute
            header.append("Changed by")
            for cell, row in zip(cells, rows, strict=True):
                cell.append(_author(row.changed_by, plan))
        table = _table(header, cells)
        lines += [*table, ""]
        differences = _differences(rows)
        if differences:
            lines += [*differences, ""]
    return lines


def _unmanaged_section(plan: Plan) -> list[str]:
    unmanaged = [s for s in plan.sets if s.status is SetStatus.UNMANAGED]
    if not unmanaged:
        return []
    counted = "drift (strict)" if plan.strict else "not drift"

    def verdict_of(set_plan: SetPlan) -> str:
        return "ignored" if set_plan.ignored else counted

    fleet = spans_accounts(plan)

    def row(set_plan: SetPlan) -> list[str]:
        key = set_plan.key
        cells = [code(key.name, in_table=True), code(key.region, in_table=True)]
        if fleet:
            cells.insert(1, _account(key, in_table=True))
        return [*cells, key.api.value, verdict_of(set_plan)]

    header = ["Configuration set", "Region", "API", "Counted as"]
    if fleet:
        header.insert(1, "Account")
    return [
        "### Unmanaged configuration sets",
        "",
        "Live in a declared API and region, but declared in no spec.",
        "",
        *_table(header, (row(s) for s in unmanaged)),
        "",
    ]


def _warnings_section(plan: Plan) -> list[str]:
    if not plan.warnings:
        return []
    return ["### Warnings", "", *(f"- {code(w)}" for w in plan.warnings), ""]


def _sections(plan: Plan) -> list[list[str]]:
    """A section per set with something to say; in a plan that spans accounts, the first
    section of each account and region starts with their heading."""
    fleet = spans_accounts(plan)
    level = "####" if fleet else "###"
    sections = []
    heading: tuple[str, str] | None = None
    for group in by_set(plan, shown_rows(plan)):
        # rows of no listed set (not made by the planner) are shown under a present set
        set_plan = group.set_plan or SetPlan(group.key, SetStatus.PRESENT, None)
        if set_plan.status not in (SetStatus.MISSING, SetStatus.ERROR) and not group.rows:
            continue
        section = _set_section(set_plan, group.rows, plan, level)
        if fleet and heading != group.key.target:
            heading = group.key.target
            section = [_group_title(group.key), "", *section]
        sections.append(section)
    return [s for s in (*sections, _unmanaged_section(plan), _warnings_section(plan)) if s]


def render(plan: Plan, *, color: bool = False) -> str:
    """The plan as GitHub-flavoured markdown of at most ``MAX_CHARS`` characters; ``color``
    is ignored.

    The verdict always comes first and counts everything; when the sections do not all fit,
    those that do are followed by a line saying how many were left out.
    """
    del color
    line = " ".join(f"**{label}**: {text}" if label else text for label, text in verdict(plan))
    out = "\n".join([TITLE, "", line, ""]) + "\n"
    sections = ["\n".join(section) + "\n" for section in _sections(plan)]
    for index, section in enumerate(sections):
        if len(out) + len(section) > MAX_CHARS - _TRUNCATION_ROOM:
            out += _TRUNCATED.format(sections=plural(len(sections) - index, "more section"))
            break
        out += section
    return out.rstrip("\n") + "\n"
