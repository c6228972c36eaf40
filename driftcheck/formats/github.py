"""The ``github`` format: GitHub Actions workflow commands, read from a step's stdout.

One ``::error`` per drifted destination, placed on its spec line (an extra destination on
its set's line), per missing configuration set and per set that could not be read (on the
set's line); ``::warning`` for an unmanaged set without strict mode (on the line of the
first declared set of its API and region, where it would be declared) and for each plan
warning; and a closing ``::notice`` with the verdict. What is ignored gets no annotation:
the notice counts it. GitHub shows at most 10 error and 10 warning annotations per step
(actions/toolkit ``docs/problem-matchers.md``, "Limitations"), so no more are written: the
notice says how many findings were left out, and the text plan in the log has them all.

Escaping is exactly that of GitHub's toolkit, ``@actions/core`` ``src/command.ts``
(``escapeData`` and ``escapeProperty``), which the runner undoes in
``src/Runner.Common/ActionCommand.cs`` (``UnescapeData``, ``UnescapeProperty``)::

    data:       % -> %25, CR -> %0D, LF -> %0A
    properties: the same, then : -> %3A and , -> %2C

so a name can neither end a command nor start a new one. Texts are made safe first
(control characters as ``\\uXXXX``), so no escape sequence reaches the log. Never coloured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from driftcheck.formats.findings import Finding, Severity, findings
from driftcheck.formats.sentences import plain_verdict
from driftcheck.plan_model import Plan
from driftcheck.safe_text import escape_unsafe as _safe
from driftcheck.wording import plural

TITLE: Final = "driftcheck"
PER_STEP: Final = 10  # annotations of one kind that GitHub shows per step
_COMMANDS: Final = {Severity.ERROR: "error", Severity.WARNING: "warning"}

__all__ = ["command", "escape_data", "escape_property", "render"]


def escape_data(text: str) -> str:
    """``escapeData`` of ``@actions/core`` ``command.ts``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """``escapeProperty`` of ``@actions/core`` ``command.ts``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: Mapping[str, str | int], message: str) -> str:
    """``::name key=value,key=value::message``, as ``Command.toString`` builds it (which
    leaves out a property whose value is empty)."""
    props = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties.items() if value != ""
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _annotation(name: str, finding: Finding) -> str:
    properties: dict[str, str | int] = {}
    if finding.source is not None:
        properties["file"] = _safe(finding.source.file)
        properties["line"] = finding.source.line
        properties["col"] = finding.source.column
    properties["title"] = f"{TITLE}: {finding.kind.value}"
    return command(name, properties, "\n".join([f"{finding.headline}.", *finding.details]))


def render(plan: Plan, *, color: bool = False) -> str:
    """The plan as workflow commands, one per line, the verdict last."""
    del color
    annotations: dict[str, list[str]] = {"error": [], "warning": []}
    for finding in findings(plan):
        name = _COMMANDS.get(finding.severity)
        if name is not None:
            annotations[name].append(_annotation(name, finding))
    annotations["warning"] += [
        command("warning", {"title": TITLE}, _safe(w)) for w in plan.warnings
    ]
    lines = [line for kind in annotations.values() for line in kind[:PER_STEP]]
    left_out = sum(max(0, len(kind) - PER_STEP) for kind in annotations.values())
    verdict = plain_verdict(plan)
    if left_out:
        verdict += (
            f" {plural(left_out, 'more finding')} not annotated (GitHub shows at most "
            f"{PER_STEP} errors and {PER_STEP} warnings per step): see the plan in the log."
        )
    lines.append(command("notice", {"title": f"{TITLE} plan"}, verdict))
    return "\n".join(lines) + "\n"
