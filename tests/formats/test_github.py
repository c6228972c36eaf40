"""The GitHub Actions format, read back the way the Actions runner reads a step's stdout.

``parse`` ports ``ActionCommand.TryParseV2`` and its ``UnescapeProperty``/``UnescapeData``
(actions/runner, ``src/Runner.Common/ActionCommand.cs``): a line is a command when, with
leading white space trimmed, it starts with ``::``; the command runs to the next ``::``;
properties are split on ``,`` and then on the first ``=``; each mapping is undone in turn
(``%0D``, ``%0A``, then ``%3A`` and ``%2C`` for properties, ``%25`` last).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftcheck.formats import Format, render
from driftcheck.formats.github import PER_STEP, command, escape_data, escape_property
from driftcheck.model import SetStatus
from driftcheck.plan_model import SetPlan
from tests.factories import definition, extra, key, plan, present, sns
from tests.formats.scenarios import (
    SCENARIOS,
    every_kind_of_drift,
    missing_configuration_set,
    noise_ignored,
    unmanaged_sets,
)

_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


def _unescape(text: str, mappings: tuple[tuple[str, str], ...]) -> str:
    for escaped, token in mappings:
        text = text.replace(escaped, token)
    return text


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    data: str


def parse(line: str) -> Command | None:
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, _, props = info.partition(" ")
    properties = {}
    for pair in filter(None, props.strip().split(",")):
        prop, equals, value = pair.partition("=")
        if equals and prop and value:
            properties[prop] = _unescape(value, _PROPERTY)
    return Command(name, properties, _unescape(message[end + 2 :], _DATA))


def commands(output: str) -> list[Command]:
    parsed = [parse(line) for line in output.splitlines()]
    assert None not in parsed, "every line must be a workflow command"
    return [c for c in parsed if c is not None]


def test_escaping_is_the_toolkits() -> None:
    assert escape_data("100%\r\nnext:a,b") == "100%25%0D%0Anext:a,b"
    assert escape_property("100%\r\nnext:a,b") == "100%25%0D%0Anext%3Aa%2Cb"
    assert (
        command("error", {"file": "a,b.yaml", "line": 3}, "x")
        == "::error file=a%2Cb.yaml,line=3::x"
    )
    assert command("notice", {}, "a::b") == "::notice::a::b"


# The runner trims the property list and splits each pair on its first "=": a value with
# white space at an end of the list, or starting with "=", is not kept as it is (driftcheck's
# values never are: paths of spec files, numbers, fixed titles).
PROPERTY = st.text().filter(lambda v: v == v.strip() and not v.startswith("="))


@given(PROPERTY, PROPERTY, st.text())
def test_every_text_survives_the_runner(file: str, title: str, message: str) -> None:
    line = command("error", {"file": file, "title": title}, message)
    assert "\n" not in line and "\r" not in line
    parsed = parse(line)
    assert parsed is not None and parsed.name == "error"
    assert parsed.data == message
    # an empty property is left out, as the toolkit does
    assert parsed.properties == {k: v for k, v in {"file": file, "title": title}.items() if v}


def test_drift_is_annotated_on_spec_lines() -> None:
    found = commands(render(every_kind_of_drift(), Format.GITHUB))
    placed = [(c.name, c.properties.get("line"), c.data.split(" ")[0]) for c in found]
    assert placed == [
        ("error", "26", "marketing/archive"),
        ("error", "14", "marketing/cw-metrics"),
        ("error", "8", "marketing/legacy-bus"),  # an extra: on its set's line
        ("error", "8", "marketing/old-pinpoint"),
        ("error", "10", "marketing/sns-bounces"),
        ("error", "20", "marketing/stream"),
        ("error", "50", "configuration"),  # the unreadable set, on its line
        ("error", "33", "tx/bus"),
        ("notice", None, "Drift"),
    ]
    sns = found[4]
    assert sns.properties == {
        "file": "specs/prod.yaml",
        "line": "10",
        "col": "1",
        "title": "driftcheck: misconfigured-destination",
    }
    assert sns.data.splitlines() == [
        "marketing/sns-bounces (us-east-1) is misconfigured and will be updated in-place.",
        '+ MatchingEventTypes = "COMPLAINT"',
        '- MatchingEventTypes = "OPEN"',
        '~ SnsDestination.TopicArn = "arn:aws:sns:us-east-1:123456789012:b" -> '
        '"arn:aws:sns:us-east-1:123456789012:a"',
    ]
    assert found[-1].data == (
        "Drift detected: 1 to add, 4 to change, 2 to destroy. "
        "Incomplete: 1 of 3 configuration sets could not be read."
    )


def test_a_missing_set_is_an_error_on_its_line() -> None:
    found = commands(render(missing_configuration_set(), Format.GITHUB))
    first = found[0]
    assert (first.name, first.properties["line"]) == ("error", "40")
    assert first.data == "configuration set newsletters (us-east-1) is missing and will be created."


def test_ignored_items_get_no_annotation_but_warnings_do() -> None:
    found = commands(render(noise_ignored(), Format.GITHUB))
    assert [(c.name, c.data.split(" ")[0]) for c in found] == [
        ("error", "marketing/archive"),
        ("error", "marketing/sns-bounces"),
        ("warning", ".driftignore:3:"),
        ("notice", "Drift"),
    ]
    assert found[-1].data.endswith(" 4 ignored.")


def test_unmanaged_sets_warn_and_are_errors_only_in_strict_mode() -> None:
    lenient = commands(render(unmanaged_sets(), Format.GITHUB))
    strict = commands(render(replace(unmanaged_sets(), strict=True), Format.GITHUB))
    assert [c.name for c in lenient] == ["warning", "notice"]
    assert [c.name for c in strict] == ["error", "notice"]
    # placed where it would be declared: the declared set of its api and region
    assert lenient[0].properties["line"] == "8"
    assert lenient[0].data.startswith("configuration set legacy (us-east-1) is not declared")


def test_an_unmanaged_set_with_no_declared_neighbour_has_no_file() -> None:
    lone = SetPlan(key("lone", region="ap-south-1"), SetStatus.UNMANAGED, None)
    found = commands(render(plan([present(key("a")), lone], []), Format.GITHUB))
    assert found[0].name == "warning" and "file" not in found[0].properties


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_line_is_one_command_ending_with_the_verdict(scenario: str) -> None:
    found = commands(render(SCENARIOS[scenario](), Format.GITHUB))
    assert found[-1].name == "notice"
    assert all(c.name in {"error", "warning"} for c in found[:-1])


def test_hostile_names_cannot_forge_commands() -> None:
    forged = "x\n::error::forged\r\n::add-mask::y,line=1:z%0A"
    subject = plan([present(key(forged))], [])
    subject = replace(subject, warnings=(forged,))
    output = render(subject, Format.GITHUB)
    found = commands(output)
    assert [c.name for c in found] == ["warning", "notice"]
    assert found[0].data == "x\\u000a::error::forged\\u000d\\u000a::add-mask::y,line=1:z%0A"


def test_no_more_annotations_than_github_shows_and_the_rest_are_counted() -> None:
    sets = [present(key(f"s{i:02}")) for i in range(12)] + [
        SetPlan(key(f"u{i:02}"), SetStatus.UNMANAGED, None) for i in range(11)
    ]
    rows = [
        extra(key(f"s{i:02}"), "d", definition("SEND", SnsDestination=sns("a")), 1)
        for i in range(12)
    ]
    subject = replace(plan(sets, rows), warnings=("stale",))
    found = commands(render(subject, Format.GITHUB))
    names = [c.name for c in found]
    assert names == ["error"] * PER_STEP + ["warning"] * PER_STEP + ["notice"]
    assert found[-1].data.endswith(
        " 4 more findings not annotated (GitHub shows at most 10 errors and 10 warnings "
        "per step): see the plan in the log."
    )
    assert found[0].data.startswith("s00/d") and found[PER_STEP - 1].data.startswith("s09/d")
