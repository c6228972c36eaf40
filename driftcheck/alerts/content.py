"""What an alert says: its kind, subject, Slack text, JSON body, SNS attributes, fingerprint.

Pure functions of the plan (and, for "resolved", of the last alert). The body is a short
*summary* of the plan, never the whole plan: an alert points at a job log, it does not
replace it. It is a small public contract (``format_version`` "1")::

    {"format_version": "1", "driftcheck_version": "0.1.0", "kind": "drift",
     "drift": true, "regions": ["us-east-1"],
     "summary": {"in_sync": 4, "missing": 1, "extra": 1, "misconfigured": 1, "errors": 0,
                 "ignored": 0, "unmanaged": 0},
     "changes": ["pinpoint-email/us-east-1/marketing/sns-bounces: misconfigured", ...],
     "more_changes": 0,
     "errors": ["pinpoint-email/us-east-1/tx: AccessDeniedException"],
     "fingerprint": "sha256:...",
     "accounts": []}

and, when drifted rows name who changed them (``plan --attribute``, ``watch``), a
``"changed_by"`` member: each listed change with an author, by its ``changes`` entry's
location, to the plan's ``changed_by`` object (``{"pinpoint-email/us-east-1/marketing/
sns-bounces": {"principal": "arn:aws:iam::...", "via": "console", ...}}``). The text names
the author after the change. Who changed it never counts in the fingerprint: the same drift
by another hand is not news.

With an accounts file, items are named as ignore patterns name them,
``111111111111:pinpoint-email/us-east-1/marketing/sns-bounces``, and ``accounts`` lists the
accounts the alert is about (like ``regions``): ``[{"account": "111111111111",
"account_name": "prod"}]`` (``account_name`` null for an account without a name); the
subject, the text and the SNS attribute ``accounts`` name them too. The fingerprint covers
each item's account, so the same drift in another account is another alert, and an item
without an account (a run without an accounts file) counts exactly as before accounts
existed: an alert state file written then still matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

from driftcheck import __version__
from driftcheck.formats.json_format import changed_by_data
from driftcheck.formats.sentences import changed_by_text, plain_verdict, resource_id, resource_path
from driftcheck.json_data import json_text, to_json_data
from driftcheck.model import SetKey, SetStatus
from driftcheck.plan_model import ChangedBy, DestinationPlan, Plan, SetPlan, Status
from driftcheck.safe_text import escape_unsafe
from driftcheck.wording import account_label, plural

FORMAT_VERSION = "1"
MAX_SUBJECT = 100  # SNS: at most 100 ASCII characters, no line breaks
MAX_LISTED = 100  # changes (and errors) listed in a body; the rest are counted
TEXT_LISTED = 10  # changes listed in the human text

Account = tuple[str, str]  # (12-digit id, name or "")


class AlertKind(str, Enum):
    DRIFT = "drift"  # drift found (unreadable sets, if any, are listed too)
    ERROR = "error"  # no drift in what could be read, but some sets could not be read
    RESOLVED = "resolved"  # the last alert's drift (or errors) cleared: a complete, clean plan

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    subject: str  # ASCII, one line, at most MAX_SUBJECT characters
    text: str  # for people (Slack mrkdwn-safe)
    document: Mapping[str, Any]  # the JSON summary
    attributes: Mapping[str, tuple[str, str]]  # SNS message attribute -> (DataType, value)

    @property
    def body(self) -> str:
        """The JSON summary as ASCII text (no character can drive a terminal)."""
        return json_text(self.document) + "\n"


def current_kind(plan: Plan) -> AlertKind | None:
    """What this plan alone calls for: drift, errors (an incomplete plan), or nothing."""
    if plan.drift:
        return AlertKind.DRIFT
    if plan.failed_sets:
        return AlertKind.ERROR
    return None


def fingerprint(plan: Plan) -> str | None:
    """A stable hash of what is drifted and how, and of which sets could not be read.

    Equal for two plans exactly when the same items drift in the same way: row order,
    ignored differences, in-sync rows and error messages (which carry request ids) do not
    count. None when the plan calls for no alert.
    """
    if current_kind(plan) is None:
        return None
    items = [_row_item(row) for row in plan.changes]
    items += [[resource_id(s.key), s.status.value] for s in _drifted_sets(plan)]
    items += [[resource_id(s.key), "unreadable"] for s in plan.failed_sets]
    return (
        "sha256:" + hashlib.sha256(_canonical(sorted(items, key=_canonical)).encode()).hexdigest()
    )


def _canonical(value: Any) -> str:
    return json.dumps(to_json_data(value), sort_keys=True, separators=(",", ":"), default=str)


def _row_item(row: DestinationPlan) -> list[Any]:
    """A drifted row: for a misconfigured one its differences (not the ignored ones), for
    a missing or extra one the whole definition that would be created or deleted."""
    if row.status is Status.MISSING:
        body: Any = row.expected
    elif row.status is Status.EXTRA:
        body = row.actual
    else:
        differences = [
            [d.path, d.type.value, d.expected, d.actual] for d in row.differences if not d.ignored
        ]
        body = sorted(differences, key=_canonical)
    return [resource_id(row.key, row.name), row.status.value, body]


def _drifted_sets(plan: Plan) -> list[SetPlan]:
    """Set-level drift that no destination row shows: missing sets without declared
    destinations, and unmanaged sets under ``strict``."""
    with_rows = {row.key for row in plan.changes}
    missing = [s for s in plan.missing_sets if s.key not in with_rows]
    return missing + (list(plan.unmanaged_sets) if plan.strict else [])


class _Change(NamedTuple):
    key: SetKey
    destination: str | None
    status: str  # the status, or an unreadable set's error code
    paths: tuple[str, ...] = ()  # the differing fields of a misconfigured destination
    changed_by: ChangedBy | None = None  # who made the write that explains it, when known

    def __str__(self) -> str:
        return f"{resource_id(self.key, self.destination)}: {self.status}"

    @property
    def text(self) -> str:
        """``path` in account prod (111111111111): status`` for the human text (not made
        safe: the whole text is)."""
        where = f"`{_code(resource_path(self.key, self.destination))}`"
        if self.key.account:
            where += f" in account {account_label(self.key.account, self.key.account_name)}"
        return f"{where}: {self.status}"


def _changes(plan: Plan) -> list[_Change]:
    rows = [
        _Change(
            r.key,
            r.name,
            r.status.value,
            tuple(dict.fromkeys(d.path for d in r.differences if not d.ignored)),
            r.changed_by,
        )
        for r in plan.changes
    ]
    return rows + [
        _Change(s.key, None, _set_status(s), changed_by=s.changed_by) for s in _drifted_sets(plan)
    ]


def _errors(plan: Plan) -> list[_Change]:
    return [_Change(s.key, None, s.error.code if s.error else "error") for s in plan.failed_sets]


def build_alert(
    plan: Plan,
    kind: AlertKind,
    *,
    resolved_regions: Sequence[str] = (),
    resolved_accounts: Sequence[Account] = (),
) -> Alert:
    """The alert of ``kind`` for ``plan``; a "resolved" one names ``resolved_regions`` and
    ``resolved_accounts`` (those of the alert it resolves), else the plan's."""
    summary = plan.summary
    changes, errors = _changes(plan), _errors(plan)
    if kind is AlertKind.RESOLVED:
        keys = [s.key for s in plan.sets]
        regions = sorted(set(resolved_regions)) or _regions(keys)
        accounts = sorted(set(resolved_accounts)) or _accounts(keys)
    else:
        drifted = [r.key for r in plan.changes] + [s.key for s in _drifted_sets(plan)]
        keys = [*drifted, *(s.key for s in plan.failed_sets)]
        regions, accounts = _regions(keys), _accounts(keys)
    subject = _subject(kind, plan, regions, accounts)
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "driftcheck_version": __version__,
        "kind": kind.value,
        "drift": plan.drift,
        "regions": regions,
        "summary": summary.as_dict(),
        "changes": [str(c) for c in changes[:MAX_LISTED]],
        "more_changes": max(0, len(changes) - MAX_LISTED),
        "errors": [str(e) for e in errors[:MAX_LISTED]],
        "fingerprint": fingerprint(plan),
        "accounts": [{"account": a, "account_name": name or None} for a, name in accounts],
    }
    authors = {
        resource_id(c.key, c.destination): changed_by_data(c.changed_by)
        for c in changes[:MAX_LISTED]
        if c.changed_by is not None
    }
    if authors:
        document["changed_by"] = authors
    attributes = {
        "kind": ("String", kind.value),
        "drift": ("String", "true" if plan.drift else "false"),
        "region": ("String", ",".join(regions) or "none"),
        "regions": ("String.Array", json.dumps(regions)),
        "missing": ("Number", str(summary.missing)),
        "extra": ("Number", str(summary.extra)),
        "misconfigured": ("Number", str(summary.misconfigured)),
        "errors": ("Number", str(summary.errors)),
    }
    if accounts:  # SNS allows 10 attributes: this is the 9th, only in a run with accounts
        attributes["accounts"] = ("String.Array", json.dumps([a for a, _ in accounts]))
    return Alert(kind, subject, _text(kind, subject, plan, changes, errors), document, attributes)


def _set_status(set_plan: SetPlan) -> str:
    return "missing configuration set" if set_plan.status is SetStatus.MISSING else "unmanaged"


def _regions(keys: Iterable[SetKey]) -> list[str]:
    return sorted({key.region for key in keys})


def _accounts(keys: Iterable[SetKey]) -> list[Account]:
    """The accounts of ``keys`` (none in a run without an accounts file), by id."""
    return sorted({(key.account, key.account_name) for key in keys if key.account})


def _listed(names: Sequence[str], noun: str) -> str:
    """``a``, ``a and b``, or ``3 regions``."""
    if len(names) <= 2:
        return " and ".join(names)
    return plural(len(names), noun)


def _subject(
    kind: AlertKind, plan: Plan, regions: Sequence[str], accounts: Sequence[Account]
) -> str:
    if kind is AlertKind.RESOLVED:
        what = "drift resolved"
    else:
        parts = []
        if plan.changes:
            parts.append(plural(len(plan.changes), "drifted event destination"))
        if _drifted_sets(plan):
            parts.append(plural(len(_drifted_sets(plan)), "drifted configuration set"))
        if plan.failed_sets:
            parts.append(plural(len(plan.failed_sets), "unreadable set"))
        what = " and ".join(parts)
    if len(accounts) == 1:
        in_accounts = account_label(*accounts[0])
    else:  # names where there are, to keep the subject short
        in_accounts = _listed([name or account for account, name in accounts], "account")
    places = [part for part in (in_accounts, _listed(regions, "region")) if part]
    where = f" in {', '.join(places)}" if places else ""
    return _subject_line(f"driftcheck: {what}{where}")


def _subject_line(text: str) -> str:
    """One printable ASCII line of at most MAX_SUBJECT characters."""
    ascii_text = "".join(c if " " <= c <= "~" else "?" for c in text)
    if len(ascii_text) <= MAX_SUBJECT:
        return ascii_text
    return ascii_text[: MAX_SUBJECT - 3] + "..."


def _text(
    kind: AlertKind, subject: str, plan: Plan, changes: list[_Change], errors: list[_Change]
) -> str:
    """A short human summary: the subject, the plan's verdict with its counts (the same
    words as every format), the first changes and the unreadable sets."""
    lines = [f"*{subject}*", plain_verdict(plan)]
    if kind is not AlertKind.RESOLVED:
        for change in changes[:TEXT_LISTED]:
            fields = ", ".join(f"`{_code(path)}`" for path in change.paths)
            fields = f" ({fields})" if fields else ""
            author = ""
            if change.changed_by is not None:
                author = f": {changed_by_text(change.changed_by, plan.attributed_at)}"
            lines.append(f"• {change.text}{fields}{author}")
        if len(changes) > TEXT_LISTED:
            lines.append(f"…and {len(changes) - TEXT_LISTED} more: see the plan in the job log")
        for error in errors[:TEXT_LISTED]:
            lines.append(f"• could not read {error.text}")
        if len(errors) > TEXT_LISTED:
            lines.append(f"…and {plural(len(errors) - TEXT_LISTED, 'more unreadable set')}")
    return slack_escape(escape_unsafe("\n".join(lines), keep="\n"))


def _code(text: str) -> str:
    """``text`` safe inside a Slack code span (which cannot escape a backtick)."""
    return text.replace("`", "'")


def slack_escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as Slack's entities, so nothing becomes a link or a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
