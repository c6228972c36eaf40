"""What an apply did, for people (text) and machines (JSON). Pure, like the formats.

Text: one line per action as it finished, then a one-line verdict. JSON: one document,
``{"format_version", "driftcheck_version", "success", "summary" {ok, failed, skipped},
"actions" [{action, account, account_name, api, region, configuration_set, destination,
outcome, code, reason}], "plan"}`` where ``plan`` is the JSON plan document that was applied
(or null), and ``account`` and ``account_name`` are as in the plan (null without an accounts
file). Names and
messages come from specs and from the API: the text is escaped so that none can drive a
terminal, and the JSON is ASCII-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from driftcheck import __version__
from driftcheck.apply.actions import ActionKind, ApplyAction
from driftcheck.apply.executor import ActionResult, Outcome
from driftcheck.formats.json_format import document, key_fields
from driftcheck.json_data import json_text
from driftcheck.plan_model import Plan
from driftcheck.safe_text import escape_unsafe
from driftcheck.wording import plural

FORMAT_VERSION = "1"

_DONE = {
    ActionKind.CREATE_SET: "created configuration set",
    ActionKind.CREATE: "created event destination",
    ActionKind.UPDATE: "updated event destination",
    ActionKind.DELETE: "deleted event destination",
}
_MARKS = {
    ActionKind.CREATE_SET: "+",
    ActionKind.CREATE: "+",
    ActionKind.UPDATE: "~",
    ActionKind.DELETE: "-",
}


def render_actions(actions: Sequence[ApplyAction]) -> str:
    """The actions about to run (shown before the approval question)."""
    if not actions:
        return "No changes to apply.\n"
    lines = [f"driftcheck will perform {plural(len(actions), 'action')}:"]
    lines += [f"  {_MARKS[a.kind]} {escape_unsafe(str(a))}" for a in actions]
    return "\n".join(lines) + "\n"


def result_line(result: ActionResult) -> str:
    """One finished action, e.g. ``+ created event destination tx/a (us-east-1, sesv2)``."""
    action = result.action
    if result.outcome is Outcome.OK:
        text = f"{_MARKS[action.kind]} {_DONE[action.kind]} {action.target}"
        if result.reason:
            text += f" ({result.reason})"
    elif result.outcome is Outcome.FAILED:
        code = f"{result.code}: " if result.code else ""
        text = f"! failed to {action}: {code}{result.reason}"
    else:
        text = f"! skipped: {action}: {result.reason}"
    return escape_unsafe(text)


def verdict(results: Sequence[ActionResult], *, interrupted: bool = False) -> str:
    """``Apply complete: 2 created, 1 updated, 0 deleted.``, ``Apply failed: ...``, or
    ``Interrupted: 3 of 10 actions done, 7 not attempted. ...`` when a signal stopped it."""
    counts = {outcome: sum(1 for r in results if r.outcome is outcome) for outcome in Outcome}
    if interrupted:
        failed = f", {counts[Outcome.FAILED]} failed" if counts[Outcome.FAILED] else ""
        return (
            f"Interrupted: {counts[Outcome.OK]} of {plural(len(results), 'action')} done"
            f"{failed}, {counts[Outcome.SKIPPED]} not attempted. Run apply again to finish."
        )
    if counts[Outcome.FAILED] or counts[Outcome.SKIPPED]:
        return (
            f"Apply failed: {counts[Outcome.OK]} of {plural(len(results), 'action')} done, "
            f"{counts[Outcome.FAILED]} failed, {counts[Outcome.SKIPPED]} skipped. "
            "Run apply again once the cause is fixed."
        )
    done = {kind: 0 for kind in ActionKind}
    for result in results:
        done[result.action.kind] += 1
    created = done[ActionKind.CREATE_SET] + done[ActionKind.CREATE]
    return (
        f"Apply complete: {created} created, {done[ActionKind.UPDATE]} updated, "
        f"{done[ActionKind.DELETE]} deleted."
    )


def render_text(results: Sequence[ActionResult]) -> str:
    """Every result line, then the verdict."""
    lines = [result_line(r) for r in results]
    return "\n".join([*lines, "", verdict(results)] if lines else [verdict(results)]) + "\n"


def results_document(results: Sequence[ActionResult], plan: Plan | None = None) -> dict[str, Any]:
    counts = {outcome: sum(1 for r in results if r.outcome is outcome) for outcome in Outcome}
    return {
        "format_version": FORMAT_VERSION,
        "driftcheck_version": __version__,
        "success": not counts[Outcome.FAILED] and not counts[Outcome.SKIPPED],
        "summary": {outcome.value: counts[outcome] for outcome in Outcome},
        "actions": [_result(r) for r in results],
        "plan": None if plan is None else document(plan),
    }


def render_json(results: Sequence[ActionResult], plan: Plan | None = None) -> str:
    return json_text(results_document(results, plan)) + "\n"


def _result(result: ActionResult) -> dict[str, Any]:
    action = result.action
    return {
        "action": action.kind.value,
        **key_fields(action.key, "configuration_set"),
        "destination": action.destination,
        "outcome": result.outcome.value,
        "code": result.code,
        "reason": result.reason,
    }
