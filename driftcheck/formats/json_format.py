"""The ``json`` format: a public, versioned contract for machines.

Shape (keys in this order; ``format_version`` changes only when a key is removed or its
meaning changes; new keys may be added within a version)::

    format_version, driftcheck_version, drift,
    summary {in_sync, missing, extra, misconfigured, errors, ignored, unmanaged, files},
    configuration_sets [{account, account_name, api, region, name, status, source, error,
                         fingerprint, ignored, changed_by}],
    destinations [{account, account_name, api, region, configuration_set, name, status,
                   action, expected, actual,
                   differences [{path, type, expected, actual, ignored}],
                   source, note, ignored, changed_by}],
    errors [{account, account_name, api, region, configuration_set, code, message}],
    warnings [string], strict

``source`` is ``{file, line, column}`` or null (always null for an ``unmanaged`` set); a
set's ``error`` is ``{code, message}`` or null; ``note`` is a sentence explaining a special
case, or null. ``ignored`` marks what matched ``IgnoreChanges`` or an ignore pattern: shown,
not drift; the status counts of ``summary`` leave ignored rows out, and ``summary.ignored``
counts ignored rows, differences and sets; ``summary.files`` is how many spec files were
read. ``account`` is the 12-digit account id and ``account_name`` its name in the accounts
file; both are null in a run without an accounts file (``--accounts``), where the account is
not known (the credentials' own), and ``account_name`` is null for an account without a
name. ``changed_by`` (``plan --attribute``) names the latest CloudTrail write that explains
a drifted row or a missing set: ``{principal, user, type, at, event, via, source_ip,
event_id}`` (``at`` ISO-8601 UTC ending in ``Z``), or null (not asked for, not drift, or no
such write found). The keys after ``error``, ``note``, ``errors`` and ``unmanaged``, and
``account``, ``account_name`` and ``changed_by``, were added within version 1. Never
coloured. A saved plan (``plan --out``) is another document (:mod:`driftcheck.saved_plan`).
"""

from __future__ import annotations

from typing import Any

from driftcheck import __version__
from driftcheck.formats.sentences import iso_utc
from driftcheck.json_data import json_text, json_text_at, to_json_data
from driftcheck.model import SetKey, Source
from driftcheck.plan_model import ChangedBy, DestinationPlan, Difference, Plan, SetPlan

FORMAT_VERSION = "1"


def _source(source: Source | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {"file": source.file, "line": source.line, "column": source.column}


def key_fields(key: SetKey, name_key: str) -> dict[str, Any]:
    """Where a set is: ``account``, ``account_name`` (null without an accounts file),
    ``api``, ``region``, and its name under ``name_key``."""
    return {
        "account": key.account or None,
        "account_name": key.account_name or None,
        "api": key.api.value,
        "region": key.region,
        name_key: key.name,
    }


def changed_by_data(changed_by: ChangedBy | None) -> dict[str, Any] | None:
    """``changed_by`` as JSON: its fields by name, ``at`` as ISO-8601 UTC with ``Z``."""
    if changed_by is None:
        return None
    return {
        "principal": changed_by.principal,
        "user": changed_by.user,
        "type": changed_by.type,
        "at": iso_utc(changed_by.at),
        "event": changed_by.event,
        "via": changed_by.via.value,
        "source_ip": changed_by.source_ip,
        "event_id": changed_by.event_id,
    }


def _set(set_plan: SetPlan) -> dict[str, Any]:
    error = set_plan.error
    return {
        **key_fields(set_plan.key, "name"),
        "status": set_plan.status.value,
        "source": _source(set_plan.source),
        "error": None if error is None else {"code": error.code, "message": error.message},
        "fingerprint": set_plan.fingerprint,
        "ignored": set_plan.ignored,
        "changed_by": changed_by_data(set_plan.changed_by),
    }


def _difference(difference: Difference) -> dict[str, Any]:
    return {
        "path": difference.path,
        "type": difference.type.value,
        "expected": to_json_data(difference.expected),
        "actual": to_json_data(difference.actual),
        "ignored": difference.ignored,
    }


def _destination(row: DestinationPlan) -> dict[str, Any]:
    return {
        **key_fields(row.key, "configuration_set"),
        "name": row.name,
        "status": row.status.value,
        "action": row.action.value,
        "expected": to_json_data(row.expected),
        "actual": to_json_data(row.actual),
        "differences": [_difference(d) for d in row.differences],
        "source": _source(row.source),
        "note": row.note,
        "ignored": row.ignored,
        "changed_by": changed_by_data(row.changed_by),
    }


def _error(set_plan: SetPlan) -> dict[str, Any]:
    error = set_plan.error
    return {
        **key_fields(set_plan.key, "configuration_set"),
        "code": error.code if error else None,
        "message": error.message if error else None,
    }


def document(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-compatible data, in the documented shape and key order."""
    summary = plan.summary
    return {
        "format_version": FORMAT_VERSION,
        "driftcheck_version": __version__,
        "drift": plan.drift,
        "summary": {**summary.as_dict(), "files": plan.spec_files},
        "configuration_sets": [_set(s) for s in plan.sets],
        "destinations": [_destination(d) for d in plan.destinations],
        "errors": [_error(s) for s in plan.failed_sets],
        "warnings": list(plan.warnings),
        "strict": plan.strict,
    }


def render(plan: Plan, *, color: bool = False) -> str:
    """The plan as indented JSON with a trailing newline; ``color`` is ignored.

    The same text as ``json.dumps(document(plan), indent=2)``, encoded one list item at a
    time: the indenting encoder is pure Python, and on a 100,000-destination plan encoding
    the whole document at once costs hundreds of MB of small string chunks. ASCII-only
    output (``ensure_ascii``) is lossless and leaves no control character but DEL, which
    is escaped too, so no name or value can drive a terminal or a CI log.
    """
    del color  # a machine contract is never coloured
    members = []
    for name, value in document(plan).items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {json_text_at(item, 2)}" for item in value)
            members.append(f"  {json_text(name)}: [\n{items}\n  ]")
        else:
            members.append(f"  {json_text(name)}: {json_text_at(value, 1)}")
    return "{\n" + ",\n".join(members) + "\n}\n"
