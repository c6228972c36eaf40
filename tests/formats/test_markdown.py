"""The markdown format, rendered by cmark-gfm (GitHub's own parser, via ``cmarkgfm``) with
its GFM extensions and raw HTML allowed, so an injection would show in the HTML."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from driftcheck.formats import Format, render
from driftcheck.formats.markdown import MAX_CHARS, code
from driftcheck.plan_model import Plan
from driftcheck.safe_text import escape_unsafe
from tests.factories import (
    definition,
    extra,
    key,
    misconfigured,
    not_equal,
    plan,
    present,
    sns,
    unreadable,
)
from tests.formats.scenarios import (
    SCENARIOS,
    every_kind_of_drift,
    noise_ignored,
    unmanaged_sets,
    unreadable_set,
)

# table cells, code spans, fences, HTML, links, autolinks (web, e-mail), emphasis, entities
HOSTILE_NAMES = [
    "a|b",
    "``x``` `",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "https://evil.example/x",
    "www.evil.example",
    "mallory@evil.example",
    "*bold* _em_ ~~del~~",
    "&amp; &lt;b&gt;",
    "line\nbreak\r\n| --- |",
    "</details><details open>",
    "\\|back\\slash\\",
    " padded ",
]


class Html(HTMLParser):
    """The tags, table rows and code texts of rendered HTML."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.rows: list[list[str]] = []
        self.codes: list[str] = []
        self._code: list[str] | None = None
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append(tag)
        elif tag == "code":
            self._code = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self._code is not None:
            self.codes.append("".join(self._code))
            self._code = None

    def handle_data(self, data: str) -> None:
        if self._code is not None:
            self._code.append(data)


def to_html(markdown: str) -> Html:
    return Html(
        cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    )


def hostile_plan(name: str) -> Plan:
    bad = key(name, region=name)
    body = definition("SEND", SnsDestination={"TopicArn": name})
    return replace(
        plan(
            [present(bad), unreadable(key("u"), code=name, message=name)],
            [
                extra(bad, name, body, 1, note=name),
                misconfigured(
                    bad, "m", body, body, [not_equal("SnsDestination.TopicArn", name, "x")], 2
                ),
            ],
        ),
        warnings=(name,),
    )


ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "strong", "code", "table", "thead", "tbody", "tr", "th", "td",
    "details", "summary", "pre", "ul", "li",
}  # fmt: skip


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_cannot_break_the_table_or_inject_markup(name: str) -> None:
    html = to_html(render(hostile_plan(name), Format.MARKDOWN))
    assert set(html.tags) <= ALLOWED_TAGS, set(html.tags) - ALLOWED_TAGS
    assert html.tags.count("details") == 1 and html.tags.count("pre") == 1
    assert html.tags.count("strong") == 3  # the verdict's two labels, "Could not be read"
    assert all(row == (["th"] * 4 if i == 0 else ["td"] * 4) for i, row in enumerate(html.rows))
    assert len(html.rows) == 3  # the header, the extra and the misconfigured destination
    safe = escape_unsafe(name)
    assert safe in html.codes or (not safe.strip(" ") and "(empty)" in html.codes)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_scenario_renders_with_only_expected_tags(scenario: str) -> None:
    html = to_html(render(SCENARIOS[scenario](), Format.MARKDOWN))
    assert set(html.tags) <= ALLOWED_TAGS
    # every table has its four columns; unmanaged sets of a fleet also have their account,
    # and destinations who changed them after plan --attribute
    columns = {4, 5 if scenario == "fleet" else 4}
    if SCENARIOS[scenario]().attributed_at is not None:
        columns = {5}
    assert {len(row) for row in html.rows} <= columns


def test_the_verdict_comes_first() -> None:
    verdicts = {
        "drift": "**Drift detected**: 1 to add, 4 to change, 2 to destroy. "
        "**Incomplete**: 1 of 3 configuration sets could not be read.",
        "in_sync": "**No drift**: the live event destinations match the specs.",
        "read_error": "**Incomplete**: 1 of 2 configuration sets could not be read; "
        "no drift in the 1 that could be read.",
        "only_ignored": "**No drift**: the live event destinations match the specs. 3 ignored.",
    }
    for scenario, line in verdicts.items():
        lines = render(SCENARIOS[scenario](), Format.MARKDOWN).splitlines()
        assert lines[:3] == ["## driftcheck plan", "", line], scenario


def test_changes_are_tabled_per_set_with_differences_folded() -> None:
    output = render(every_kind_of_drift(), Format.MARKDOWN)
    sections = output.split("\n### ")[1:]
    assert [s.splitlines()[0] for s in sections] == [
        "`marketing` (`us-east-1`, pinpoint-email)",
        "`reports` (`us-west-2`, pinpoint-email)",
        "`tx` (`eu-west-1`, sesv2)",
    ]
    assert "| `sns-bounces` | misconfigured | update | `specs/prod.yaml:10:1` |" in sections[0]
    assert (
        "| `old-pinpoint` | not declared | delete | `specs/prod.yaml:8:1` (its set) |"
        in (sections[0])
    )
    assert "**Could not be read**: `AccessDeniedException: User is not authorized" in sections[1]
    folded = sections[0].split("<details><summary>Field differences</summary>\n\n```diff\n")[1]
    lines = folded.split("\n```\n")[0].splitlines()
    start = lines.index("# sns-bounces")
    assert lines[start : start + 5] == [
        "# sns-bounces",
        '+ MatchingEventTypes = "COMPLAINT"',
        '- MatchingEventTypes = "OPEN"',
        '~ SnsDestination.TopicArn = "arn:aws:sns:us-east-1:123456789012:b" -> '
        '"arn:aws:sns:us-east-1:123456789012:a"',
        "# stream",
    ]


def test_ignored_rows_and_differences_are_marked() -> None:
    output = render(noise_ignored(), Format.MARKDOWN)
    assert "| `old-pinpoint` | not declared (ignored) | none |" in output
    assert "| `cw-metrics` | in sync (2 ignored) | none |" in output
    assert "# ignored: ~ Enabled = false -> true" in output
    assert "### Warnings\n\n- `.driftignore:3: ignore pattern 'sesv2/*/gone' matches nothing`" in (
        output
    )


def test_unmanaged_sets_are_listed_with_what_they_count_as() -> None:
    lenient = render(unmanaged_sets(), Format.MARKDOWN)
    strict = render(replace(unmanaged_sets(), strict=True), Format.MARKDOWN)
    assert "| `legacy` | `us-east-1` | pinpoint-email | not drift |" in lenient
    assert "| `legacy` | `us-east-1` | pinpoint-email | drift (strict) |" in strict
    assert "| `sandbox` | `us-east-1` | pinpoint-email | ignored |" in strict


def test_a_set_that_could_not_be_read_has_no_table() -> None:
    output = render(unreadable_set(), Format.MARKDOWN)
    assert "| Destination |" not in output and "<details>" not in output


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("plain", "`plain`"),
        ("a`b", "``a`b``"),
        ("`edge`", "`` `edge` ``"),
        ("a||b", "`a||b`"),
        ("", "(empty)"),
    ],
)
def test_code_spans_outlast_their_content(text: str, span: str) -> None:
    assert code(text) == span
    if text:
        assert to_html(span).codes == [text]


def test_code_spans_in_tables_escape_the_cell_separator() -> None:
    span = code("a|b\\|c", in_table=True)
    html = to_html(f"| h |\n| --- |\n| {span} |\n")
    assert html.codes == ["a|b\\|c"] and html.rows == [["th"], ["td"]]


def test_a_fence_is_longer_than_any_backtick_run_of_the_differences() -> None:
    name = "x````y"
    body = definition("SEND", SnsDestination=sns("a"))
    row = misconfigured(
        key("s"), "d", body, body, [not_equal("SnsDestination.TopicArn", "`````", name)], 2
    )
    output = render(plan([present(key("s"))], [row]), Format.MARKDOWN)
    assert "``````diff" in output and re.search(r"^`{6}$", output, re.MULTILINE)
    html = to_html(output)
    assert html.tags.count("pre") == 1 and "`````" in html.codes[-1]


def test_a_huge_plan_stays_within_githubs_comment_limit() -> None:
    body = definition("SEND", SnsDestination=sns("a"))
    sets = [present(key(f"set-{i:04}")) for i in range(600)]
    rows = [extra(s.key, f"d{j}", body, 1) for s in sets for j in range(3)]
    output = render(plan(sets, rows), Format.MARKDOWN)
    assert len(output) <= MAX_CHARS
    assert output.splitlines()[2].startswith("**Drift detected**: 0 to add, 0 to change, 1800 to")
    last = output.splitlines()[-1]
    shown = output.count("\n### ")
    assert last == (
        f"**Truncated**: {600 - shown} more sections not shown, to stay within GitHub's "
        "size limits; the text plan in the job log has them all."
    )
    assert 0 < shown < 600
    html = to_html(output)
    assert html.tags.count("details") == html.tags.count("pre") == shown  # nothing cut midway
