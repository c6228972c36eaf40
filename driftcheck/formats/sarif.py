"""The ``sarif`` format: SARIF 2.1.0, so that code scanning shows drift on the spec lines.

One run of the tool ``driftcheck`` with one rule per kind of finding (``DC001`` ...
``DC006``) and one result per finding, located at the spec line of the destination (an
extra destination at its set's line; an unmanaged set at the first declared set of its API
and region, where it would be declared). Drift and unreadable sets are ``error``; an
unmanaged set without strict mode is a ``warning``; what is ignored is a ``note`` with a
``suppressions`` entry, so that viewers which know suppressions hide it and those which do
not still show it as harmless. ``partialFingerprints`` identify a result by resource, not by
line, so an alert survives edits that move it. After ``plan --attribute``, a drift result's
``properties.changed_by`` is the json format's ``changed_by``. Plan warnings and unreadable
sets are also ``toolExecutionNotifications`` of the invocation, which is unsuccessful when a
set could not be read. No ``informationUri``: the tool has no public page to point at yet.

Validated in the tests against the OASIS SARIF 2.1.0 schema. ASCII-only JSON, never coloured.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, Final
from urllib.parse import quote

from driftcheck import __version__
from driftcheck.formats.findings import Finding, Kind, Severity, findings
from driftcheck.formats.json_format import changed_by_data
from driftcheck.formats.sentences import resource_id, set_headline
from driftcheck.json_data import json_text, json_text_at
from driftcheck.model import Source
from driftcheck.plan_model import Plan
from driftcheck.safe_text import escape_unsafe

SARIF_VERSION: Final = "2.1.0"
SCHEMA_URI: Final = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT: Final = "driftcheckResource/v1"

# (id, short description, full description, help, default level), in rule-index order.
_RULES: Final = {
    Kind.MISSING_DESTINATION: (
        "DC001",
        "A declared event destination does not exist.",
        "The spec declares this event destination, but its configuration set has none of "
        "that name.",
        "Create the destination, or remove it from the spec.",
        "error",
    ),
    Kind.EXTRA_DESTINATION: (
        "DC002",
        "A live event destination is not declared.",
        "The configuration set has an event destination that no spec declares.",
        "Declare the destination in the spec, delete it, or ignore it with a "
        ".driftignore pattern api/region/set/destination.",
        "error",
    ),
    Kind.MISCONFIGURED_DESTINATION: (
        "DC003",
        "A live event destination differs from its spec.",
        "The event destination exists, but its definition differs from the spec after "
        "normalisation (event types as a set, dimensions by name).",
        "Update the destination to match the spec, or change the spec; differences that "
        "are expected can be listed under IgnoreChanges.",
        "error",
    ),
    Kind.MISSING_SET: (
        "DC004",
        "A declared configuration set does not exist.",
        "The spec declares this configuration set, but the API reports it as not found, so "
        "each of its declared destinations is missing too.",
        "Create the configuration set, or check the spec's region and API.",
        "error",
    ),
    Kind.UNREADABLE_SET: (
        "DC005",
        "A declared configuration set could not be read.",
        "Reading the configuration set's event destinations failed after retries (for "
        "example access denied or throttling), so its drift is unknown.",
        "Allow ses:GetConfigurationSetEventDestinations on the set, then plan again.",
        "error",
    ),
    Kind.UNMANAGED_SET: (
        "DC006",
        "A live configuration set is declared in no spec.",
        "The configuration set exists in a declared API and region, but no spec declares "
        "it. It counts as drift only in strict mode.",
        "Declare the configuration set, or ignore it with a .driftignore pattern api/region/set.",
        "warning",
    ),
}
_RULE_INDEX: Final = {kind: index for index, kind in enumerate(_RULES)}
_LEVELS: Final = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.IGNORED: "note"}

__all__ = ["render"]


def artifact_uri(file: str) -> str:
    """A spec path as a URI reference: relative as given (``/`` separated, percent-encoded),
    or a ``file:`` URI for an absolute path."""
    path = PurePath(file)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix(), safe="/")


def _rule(kind: Kind) -> dict[str, Any]:
    rule_id, short, full, help_text, level = _RULES[kind]
    return {
        "id": rule_id,
        "name": kind.value,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["drift"]},
    }


def _physical(source: Source) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": artifact_uri(source.file)},
        "region": {"startLine": source.line, "startColumn": source.column},
    }


def _result(finding: Finding) -> dict[str, Any]:
    identity = resource_id(finding.key, finding.destination)
    location: dict[str, Any] = {}
    if finding.source is not None:
        location["physicalLocation"] = _physical(finding.source)
    location["logicalLocations"] = [
        {"fullyQualifiedName": escape_unsafe(identity), "kind": "resource"}
    ]
    result: dict[str, Any] = {
        "ruleId": _RULES[finding.kind][0],
        "ruleIndex": _RULE_INDEX[finding.kind],
        "level": _LEVELS[finding.severity],
        "message": {"text": "\n".join([f"{finding.headline}.", *finding.details])},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: identity},
    }
    properties: dict[str, Any] = {}
    if finding.key.account:  # a plan that spans accounts: for filters and dashboards
        properties.update(
            account=finding.key.account,
            account_name=escape_unsafe(finding.key.account_name),
            region=escape_unsafe(finding.key.region),
        )
    if finding.changed_by is not None:  # plan --attribute: as the json format shows it
        properties["changed_by"] = changed_by_data(finding.changed_by)
    if properties:
        result["properties"] = properties
    if finding.severity is Severity.IGNORED:
        # A whole destination or set is ignored only by a pattern (.driftignore, --ignore);
        # differences mostly by IgnoreChanges in the spec itself (the plan does not say).
        result["suppressions"] = [
            {
                "kind": "external" if finding.whole_ignored else "inSource",
                "justification": "ignored by IgnoreChanges or an ignore pattern: not drift",
            }
        ]
    return result


def _notifications(plan: Plan) -> list[dict[str, Any]]:
    notes = [
        {"level": "error", "message": {"text": f"{headline}."}}
        for s in plan.failed_sets
        if (headline := set_headline(s, plan.strict)) is not None
    ]
    notes += [{"level": "warning", "message": {"text": escape_unsafe(w)}} for w in plan.warnings]
    return notes


def document(plan: Plan, *, with_results: bool = True) -> dict[str, Any]:
    """The plan as a SARIF 2.1.0 log (JSON-compatible data); ``with_results=False`` leaves
    its one run's ``results`` empty."""
    invocation: dict[str, Any] = {"executionSuccessful": not plan.failed_sets}
    notifications = _notifications(plan)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver = {
        "name": "driftcheck",
        "version": __version__,
        "rules": [_rule(kind) for kind in _RULES],
    }
    return {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": [_result(f) for f in findings(plan)] if with_results else [],
            }
        ],
    }


_EMPTY_RESULTS: Final = '"results": []'


def render(plan: Plan, *, color: bool = False) -> str:
    """The plan as indented, ASCII-only SARIF JSON with a trailing newline.

    The same text as ``json_text(document(plan))``, with the results encoded one at a time
    (as the ``json`` format does with its rows), which keeps a plan of 100,000 findings in
    a few hundred MB rather than most of a GB.
    """
    del color
    skeleton = json_text(document(plan, with_results=False))
    results = ",\n".join(f"{'  ' * 4}{json_text_at(_result(f), 4)}" for f in findings(plan))
    if results:  # the key ends the run, and no string can hold it unescaped
        skeleton = skeleton.replace(_EMPTY_RESULTS, f'"results": [\n{results}\n{"  " * 3}]')
    return skeleton + "\n"
