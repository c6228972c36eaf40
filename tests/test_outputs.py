"""Choosing and writing outputs: --format, --output FORMAT[=PATH], --github."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from driftcheck.errors import UsageError
from driftcheck.formats import Format, render
from driftcheck.outputs import Output, OutputError, parse_output, resolve_outputs, write_outputs
from tests.formats.scenarios import every_kind_of_drift as make_plan

GITHUB_ENV = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "/tmp/summary.md"}


def test_parse_output() -> None:
    assert parse_output("json") == Output(Format.JSON)
    assert parse_output("junit=out/report.xml") == Output(Format.JUNIT, "out/report.xml")
    assert parse_output("SARIF=-") == Output(Format.SARIF)
    # /dev/stdout is stdout: it counts as the one format there, and gets the colours
    assert parse_output("json=/dev/stdout") == Output(Format.JSON)
    assert resolve_outputs(None, ["json=/dev/stdout"], False, {}) == [Output(Format.JSON)]
    with pytest.raises(UsageError, match="unknown format 'yml'; known formats: text, json"):
        parse_output("yml=x")


def test_text_goes_to_stdout_unless_another_format_does() -> None:
    assert resolve_outputs(None, [], False, {}) == [Output(Format.TEXT)]
    assert resolve_outputs(Format.JSON, [], False, {}) == [Output(Format.JSON)]
    # a file output alone still leaves the plan in the log
    assert resolve_outputs(None, ["junit=r.xml"], False, {}) == [
        Output(Format.TEXT),
        Output(Format.JUNIT, "r.xml"),
    ]
    with pytest.raises(UsageError, match="only one format can go to stdout, not json, sarif"):
        resolve_outputs(Format.JSON, ["sarif"], False, {})


def test_github_writes_annotations_and_the_step_summary() -> None:
    assert resolve_outputs(None, [], True, GITHUB_ENV) == [
        Output(Format.TEXT),
        Output(Format.GITHUB),
        Output(Format.MARKDOWN, "/tmp/summary.md", append=True),
    ]
    with pytest.raises(UsageError, match="--github needs GITHUB_ACTIONS=true"):
        resolve_outputs(None, [], True, {"GITHUB_ACTIONS": "true"})


def test_every_writable_output_is_written_before_the_failure_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan()
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    outputs = [
        Output(Format.TEXT),
        Output(Format.JUNIT, str(tmp_path / "missing-dir" / "r.xml")),
        Output(Format.JSON, str(tmp_path / "plan.json")),
        Output(Format.MARKDOWN, str(summary), append=True),
    ]
    with pytest.raises(OutputError) as caught:
        write_outputs(plan, outputs, color=False)
    assert str(caught.value) == (
        f"cannot write the junit output to {tmp_path / 'missing-dir' / 'r.xml'}: "
        f"the directory {tmp_path / 'missing-dir'} does not exist"
    )
    assert capsys.readouterr().out == render(plan, Format.TEXT)
    assert (tmp_path / "plan.json").read_text() == render(plan, Format.JSON)
    assert summary.read_text() == "# earlier step\n" + render(plan, Format.MARKDOWN)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "summary.md"]  # no temp


def test_colour_reaches_only_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = make_plan()
    write_outputs(
        plan, [Output(Format.TEXT), Output(Format.TEXT, str(tmp_path / "p.txt"))], color=True
    )
    assert capsys.readouterr().out == render(plan, Format.TEXT, color=True)
    assert "\x1b" not in (tmp_path / "p.txt").read_text()


def test_outputs_to_devices_and_links_destroy_nothing(tmp_path: Path) -> None:
    """One writer for every output: /dev/null stays a device, a link stays a link."""
    plan = make_plan()
    (tmp_path / "artifacts").mkdir()
    link = tmp_path / "plan.json"
    link.symlink_to(tmp_path / "artifacts" / "plan.json")
    write_outputs(
        plan,
        [Output(Format.JSON, str(link)), Output(Format.JUNIT, "/dev/null")],
        color=False,
    )
    assert link.is_symlink()
    assert (tmp_path / "artifacts" / "plan.json").read_text() == render(plan, Format.JSON)
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
