"""The CI side of ``driftcheck plan`` in a real subprocess: report formats (``--output``,
``--github``), ``--target``, ignore patterns and ``IgnoreChanges``, unmanaged sets.

The live state is the emulator's demo state (against ``specs/``: one missing, one extra and
one misconfigured destination) or a variant of it built below.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from jsonschema import Draft4Validator

from driftcheck.emulator import DEMO_STATE, Emulator, Faults
from tests.conftest import REPO, Result, isolated_aws_env, run_cli

SPECS = REPO / "specs"
SCHEMAS = Path(__file__).parent / "formats" / "schemas"
REGION = "us-east-1"
GET = "GetConfigurationSetEventDestinations"
LIST = "ListConfigurationSets"
PLAN_LINE = "Plan: 1 to add, 1 to change, 1 to destroy."
# the three drifted destinations of the demo state, by set
DRIFTED = {
    ("marketing", "legacy-open-tracking"): "extra",
    ("transactional", "bounce-alerts"): "misconfigured",
    ("transactional", "complaint-feedback"): "missing",
}


# --- helpers shared with the other CLI test modules ------------------------------------------


_LEAKY = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "http_proxy", "https_proxy", "all_proxy")


def cli_env(tmp_path: Path) -> dict[str, str]:
    """Fake credentials, no proxy, and nothing from a GitHub Actions runner we may run in."""
    environment = isolated_aws_env(tmp_path, AWS_REGION=REGION)
    for name in (*_LEAKY, *(n.upper() for n in _LEAKY)):
        environment.pop(name, None)
    return environment


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path)


@pytest.fixture
def demo(emulator: Emulator) -> Emulator:
    emulator.reset(DEMO_STATE)
    return emulator


def demo_state() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEMO_STATE.read_text(encoding="utf-8"))
    return document


def in_sync_state() -> dict[str, Any]:
    """The demo state with its three drifts fixed: ``specs/`` exactly."""
    document = demo_state()
    sets = document["regions"][REGION]
    del sets["marketing"]["legacy-open-tracking"]
    sets["transactional"]["bounce-alerts"]["Enabled"] = True
    sets["transactional"]["complaint-feedback"] = {
        "Enabled": True,
        "MatchingEventTypes": ["COMPLAINT"],
        "SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-complaint-feedback"},
    }
    return document


def only_extra_state() -> dict[str, Any]:
    """``specs/`` plus the demo's extra destination marketing/legacy-open-tracking."""
    document = in_sync_state()
    extra = demo_state()["regions"][REGION]["marketing"]["legacy-open-tracking"]
    document["regions"][REGION]["marketing"]["legacy-open-tracking"] = extra
    return document


def with_sets(document: dict[str, Any], **sets: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["regions"][REGION].update(sets)
    return changed


def plan(emulator: Emulator, env: dict[str, str], *args: str, cwd: Path | None = None) -> Result:
    return run_cli("plan", *args, "--endpoint-url", emulator.url, env=env, cwd=cwd)


def copy_specs(tmp_path: Path) -> Path:
    """A private copy of ``specs/`` (to put a .driftignore beside it, or edit a spec)."""
    return Path(shutil.copytree(SPECS, tmp_path / "specs"))


def line_of(spec: Path, text: str) -> int:
    """The 1-based number of the one line of ``spec`` that is ``text`` once stripped."""
    lines = spec.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if line.strip() == text]
    assert len(found) == 1, (spec, text, found)
    return found[0]


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("driftcheck: error: ")]


# what stderr may hold: driftcheck's own sentences, FILE:LINE:COL problems, how many spec
# files were read, and where the plan was saved
_STDERR_LINE = re.compile(
    r"driftcheck: (error|warning): |\S+:\d+:\d+: "
    r"|driftcheck: read \d+ spec files?$|Saved the plan to "
)
READ = "driftcheck: read 2 spec files\n"  # stderr of a plan of the repository's specs


def assert_error(result: Result, *words: str, lines: int = 1) -> None:
    """Exit 1, no traceback, exactly ``lines`` error sentences, containing every word, and
    nothing else on stderr (no stray log line)."""
    assert result.code == 1, result
    assert "Traceback" not in result.stderr + result.stdout
    errors = error_lines(result)
    assert len(errors) == lines, result.stderr
    assert all(_STDERR_LINE.match(line) for line in result.stderr.splitlines()), result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def document_of(result: Result) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def rows(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["configuration_set"], d["name"]): d for d in document["destinations"]}


# --- --output ----------------------------------------------------------------------------


def test_every_report_file_at_once_with_json_on_stdout(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    junit, sarif, markdown = tmp_path / "j.xml", tmp_path / "s.sarif", tmp_path / "m.md"
    result = plan(
        demo,
        env,
        str(SPECS),
        "--format",
        "json",
        "--output",
        f"junit={junit}",
        "--output",
        f"sarif={sarif}",
        "--output",
        f"markdown={markdown}",
    )
    assert result.code == 2, result
    assert result.stderr == READ
    document = document_of(result)  # stdout is the JSON document and nothing else
    assert {k: v["status"] for k, v in rows(document).items() if v["status"] != "in_sync"} == (
        DRIFTED
    )
    assert demo.stats().calls == {GET: 2}  # every output comes from the same two reads

    # JUnit: valid against the XSD, one failure per drifted destination, typed by kind
    xmlschema.XMLSchema10(SCHEMAS / "junit.xsd").validate(str(junit))
    root = ET.parse(junit).getroot()
    failures = {
        (case.get("classname"), case.get("name")): failure.get("type")
        for case in root.iter("testcase")
        for failure in case.findall("failure")
    }
    assert failures == {
        (f"pinpoint-email/{REGION}/{name}", destination): kind
        for (name, destination), kind in DRIFTED.items()
    }
    assert root.get("failures") == "3" and root.get("errors") == "0"
    assert len(list(root.iter("testcase"))) == 9  # 2 sets + 6 declared + 1 extra

    # SARIF: valid 2.1.0, one result per drift at its spec line
    report = json.loads(sarif.read_text(encoding="utf-8"))
    schema = json.loads((SCHEMAS / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    Draft4Validator(schema).validate(report)
    located = sorted(
        (
            r["ruleId"],
            Path(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name,
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in report["runs"][0]["results"]
    )
    marketing, transactional = SPECS / "marketing.yaml", SPECS / "transactional.yaml"
    assert located == [
        ("DC001", "transactional.yaml", line_of(transactional, "complaint-feedback:")),
        ("DC002", "marketing.yaml", line_of(marketing, "marketing:")),
        ("DC003", "transactional.yaml", line_of(transactional, "bounce-alerts:")),
    ]

    # markdown: the verdict, then a table row per drifted destination
    text = markdown.read_text(encoding="utf-8")
    assert "**Drift detected**: 1 to add, 1 to change, 1 to destroy." in text
    table_rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [line.split("|")[1].strip() for line in table_rows] == [
        "`legacy-open-tracking`",
        "`bounce-alerts`",
        "`complaint-feedback`",
    ]


def test_an_output_to_dash_is_stdout_and_text_is_the_default(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    as_dash = plan(demo, env, str(SPECS), "--output", "json=-")
    assert as_dash.code == 2
    assert document_of(as_dash)["summary"]["extra"] == 1
    to_file = plan(demo, env, str(SPECS), "--output", f"json={tmp_path / 'p.json'}")
    assert to_file.code == 2
    assert to_file.stdout.rstrip().endswith(PLAN_LINE)  # the log still shows the plan
    assert json.loads((tmp_path / "p.json").read_text(encoding="utf-8")) == document_of(as_dash)


@pytest.mark.parametrize("where", ["missing-folder/out.xml", "."], ids=["no-folder", "a-folder"])
def test_an_unwritable_output_fails_after_the_others_were_written(
    demo: Emulator, env: dict[str, str], tmp_path: Path, where: str
) -> None:
    bad = tmp_path / where
    markdown, saved = tmp_path / "m.md", tmp_path / "plan.json"
    result = plan(
        demo,
        env,
        str(SPECS),
        "--format",
        "json",
        "--output",
        f"junit={bad}",  # before the markdown one: a failure must not stop the rest
        "--output",
        f"markdown={markdown}",
        "--out",
        str(saved),
    )
    assert_error(result, f"cannot write the junit output to {bad}")
    assert document_of(result)["drift"] is True  # the plan is on stdout all the same
    assert "**Drift detected**" in markdown.read_text(encoding="utf-8")
    assert json.loads(saved.read_text(encoding="utf-8"))["kind"] == "driftcheck-saved-plan"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--output", "yaml"], ["unknown format 'yaml'", "junit"]),
        (["--output", "yaml=plan.yaml"], ["unknown format 'yaml'"]),
        (["--output", "=plan.txt"], ["unknown format ''"]),
        (["--format", "json", "--output", "markdown"], ["only one format can go to stdout"]),
        (["--output", "json", "--output", "sarif=-"], ["only one format can go to stdout"]),
    ],
)
def test_bad_outputs_fail_before_any_api_call(
    emulator: Emulator, env: dict[str, str], tmp_path: Path, args: list[str], words: list[str]
) -> None:
    result = plan(emulator, env, str(SPECS), *args, cwd=tmp_path)
    assert_error(result, *words)
    assert result.stdout == ""
    assert emulator.stats().total == 0
    assert list(tmp_path.iterdir()) == []  # no file written either


# --- --github ----------------------------------------------------------------------------

ANNOTATION = re.compile(r"^::error file=(?P<file>[^,]+),line=(?P<line>\d+),col=\d+,title=.*::")


def github_env(env: dict[str, str], summary: Path) -> dict[str, str]:
    return {**env, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}


def test_github_annotates_the_spec_lines_and_appends_the_step_summary(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("## Tests\n\nAll 12 passed.\n", encoding="utf-8")
    # relative spec paths, as in a checkout: annotations must name files GitHub can find
    result = plan(demo, github_env(env, summary), "specs", "--github", cwd=REPO)
    assert result.code == 2, result
    assert result.stderr == READ
    lines = result.stdout.splitlines()
    plan_end = lines.index(PLAN_LINE)  # the text plan first, then the workflow commands
    assert all(not line.startswith("::") for line in lines[:plan_end])
    commands = lines[plan_end + 1 :]
    located = sorted(
        (m["file"], int(m["line"])) for m in map(ANNOTATION.match, commands) if m is not None
    )
    marketing, transactional = SPECS / "marketing.yaml", SPECS / "transactional.yaml"
    assert located == [
        ("specs/marketing.yaml", line_of(marketing, "marketing:")),  # an extra: its set's line
        ("specs/transactional.yaml", line_of(transactional, "bounce-alerts:")),
        ("specs/transactional.yaml", line_of(transactional, "complaint-feedback:")),
    ]
    assert (
        commands[-1].startswith("::notice ")
        and "1 to add, 1 to change, 1 to destroy" in (commands[-1])
    )
    assert len(commands) == 4

    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## Tests\n\nAll 12 passed.\n")  # appended, never replaced
    assert "**Drift detected**: 1 to add, 1 to change, 1 to destroy." in text
    again = plan(demo, github_env(env, summary), "specs", "--github", cwd=REPO)
    assert again.code == 2
    assert summary.read_text(encoding="utf-8") == text + text.removeprefix(
        "## Tests\n\nAll 12 passed.\n"
    )


def test_the_step_summary_starts_on_a_new_line(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("written by printf, no newline", encoding="utf-8")
    assert plan(demo, github_env(env, summary), "specs", "--github", cwd=REPO).code == 2
    assert "\n## driftcheck plan\n" in summary.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "variables",
    [{}, {"GITHUB_ACTIONS": "true"}, {"GITHUB_ACTIONS": "false", "GITHUB_STEP_SUMMARY": "s.md"}],
)
def test_github_outside_github_actions_is_refused_before_any_api_call(
    emulator: Emulator, env: dict[str, str], variables: dict[str, str]
) -> None:
    result = plan(emulator, {**env, **variables}, str(SPECS), "--github")
    assert_error(result, "--github needs GITHUB_ACTIONS=true and GITHUB_STEP_SUMMARY")
    assert emulator.stats().total == 0


def test_github_with_another_format_on_stdout_is_refused(
    emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    result = plan(
        emulator, github_env(env, tmp_path / "s.md"), str(SPECS), "--github", "--format", "json"
    )
    assert_error(result, "--github writes annotations to stdout, which cannot also carry json")
    assert emulator.stats().total == 0


def test_an_unwritable_step_summary_fails_after_the_annotations(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    summary = tmp_path / "no-such-folder" / "summary.md"
    result = plan(demo, github_env(env, summary), "specs", "--github", cwd=REPO)
    assert_error(result, f"cannot write the markdown output to {summary}")
    assert PLAN_LINE in result.stdout
    assert sum(line.startswith("::error file=") for line in result.stdout.splitlines()) == 3


# --- --target ----------------------------------------------------------------------------


def test_a_target_set_is_the_only_one_read_and_shown(demo: Emulator, env: dict[str, str]) -> None:
    result = plan(demo, env, str(SPECS), "--target", "transactional", "--format", "json")
    assert result.code == 2, result
    assert demo.stats().calls == {GET: 1}
    document = document_of(result)
    assert [s["name"] for s in document["configuration_sets"]] == ["transactional"]
    assert {d["configuration_set"] for d in document["destinations"]} == {"transactional"}
    assert document["summary"] == {
        "in_sync": 1,
        "missing": 1,
        "extra": 0,
        "misconfigured": 1,
        "errors": 0,
        "ignored": 0,
        "unmanaged": 0,
        "files": 2,  # a target limits the sets read, not the specs checked
    }


def test_a_target_destination_limits_the_plan_and_the_exit_code(
    demo: Emulator, env: dict[str, str]
) -> None:
    drifted = plan(demo, env, str(SPECS), "--target", "transactional/bounce-alerts")
    assert drifted.code == 2
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in drifted.stdout
    assert "complaint-feedback" not in drifted.stdout
    # marketing has an extra destination, but the targeted one is in sync
    in_sync = plan(demo, env, str(SPECS), "--target", "marketing/engagement-stream")
    assert in_sync.code == 0, in_sync
    assert "legacy-open-tracking" not in in_sync.stdout
    # an extra destination can be targeted by its live name
    extra = plan(demo, env, str(SPECS), "--target", "marketing/legacy-open-tracking")
    assert extra.code == 2
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in extra.stdout
    assert demo.stats().calls == {GET: 3}  # one set read per run


@pytest.mark.parametrize(
    ("target", "words", "reads"),
    [
        ("nope", ["--target nope: no spec declares that set"], 0),
        ("transactional/nope", ["--target transactional/nope", "no such destination"], 1),
        ("a/b/c", ["--target takes SET or SET/DESTINATION"], 0),
    ],
)
def test_a_target_that_names_nothing_is_an_error(
    demo: Emulator, env: dict[str, str], target: str, words: list[str], reads: int
) -> None:
    result = plan(demo, env, str(SPECS), "--target", target)
    assert_error(result, *words)
    assert demo.stats().total == reads


# --- .driftignore, --ignore, IgnoreChanges -----------------------------------------------

EXTRA = "pinpoint-email/us-east-1/marketing/legacy-open-tracking"


def test_an_ignored_extra_is_shown_but_is_not_drift(
    emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    emulator.reset(only_extra_state())
    specs = copy_specs(tmp_path)
    assert plan(emulator, env, str(specs)).code == 2  # without the file: drift
    (specs / ".driftignore").write_text(
        "# the vendor's own tracking\npinpoint-email/us-east-1/marketing/legacy-*\n",
        encoding="utf-8",
    )
    result = plan(emulator, env, str(specs), "--format", "json")
    assert result.code == 0, result
    assert (
        result.stderr == f"{READ}driftcheck: ignore patterns read from {specs / '.driftignore'}\n"
    )
    document = document_of(result)
    assert document["drift"] is False
    row = rows(document)[("marketing", "legacy-open-tracking")]
    assert (row["status"], row["ignored"]) == ("extra", True)
    assert document["summary"]["extra"] == 0 and document["summary"]["ignored"] == 1
    assert not any(r["ignored"] for k, r in rows(document).items() if k[1] != row["name"])
    text = plan(emulator, env, str(specs))
    assert text.code == 0
    assert "No changes. Live event destinations match the specs. 1 ignored." in text.stdout


def test_cli_ignores_come_after_the_file_and_the_last_match_wins(
    emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    emulator.reset(only_extra_state())
    assert plan(emulator, env, str(SPECS), "--ignore", EXTRA).code == 0
    ignore_file = tmp_path / "team.driftignore"
    ignore_file.write_text(f"{EXTRA}\n", encoding="utf-8")
    assert plan(emulator, env, str(SPECS), "--ignore-file", str(ignore_file)).code == 0
    negated = plan(
        emulator, env, str(SPECS), "--ignore-file", str(ignore_file), "--ignore", f"!{EXTRA}"
    )
    assert negated.code == 2, negated
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in negated.stdout


def test_a_stale_pattern_is_a_warning_that_keeps_the_exit_code(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    specs = copy_specs(tmp_path)
    ignore_file = specs / ".driftignore"
    ignore_file.write_text(f"{EXTRA}\n\n*/*/sandbox-*/*\n", encoding="utf-8")
    result = plan(demo, env, str(specs), "--format", "json")
    assert result.code == 2, result  # the misconfigured and missing ones are still drift
    warning = f"{ignore_file}:3: ignore pattern '*/*/sandbox-*/*' matches nothing"
    assert result.stderr == (
        f"{READ}driftcheck: ignore patterns read from {ignore_file}\n"
        f"driftcheck: warning: {warning}\n"
    )
    assert document_of(result)["warnings"] == [warning]


def test_a_malformed_pattern_is_refused_at_its_line_and_column(
    emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    specs = copy_specs(tmp_path)
    ignore_file = specs / ".driftignore"
    ignore_file.write_text(f"# ok\n{EXTRA}\n   marketing/legacy\n", encoding="utf-8")
    result = plan(emulator, env, str(specs))
    assert_error(result, f"{ignore_file}:3:4: 'marketing/legacy' is not api/region/")
    assert emulator.stats().total == 0
    cli = plan(emulator, env, str(SPECS), "--ignore", "marketing/legacy")
    assert_error(cli, "--ignore: 'marketing/legacy' is not api/region/")
    assert emulator.stats().total == 0


def test_ignore_changes_in_a_spec_makes_a_misconfigured_destination_in_sync(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    specs = copy_specs(tmp_path)
    spec = specs / "transactional.yaml"
    text = spec.read_text(encoding="utf-8")
    marker = "          TopicArn: arn:aws:sns:us-east-1:${account_id}:ses-transactional-bounces\n"
    assert text.count(marker) == 1
    spec.write_text(text.replace(marker, marker + "        IgnoreChanges: [Enabled]\n"), "utf-8")
    result = plan(demo, env, str(specs), "--format", "json")
    assert result.code == 2  # the missing and the extra destinations remain
    document = document_of(result)
    row = rows(document)[("transactional", "bounce-alerts")]
    assert row["status"] == "in_sync"
    assert row["differences"] == [
        {"path": "Enabled", "type": "NOT_EQUAL", "expected": True, "actual": False, "ignored": True}
    ]
    assert document["summary"]["misconfigured"] == 0
    assert document["summary"]["ignored"] == 1
    text_plan = plan(demo, env, str(specs))
    assert "Plan: 1 to add, 0 to change, 1 to destroy." in text_plan.stdout
    # the same from an ignore pattern with a field path, on the original spec
    pattern = plan(
        demo, env, str(SPECS), "--ignore", "*/*/transactional/bounce-*:Enabled", "--format", "json"
    )
    from_pattern = rows(document_of(pattern))[("transactional", "bounce-alerts")]
    assert {**from_pattern, "source": None} == {**row, "source": None}


# --- --include-unmanaged, --strict -------------------------------------------------------


def test_unmanaged_sets_are_listed_and_count_only_with_strict(
    emulator: Emulator, env: dict[str, str]
) -> None:
    emulator.reset(with_sets(in_sync_state(), **{"sandbox-1": {}}))
    assert plan(emulator, env, str(SPECS)).code == 0
    assert emulator.stats().calls == {GET: 2}  # no listing without the flag

    emulator.reset_stats()
    result = plan(emulator, env, str(SPECS), "--include-unmanaged", "--format", "json")
    assert result.code == 0, result
    assert emulator.stats().calls == {GET: 2, LIST: 1}
    document = document_of(result)
    unmanaged = [s for s in document["configuration_sets"] if s["status"] == "unmanaged"]
    assert [(s["name"], s["source"], s["ignored"]) for s in unmanaged] == [
        ("sandbox-1", None, False)
    ]
    assert (document["drift"], document["strict"], document["summary"]["unmanaged"]) == (
        False,
        False,
        1,
    )

    strict = plan(emulator, env, str(SPECS), "--include-unmanaged", "--strict", "--format", "json")
    assert strict.code == 2, strict
    assert (document_of(strict)["drift"], document_of(strict)["strict"]) == (True, True)
    ignored = plan(
        emulator, env, str(SPECS), "--include-unmanaged", "--strict", "--ignore", "*/*/sandbox-*"
    )
    assert ignored.code == 0, ignored
    assert "1 ignored" in ignored.stdout


def test_a_failed_read_beats_everything_in_every_output(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    demo.set_faults(Faults(deny_sets=frozenset({"marketing"})))
    junit = tmp_path / "j.xml"
    result = plan(
        demo, env, str(SPECS), "--format", "json", "--output", f"junit={junit}", "--ignore", EXTRA
    )
    assert result.code == 1, result
    assert "Traceback" not in result.stderr
    [error] = error_lines(result)
    assert error.startswith(
        "driftcheck: error: cannot read marketing (us-east-1, pinpoint-email): "
        "AccessDeniedException: "
    )
    document = document_of(result)
    assert document["summary"]["errors"] == 1
    assert {d["configuration_set"] for d in document["destinations"]} == {"transactional"}
    errors = [
        case.get("classname")
        for case in ET.parse(junit).getroot().iter("testcase")
        if case.find("error") is not None
    ]
    assert errors == [f"pinpoint-email/{REGION}/marketing"]


def test_a_pattern_about_an_unreadable_set_is_not_called_stale(
    demo: Emulator, env: dict[str, str]
) -> None:
    demo.set_faults(Faults(deny_sets=frozenset({"marketing"})))
    result = plan(demo, env, str(SPECS), "--ignore", EXTRA)
    assert result.code == 1
    assert "matches nothing" not in result.stderr + result.stdout
