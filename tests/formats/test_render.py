"""Properties of every format: exhaustive dispatch, colours, safety, honest closing lines."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftcheck import __version__
from driftcheck.formats import (
    DESCRIPTIONS,
    Format,
    github,
    json_format,
    junit,
    markdown,
    render,
    sarif,
    text,
)
from driftcheck.model import (
    Api,
    DesiredDestination,
    DesiredSet,
    DesiredState,
    LiveSet,
    LiveState,
    SetKey,
    SetStatus,
    Source,
)
from driftcheck.normalise import normalise_definition
from driftcheck.plan import plan as real_plan
from driftcheck.plan_model import DestinationPlan, Plan, SetPlan, Status
from tests.factories import (
    added,
    definition,
    extra,
    in_sync,
    key,
    misconfigured,
    missing,
    missing_set,
    not_equal,
    plan,
    present,
    removed,
    sns,
    unreadable,
)
from tests.formats.scenarios import (
    MARKETING,
    SCENARIOS,
    every_kind_of_drift,
    noise_ignored,
    unmanaged_sets,
    unmanaged_sets_strict,
)

ESC = "\x1b"
HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\x9b31m\u202e\n"  # clear screen, set title, CSI, RLO
NO_CHANGES = "No changes. Live event destinations match the specs."


def unsafe_characters(output: str) -> set[str]:
    return {c for c in output if c != "\n" and unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"}}


def hostile_plan() -> Plan:
    bad_key = key(HOSTILE, region=HOSTILE)
    body = definition("BOUNCE", SnsDestination={"TopicArn": HOSTILE})
    hostile = plan(
        [
            present(bad_key),
            unreadable(key("x"), code=HOSTILE, message=HOSTILE),
            SetPlan(key(HOSTILE + "u", region=HOSTILE), SetStatus.UNMANAGED, None),
        ],
        [
            missing(bad_key, HOSTILE, body, 2),
            extra(bad_key, "e", body, 1, note=HOSTILE),
            misconfigured(
                bad_key,
                "m",
                body,
                definition("BOUNCE", SnsDestination={"TopicArn": "x"}),
                [
                    not_equal("SnsDestination.TopicArn", HOSTILE, "x"),
                    removed(HOSTILE, HOSTILE),
                    replace(added(HOSTILE, HOSTILE), ignored=True),
                ],
                3,
            ),
        ],
    )
    return replace(hostile, warnings=(HOSTILE,), strict=True)


# --- dispatch ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(Format), ids=str)
def test_every_format_renders_every_scenario(fmt: Format) -> None:
    for build in SCENARIOS.values():
        output = render(build(), fmt)
        assert output.endswith("\n") and output.strip()


def test_every_format_has_a_one_line_description() -> None:
    assert set(DESCRIPTIONS) == set(Format)
    assert all("\n" not in text and len(text) < 100 for text in DESCRIPTIONS.values())


def test_render_dispatches_to_the_format_module() -> None:
    drift = every_kind_of_drift()
    assert render(drift, Format.TEXT, color=True) == text.render(drift, color=True)
    modules = {
        Format.JSON: json_format,
        Format.MARKDOWN: markdown,
        Format.JUNIT: junit,
        Format.GITHUB: github,
        Format.SARIF: sarif,
    }
    assert set(modules) | {Format.TEXT} == set(Format)
    for fmt, module in modules.items():
        assert render(drift, fmt) == module.render(drift), fmt


def test_formats_import_neither_boto3_nor_deepdiff() -> None:
    code = (
        "import sys, driftcheck.formats; "
        "print(sorted(m for m in ('boto3', 'botocore', 'deepdiff') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


# --- colours and escape sequences ----------------------------------------------------------


@pytest.mark.parametrize("fmt", list(Format), ids=str)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_escape_codes_without_color(scenario: str, fmt: Format) -> None:
    assert ESC not in render(SCENARIOS[scenario](), fmt, color=False)


def test_text_colours_markers_and_headers() -> None:
    output = render(every_kind_of_drift(), Format.TEXT, color=True)
    assert "\x1b[32m+\x1b[0m" in output
    assert "\x1b[31m-\x1b[0m" in output
    assert "\x1b[33m~\x1b[0m" in output
    assert "\x1b[1m  # marketing/archive (us-east-1) is missing" in output
    assert "\x1b[1;31m  ! configuration set reports" in output
    assert "\x1b[1mPlan: 1 to add, 4 to change, 2 to destroy.\x1b[0m" in output


@pytest.mark.parametrize("fmt", [f for f in Format if f is not Format.TEXT], ids=str)
def test_only_text_is_ever_coloured(fmt: Format) -> None:
    drift = every_kind_of_drift()
    assert render(drift, fmt, color=True) == render(drift, fmt)


def test_text_colours_warnings() -> None:
    output = render(noise_ignored(), Format.TEXT, color=True)
    assert "\x1b[33mWarning: .driftignore:3: ignore pattern" in output


@pytest.mark.parametrize("fmt", list(Format), ids=str)
def test_names_and_values_cannot_inject_control_characters(fmt: Format) -> None:
    output = render(hostile_plan(), fmt, color=False)
    assert unsafe_characters(output) == set()
    assert "\\u001b[2J" in output and "\\u009b" in output and "\\u202e" in output


def test_injected_text_stays_escaped_when_coloured() -> None:
    output = render(hostile_plan(), Format.TEXT, color=True)
    assert "\x1b[2J" not in output and "\x9b" not in output and "\x07" not in output
    assert output.count("\n") == render(hostile_plan(), Format.TEXT).count("\n")


def test_json_escaping_is_lossless() -> None:
    document = json.loads(render(hostile_plan(), Format.JSON))
    assert document["configuration_sets"][0]["name"] == HOSTILE
    assert document["errors"][0]["message"] == HOSTILE
    assert document["destinations"][0]["note"] == HOSTILE
    assert document["warnings"] == [HOSTILE]


# --- text layout ---------------------------------------------------------------------------


def test_event_types_read_as_what_applying_the_plan_does() -> None:
    row = misconfigured(
        MARKETING,
        "d",
        definition("BOUNCE", "COMPLAINT", SnsDestination=sns("a")),
        definition("BOUNCE", "OPEN", SnsDestination=sns("a")),
        [removed("MatchingEventTypes", "COMPLAINT"), added("MatchingEventTypes", "OPEN")],
        3,
    )
    output = render(plan([present(MARKETING)], [row]), Format.TEXT)
    assert '+ "COMPLAINT",' in output  # in the spec, not live: will be added
    assert '- "OPEN",' in output  # live, not in the spec: will be removed
    assert "# (1 unchanged element hidden)" in output


def test_the_api_is_shown_only_when_it_is_not_the_default() -> None:
    rows = [
        missing(key("a"), "d", definition("SEND", SnsDestination=sns("a")), 2),
        missing(key("b", api=Api.SESV2), "d", definition("SEND", SnsDestination=sns("a")), 2),
    ]
    output = render(plan([present(key("a")), present(key("b", api=Api.SESV2))], rows), Format.TEXT)
    assert "# a/d (us-east-1) is missing" in output
    assert "# b/d (us-east-1, sesv2) is missing" in output


def test_a_difference_the_layout_cannot_place_is_still_shown() -> None:
    body = definition("SEND", SnsDestination=sns("a"))
    row = misconfigured(MARKETING, "d", body, body, [not_equal("Unknown.Member", 1, 2)], 3)
    output = render(plan([present(MARKETING)], [row]), Format.TEXT)
    assert "~ Unknown.Member = 2 -> 1" in output


def test_in_sync_destinations_are_not_listed() -> None:
    row = in_sync(MARKETING, "quiet", definition("SEND", SnsDestination=sns("a")), 3)
    assert "quiet" not in render(plan([present(MARKETING)], [row]), Format.TEXT)


def test_a_missing_set_without_destinations_is_one_to_add() -> None:
    output = render(plan([missing_set(MARKETING)], []), Format.TEXT)
    assert "# configuration set marketing (us-east-1) is missing and will be created" in output
    assert output.endswith("Plan: 1 to add, 0 to change, 0 to destroy.\n")


def test_an_empty_plan_has_no_changes() -> None:
    assert render(Plan(), Format.TEXT) == NO_CHANGES + "\n"


def test_when_no_set_could_be_read_drift_is_unknown() -> None:
    output = render(plan([unreadable(key("a")), unreadable(key("b"))], []), Format.TEXT)
    assert output.endswith("2 of 2 configuration sets could not be read, so drift is unknown.\n")


# --- noise: ignored, unmanaged, warnings -------------------------------------------------


def test_text_lists_ignored_differences_apart_and_never_as_unchanged() -> None:
    output = render(noise_ignored(), Format.TEXT)
    block = output.split('event_destination "sns-bounces" {')[1].split("\n    }")[0]
    # Enabled is unchanged; SnsDestination differs only by an ignored TopicArn: not "unchanged"
    assert "# (1 unchanged attribute hidden)" in block
    assert "unchanged block" not in block
    assert (
        '# ignored: ~ SnsDestination.TopicArn = "arn:aws:sns:us-east-1:123456789012:b" -> '
        '"arn:aws:sns:us-east-1:123456789012:a"'
    ) in block
    assert "~ SnsDestination {" not in block


def test_text_shows_an_in_sync_destination_whose_differences_are_all_ignored() -> None:
    output = render(noise_ignored(), Format.TEXT)
    assert (
        "  # marketing/cw-metrics (us-east-1) is in sync apart from ignored differences "
        "and will be left as it is\n        # ignored: ~ Enabled = false -> true\n"
    ) in output
    assert 'event_destination "cw-metrics"' not in output


def test_text_marks_an_ignored_extra_without_a_body() -> None:
    output = render(noise_ignored(), Format.TEXT)
    header = "  # marketing/old-pinpoint (us-east-1) is not declared but is ignored"
    assert header in output
    assert 'event_destination "old-pinpoint"' not in output


def test_text_closing_counts_ignored_items_and_prints_warnings() -> None:
    lines = render(noise_ignored(), Format.TEXT).splitlines()
    assert lines[-1] == "Plan: 1 to add, 1 to change, 0 to destroy. 4 ignored."
    assert lines[-3] == "Warning: .driftignore:3: ignore pattern 'sesv2/*/gone' matches nothing"


def test_text_unmanaged_sets_are_drift_only_in_strict_mode() -> None:
    lenient, strict = (
        render(unmanaged_sets(), Format.TEXT),
        render(unmanaged_sets_strict(), Format.TEXT),
    )
    assert (
        "# configuration set legacy (us-east-1) is not declared in any spec (unmanaged)\n"
        in lenient
    )
    assert "(unmanaged, counted as drift)" in strict
    assert "sandbox (us-east-1) is not declared in any spec (unmanaged, ignored)" in strict
    assert lenient.endswith(
        "No changes. Live event destinations match the specs. "
        "1 unmanaged configuration set, not counted as drift. 1 ignored.\n"
    )
    assert strict.endswith(
        "Plan: 0 to add, 0 to change, 0 to destroy. "
        "1 unmanaged configuration set, counted as drift (strict). 1 ignored.\n"
    )


def test_json_marks_ignored_items() -> None:
    document = json.loads(render(noise_ignored(), Format.JSON))
    rows = {row["name"]: row for row in document["destinations"]}
    assert rows["old-pinpoint"]["ignored"] is True
    assert rows["old-pinpoint"]["status"] == "extra"
    assert rows["cw-metrics"]["status"] == "in_sync"
    assert [d["ignored"] for d in rows["cw-metrics"]["differences"]] == [True, True]
    assert [d["ignored"] for d in rows["sns-bounces"]["differences"]] == [False, True]
    assert document["summary"]["ignored"] == 4  # a row and three differences
    assert document["summary"]["extra"] == 0  # the ignored extra is not counted as extra
    assert document["warnings"] == [".driftignore:3: ignore pattern 'sesv2/*/gone' matches nothing"]


def test_json_lists_unmanaged_sets() -> None:
    document = json.loads(render(unmanaged_sets_strict(), Format.JSON))
    sets = {s["name"]: s for s in document["configuration_sets"]}
    assert sets["legacy"]["status"] == "unmanaged" and sets["legacy"]["source"] is None
    assert sets["sandbox"]["ignored"] is True
    assert sets["marketing"]["fingerprint"].startswith("sha256:")
    assert document["summary"]["unmanaged"] == 1
    assert (document["drift"], document["strict"]) == (True, True)
    assert json.loads(render(unmanaged_sets(), Format.JSON))["drift"] is False


# --- properties over many plans ------------------------------------------------------------

SET_STATUSES = st.lists(st.sampled_from(list(SetStatus)), max_size=4)
ROW_STATUSES = st.lists(st.tuples(st.sampled_from(list(Status)), st.booleans()), max_size=6)


def synthetic_plan(
    set_statuses: list[SetStatus], row_statuses: list[tuple[Status, bool]], strict: bool = False
) -> Plan:
    """Sets of the given statuses; rows (ignored or not) spread over the declared readable ones."""
    set_builders: dict[SetStatus, Callable[[SetKey], SetPlan]] = {
        SetStatus.PRESENT: present,
        SetStatus.MISSING: missing_set,
        SetStatus.ERROR: unreadable,
        SetStatus.UNMANAGED: lambda k: SetPlan(k, SetStatus.UNMANAGED, None),
    }
    sets = [
        set_builders[set_status](key(f"set{index}"))
        for index, set_status in enumerate(set_statuses)
    ]
    readable = [s.key for s in sets if s.status in (SetStatus.PRESENT, SetStatus.MISSING)]
    body, disabled = definition("SEND", SnsDestination=sns("a")), definition("SEND", enabled=False)
    row_builders: dict[Status, Callable[[SetKey, str, int], DestinationPlan]] = {
        Status.IN_SYNC: lambda k, name, line: in_sync(k, name, body, line),
        Status.MISSING: lambda k, name, line: missing(k, name, body, line),
        Status.EXTRA: lambda k, name, line: extra(k, name, body, line),
        Status.MISCONFIGURED: lambda k, name, line: misconfigured(
            k, name, disabled, body, [not_equal("Enabled", False, True)], line
        ),
    }
    rows = [
        replace(
            row_builders[row_status](readable[index % len(readable)], f"d{index}", index),
            ignored=ignored,
        )
        for index, (row_status, ignored) in enumerate(row_statuses if readable else [])
    ]
    return replace(plan(sets, rows), strict=strict)


@given(SET_STATUSES, ROW_STATUSES, st.booleans())
def test_text_closing_never_hides_unread_sets(
    set_statuses: list[SetStatus], row_statuses: list[tuple[Status, bool]], strict: bool
) -> None:
    subject = synthetic_plan(set_statuses, row_statuses, strict)
    output = render(subject, Format.TEXT)
    if subject.failed_sets:
        assert NO_CHANGES not in output
        assert "could not be read" in output.splitlines()[-1]
    if subject.drift:
        assert "Plan: " in output and "No changes" not in output
    else:
        assert "Plan: " not in output
    assert (NO_CHANGES in output) == (not subject.drift and not subject.failed_sets)
    closing = output.splitlines()[-1 - bool(subject.drift and subject.failed_sets)]
    assert ("ignored." in closing) == any(row.ignored for row in subject.destinations)
    assert ("unmanaged configuration set" in closing) == bool(subject.unmanaged_sets)


@given(SET_STATUSES, ROW_STATUSES, st.booleans())
def test_json_summary_counts_the_rows(
    set_statuses: list[SetStatus], row_statuses: list[tuple[Status, bool]], strict: bool
) -> None:
    subject = synthetic_plan(set_statuses, row_statuses, strict)
    document = json.loads(render(subject, Format.JSON))
    statuses = [row["status"] for row in document["destinations"] if not row["ignored"]]
    unmanaged = [s for s in document["configuration_sets"] if s["status"] == "unmanaged"]
    assert document["summary"] == {
        "in_sync": statuses.count("in_sync"),
        "missing": statuses.count("missing"),
        "extra": statuses.count("extra"),
        "misconfigured": statuses.count("misconfigured"),
        "errors": len(document["errors"]),
        "ignored": sum(row["ignored"] for row in document["destinations"]),
        "unmanaged": len(unmanaged),
        "files": subject.spec_files,
    }
    assert all(s["source"] is None for s in unmanaged)
    assert document["strict"] is strict
    errored = [s for s in document["configuration_sets"] if s["status"] == "error"]
    assert len(errored) == len(document["errors"])
    assert document["drift"] is subject.drift


def test_json_names_the_running_version() -> None:
    document = json.loads(render(Plan(), Format.JSON))
    assert (document["format_version"], document["driftcheck_version"]) == ("1", __version__)


def test_json_keys_follow_the_documented_order() -> None:
    document = json.loads(render(every_kind_of_drift(), Format.JSON))
    assert list(document) == [
        "format_version",
        "driftcheck_version",
        "drift",
        "summary",
        "configuration_sets",
        "destinations",
        "errors",
        "warnings",
        "strict",
    ]
    assert list(document["configuration_sets"][0]) == [
        "account",
        "account_name",
        "api",
        "region",
        "name",
        "status",
        "source",
        "error",
        "fingerprint",
        "ignored",
        "changed_by",
    ]
    assert list(document["destinations"][0]) == [
        "account",
        "account_name",
        "api",
        "region",
        "configuration_set",
        "name",
        "status",
        "action",
        "expected",
        "actual",
        "differences",
        "source",
        "note",
        "ignored",
        "changed_by",
    ]
    changed = next(row for row in document["destinations"] if row["differences"])
    assert list(changed["differences"][0]) == [
        "path",
        "type",
        "expected",
        "actual",
        "ignored",
    ]
    assert list(document["errors"][0]) == [
        "account",
        "account_name",
        "api",
        "region",
        "configuration_set",
        "code",
        "message",
    ]


def _text_of_real_plan(spec: dict[str, Any], live: dict[str, Any]) -> str:
    """The text format of the plan that ``plan()`` makes of one destination."""
    set_key = key("tx", api=Api.SESV2)
    source = Source("s.yaml", 1, 1)
    desired = DesiredState(
        (
            DesiredSet(
                set_key, (DesiredDestination("m", normalise_definition(spec), source),), source
            ),
        )
    )
    state = LiveState({set_key: LiveSet(set_key, SetStatus.PRESENT, {"m": live})})
    return text.render(real_plan(desired, state))


def _dimension(name: str, default: str = "x") -> dict[str, str]:
    return {
        "DimensionName": name,
        "DimensionValueSource": "MESSAGE_TAG",
        "DefaultDimensionValue": default,
    }


def _cloudwatch(*dimensions: dict[str, str]) -> dict[str, Any]:
    return {"Enabled": True, "CloudWatchDestination": {"DimensionConfigurations": list(dimensions)}}


def test_text_names_dimensions_as_difference_paths_do() -> None:
    output = _text_of_real_plan(
        _cloudwatch(_dimension("__campaign"), _dimension("a.b]"), _dimension("")),
        _cloudwatch(_dimension("__campaign", "y"), _dimension("a.b]", "y"), _dimension("", "y")),
    )
    for label in (
        'DimensionConfigurations[""]',
        "DimensionConfigurations[__campaign]",
        'DimensionConfigurations["a.b]"]',
    ):
        assert f"~ {label} {{" in output
    assert output.count('~ DefaultDimensionValue = "y" -> "x"') == 3


def test_text_shows_each_dimension_of_a_list_missing_live_never_as_unchanged() -> None:
    output = _text_of_real_plan(
        _cloudwatch(_dimension("a"), _dimension("b")),
        {"Enabled": True, "CloudWatchDestination": {}},
    )
    assert "+ DimensionConfigurations[a] {" in output
    assert "+ DimensionConfigurations[b] {" in output
    assert "unchanged block" not in output


def test_text_shows_a_list_with_a_repeated_name_as_one_value() -> None:
    output = _text_of_real_plan(
        _cloudwatch(_dimension("a")), _cloudwatch(_dimension("a"), _dimension("a"))
    )
    assert "~ DimensionConfigurations = [" in output
    assert "DimensionConfigurations[a]" not in output


def test_an_author_from_cloudtrail_cannot_drive_a_terminal_or_break_a_table() -> None:
    from tests.formats.scenarios import attributed

    hostile = "arn:aws:iam::123456789012:user/x\x1b[2J|`\n::error::fake"
    base = attributed()
    rows = tuple(
        replace(r, changed_by=replace(r.changed_by, principal=hostile)) if r.changed_by else r
        for r in base.destinations
    )
    result = replace(base, destinations=rows)
    for fmt in Format:
        output = render(result, fmt)
        assert "\x1b" not in output, fmt
        assert "\n::error::fake" not in output, fmt
    markdown = render(result, Format.MARKDOWN)
    table_rows = [line for line in markdown.splitlines() if line.startswith("| `old-pinpoint`")]
    assert len(table_rows) == 1 and table_rows[0].count(" | ") == 4  # five cells, none split


def test_without_a_now_an_author_is_dated_not_aged() -> None:
    from tests.formats.scenarios import attributed

    text = render(replace(attributed(), attributed_at=None), Format.TEXT)
    assert (
        "# changed by arn:aws:iam::123456789012:user/ci via terraform, at 2026-11-30T16:00:00Z"
        in text
    )
