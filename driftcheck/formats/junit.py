"""The ``junit`` format: JUnit XML, for the test-report views of CI systems.

One ``testsuite`` per configuration set (named ``api/region/set``; in a plan that spans
accounts ``ACCOUNT-ID:api/region/set``, with the account, its name, the region and the API
as ``properties``, suites grouped by account, then region), under one ``testsuites`` root.
Each suite has a testcase for the set itself, named ``(configuration set)`` (no destination
name can contain a space or parentheses), and one per declared or live destination, with
``classname`` the suite's name:

- drift is a ``failure`` (``type`` the status, ``message`` the headline, the text the spec
  location and what would change, marked like the text plan);
- a set that could not be read is an ``error`` of its set testcase;
- what is shown but is not drift is ``skipped`` (an ignored destination or set, an
  unmanaged set without strict mode); ignored differences of a passing destination are in
  its ``system-out``.

The document follows the Jenkins xUnit plugin's ``junit-10.xsd`` grammar, which GitLab,
Jenkins, Azure DevOps and the GitHub reporting actions read (``testsuites`` has no
``skipped`` attribute there). XML 1.0 cannot carry most control characters even escaped, so
every text is first made safe (``\\uXXXX``), noncharacters included. Never coloured.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from driftcheck.formats.sentences import (
    by_set,
    changed_by_line,
    detail_lines,
    is_shown,
    location,
    resource_id,
    row_headline,
    set_headline,
    spans_accounts,
)
from driftcheck.model import SetKey, SetStatus
from driftcheck.plan_model import DestinationPlan, Plan, SetPlan, Status
from driftcheck.safe_text import escape_char, escape_unsafe

SET_CASE: Final = "(configuration set)"
ROOT_NAME: Final = "driftcheck"

# What XML 1.0 allows: tab, LF, CR, and U+0020..U+D7FF, U+E000..U+FFFD, U+10000..U+10FFFF.
_NOT_XML_CHAR: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

__all__ = ["render"]


def xml_safe(text: str, *, keep: str = "") -> str:
    """``text`` safe for a log and legal in XML 1.0 (``\\uXXXX`` for anything else but the
    characters in ``keep``)."""
    return _NOT_XML_CHAR.sub(lambda m: escape_char(m.group()), escape_unsafe(text, keep=keep))


@dataclass
class _Suite:
    element: ET.Element
    counts: dict[str, int] = field(
        default_factory=lambda: {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    )


def _case(suite: _Suite, classname: str, name: str) -> ET.Element:
    suite.counts["tests"] += 1
    return ET.SubElement(suite.element, "testcase", classname=classname, name=xml_safe(name))


def _outcome(
    suite: _Suite, case: ET.Element, tag: str, message: str, kind: str, text: str = ""
) -> None:
    """A ``failure``, ``error`` or ``skipped`` child; ``message`` and ``text`` already safe."""
    suite.counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[tag]] += 1
    element = ET.SubElement(case, tag, message=message, type=kind)
    if text:
        element.text = text


def _body(lines: Sequence[str], where: str | None) -> str:
    """Safe lines, after the spec location, as one XML-legal text."""
    return xml_safe("\n".join(([where] if where else []) + list(lines)), keep="\n")


def _set_case(plan: Plan, suite: _Suite, set_plan: SetPlan, classname: str) -> None:
    case = _case(suite, classname, SET_CASE)
    headline = set_headline(set_plan, plan.strict)
    if headline is None:
        return
    headline = xml_safe(headline)
    where = location(set_plan.source)
    if set_plan.status is SetStatus.ERROR:
        _outcome(suite, case, "error", headline, "unreadable", _body((), where))
    elif set_plan.status is SetStatus.MISSING:
        author = changed_by_line(set_plan.changed_by, plan)
        text = _body([author] if author is not None else [], where)
        _outcome(suite, case, "failure", headline, "missing", text)
    elif set_plan.ignored:
        _outcome(suite, case, "skipped", headline, "ignored")
    elif plan.strict:
        _outcome(suite, case, "failure", headline, "unmanaged")
    else:
        _outcome(suite, case, "skipped", headline, "unmanaged")


def _row_case(plan: Plan, suite: _Suite, row: DestinationPlan, classname: str) -> None:
    case = _case(suite, classname, row.name)
    if not is_shown(row):
        return
    headline = xml_safe(row_headline(row))
    author = changed_by_line(row.changed_by, plan)
    lines = ([author] if author is not None else []) + detail_lines(row)
    text = _body(lines, location(row.source))
    if row.ignored:
        _outcome(suite, case, "skipped", headline, "ignored", text)
    elif row.status is Status.IN_SYNC:  # passes; its ignored differences are still shown
        ET.SubElement(case, "system-out").text = text
    else:
        _outcome(suite, case, "failure", headline, row.status.value, text)


def _suite(root: ET.Element, key: SetKey, *, fleet: bool) -> _Suite:
    """A set's suite; in a plan that spans accounts, its account (id and name) and region
    are also ``properties``, for the viewers that group or filter by them."""
    suite = _Suite(ET.SubElement(root, "testsuite", name=xml_safe(resource_id(key))))
    if fleet:
        properties = ET.SubElement(suite.element, "properties")
        for name, value in [
            ("account", key.account),
            ("account_name", key.account_name),
            ("region", key.region),
            ("api", key.api.value),
        ]:
            ET.SubElement(properties, "property", name=name, value=xml_safe(value))
    return suite


def document(plan: Plan) -> ET.Element:
    """The plan as a ``testsuites`` element, its suites in the order of
    :func:`~driftcheck.formats.sentences.by_set` (by account, then region, in a fleet)."""
    root = ET.Element("testsuites", name=ROOT_NAME)
    fleet = spans_accounts(plan)
    suites: list[_Suite] = []
    for group in by_set(plan, plan.destinations):
        suite = _suite(root, group.key, fleet=fleet)
        classname = suite.element.get("name", "")
        if group.set_plan is not None:  # else rows of no listed set: not made by the planner
            _set_case(plan, suite, group.set_plan, classname)
        for row in group.rows:
            _row_case(plan, suite, row, classname)
        suites.append(suite)
    for suite in suites:
        for name, count in suite.counts.items():
            suite.element.set(name, str(count))
    for name in ("tests", "failures", "errors"):
        root.set(name, str(sum(s.counts[name] for s in suites)))
    return root


def render(plan: Plan, *, color: bool = False) -> str:
    """The plan as an indented JUnit XML document with a trailing newline."""
    del color
    root = document(plan)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
