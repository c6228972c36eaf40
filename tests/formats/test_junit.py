"""The JUnit format: valid against the JUnit 10 XSD committed beside the tests, honest counts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
import xmlschema

from driftcheck.formats import Format, render
from driftcheck.formats.junit import SET_CASE
from tests.factories import definition, extra, key, plan, present, sns, unreadable
from tests.formats.scenarios import SCENARIOS, every_kind_of_drift, noise_ignored, unmanaged_sets

XSD = xmlschema.XMLSchema10(Path(__file__).parent / "schemas" / "junit.xsd")
# C0 controls XML 1.0 forbids even as references, a lone surrogate, two noncharacters, ESC
FORBIDDEN = "a\x00b\x01\x08\x0b\x0c\x1f\ud800\ufffe\uffff\x1b[31m<&>\"'"


def cases(output: str) -> dict[tuple[str, str], ET.Element]:
    root = ET.fromstring(output)
    return {(c.get("classname", ""), c.get("name", "")): c for c in root.iter("testcase")}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_scenario_is_valid_junit(scenario: str) -> None:
    XSD.validate(render(SCENARIOS[scenario](), Format.JUNIT))


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ('<testsuites skipped="0"/>', "skipped"),  # junit-10 has no skipped on the root
        ('<testsuites><testsuite name="s" tests="1" failures="0"/></testsuites>', "errors"),
        (
            '<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
            '<testcase classname="c"/></testsuite></testsuites>',
            "name",
        ),
        (
            '<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
            '<testcase name="n" file="x.yaml"/></testsuite></testsuites>',
            "file",
        ),
    ],
)
def test_the_schema_rejects_what_ci_viewers_would(document: str, problem: str) -> None:
    with pytest.raises(xmlschema.XMLSchemaValidationError, match=problem):
        XSD.validate(document)


def test_one_suite_per_set_and_one_case_per_destination_plus_the_set() -> None:
    root = ET.fromstring(render(every_kind_of_drift(), Format.JUNIT))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == [
        "pinpoint-email/us-east-1/marketing",
        "pinpoint-email/us-west-2/reports",
        "sesv2/eu-west-1/tx",
    ]
    names = [c.get("name") for c in suites["sesv2/eu-west-1/tx"].iter("testcase")]
    assert names == [SET_CASE, "bounces", "bus"]
    assert {c.get("classname") for c in suites["sesv2/eu-west-1/tx"]} == {"sesv2/eu-west-1/tx"}


def test_counts_match_the_cases() -> None:
    for build in SCENARIOS.values():
        root = ET.fromstring(render(build(), Format.JUNIT))
        totals = dict.fromkeys(("tests", "failures", "errors"), 0)
        for suite in root.iter("testsuite"):
            counted = {
                "tests": len(suite.findall("testcase")),
                "failures": len(suite.findall("testcase/failure")),
                "errors": len(suite.findall("testcase/error")),
                "skipped": len(suite.findall("testcase/skipped")),
            }
            assert {name: int(suite.get(name, "-1")) for name in counted} == counted
            for name in totals:
                totals[name] += counted[name]
        assert {name: int(root.get(name, "-1")) for name in totals} == totals


def test_drift_fails_with_the_differences_and_an_unreadable_set_errors() -> None:
    found = cases(render(every_kind_of_drift(), Format.JUNIT))
    failure = found[("pinpoint-email/us-east-1/marketing", "sns-bounces")].find("failure")
    assert failure is not None and failure.get("type") == "misconfigured"
    assert failure.text == (
        "specs/prod.yaml:10:1\n"
        '+ MatchingEventTypes = "COMPLAINT"\n'
        '- MatchingEventTypes = "OPEN"\n'
        '~ SnsDestination.TopicArn = "arn:aws:sns:us-east-1:123456789012:b" -> '
        '"arn:aws:sns:us-east-1:123456789012:a"'
    )
    error = found[("pinpoint-email/us-west-2/reports", SET_CASE)].find("error")
    assert error is not None and error.get("message", "").startswith(
        "configuration set reports (us-west-2) could not be read: AccessDeniedException"
    )
    assert list(found[("sesv2/eu-west-1/tx", "bounces")]) == []  # in sync: passes


def test_ignored_rows_are_skipped_and_ignored_differences_do_not_fail() -> None:
    found = cases(render(noise_ignored(), Format.JUNIT))
    marketing = "pinpoint-email/us-east-1/marketing"
    skipped = found[(marketing, "old-pinpoint")].find("skipped")
    assert skipped is not None and skipped.get("type") == "ignored"
    quiet = found[(marketing, "cw-metrics")]
    assert quiet.find("failure") is None
    output = quiet.find("system-out")
    assert output is not None and "# ignored: ~ Enabled = false -> true" in (output.text or "")
    failure = found[(marketing, "sns-bounces")].find("failure")
    assert failure is not None and "# ignored: ~ SnsDestination.TopicArn" in (failure.text or "")


def test_unmanaged_sets_fail_only_in_strict_mode() -> None:
    lenient = cases(render(unmanaged_sets(), Format.JUNIT))
    strict = cases(render(replace(unmanaged_sets(), strict=True), Format.JUNIT))
    legacy = ("pinpoint-email/us-east-1/legacy", SET_CASE)
    assert lenient[legacy].find("skipped") is not None and lenient[legacy].find("failure") is None
    assert strict[legacy].find("failure") is not None
    sandbox = ("pinpoint-email/us-east-1/sandbox", SET_CASE)
    assert strict[sandbox].find("skipped") is not None  # ignored: skipped even when strict


def test_characters_xml_cannot_carry_are_escaped_so_the_report_always_parses() -> None:
    bad = key(FORBIDDEN)
    body = definition("SEND", SnsDestination={"TopicArn": FORBIDDEN})
    subject = plan(
        [present(bad), unreadable(key("u"), code=FORBIDDEN, message=FORBIDDEN)],
        [extra(bad, FORBIDDEN, body, 1, note=FORBIDDEN), extra(bad, "x", body, 1)],
    )
    output = render(subject, Format.JUNIT)
    XSD.validate(output)
    for expected in ("\\u0000", "\\u0001", "\\u001b[31m", "\\ud800", "\\ufffe", "\\uffff"):
        assert expected in output
    escaped = "a\\u0000b\\u0001\\u0008\\u000b\\u000c\\u001f\\ud800\\ufffe\\uffff\\u001b[31m<&>\"'"
    assert (f"pinpoint-email/us-east-1/{escaped}", escaped) in cases(output)


def test_a_plan_without_sets_is_an_empty_valid_report() -> None:
    output = render(plan([], []), Format.JUNIT)
    XSD.validate(output)
    assert ET.fromstring(output).attrib == {
        "name": "driftcheck",
        "tests": "0",
        "failures": "0",
        "errors": "0",
    }


def test_a_destination_of_no_listed_set_still_gets_a_suite() -> None:
    stray = extra(key("orphan"), "d", definition("SEND", SnsDestination=sns("a")), 1)
    output = render(plan([], [stray]), Format.JUNIT)
    XSD.validate(output)
    assert ("pinpoint-email/us-east-1/orphan", "d") in cases(output)
