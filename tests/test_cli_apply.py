"""``driftcheck apply`` and ``driftcheck import`` in a real subprocess against the emulator.

Saved plans (applied without a question, refused when stale), approval (no terminal, a
terminal answered through a pty), ``--no-delete``, ``--format json``, failed writes and
convergence; then import followed by plan.
"""

from __future__ import annotations

import json
import math
import os
import pty
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from driftcheck.cli.commands import apply as apply_command
from driftcheck.emulator import DEMO_STATE, Emulator, Faults
from driftcheck.emulator.stats import Stats
from driftcheck.errors import UsageError
from tests.apply.helpers import WRITES
from tests.conftest import REPO, Result, run_cli
from tests.test_cli_ci import (
    EXTRA,
    GET,
    LIST,
    PLAN_LINE,
    REGION,
    SPECS,
    assert_error,
    cli_env,
    copy_specs,
    demo_state,
    in_sync_state,
    plan,
    with_sets,
)

DEMO_WRITES = {
    "CreateConfigurationSetEventDestination": 1,
    "UpdateConfigurationSetEventDestination": 1,
    "DeleteConfigurationSetEventDestination": 1,
}
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-fresh"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path)


@pytest.fixture
def demo(emulator: Emulator) -> Emulator:
    emulator.reset(DEMO_STATE)
    return emulator


def apply(emulator: Emulator, env: dict[str, str], *args: str) -> Result:
    return run_cli("apply", *args, "--endpoint-url", emulator.url, "--max-rps", "100", env=env)


def writes(stats: Stats) -> dict[str, int]:
    return {name: count for name, count in stats.calls.items() if name in WRITES}


def live(emulator: Emulator) -> dict[str, Any]:
    sets: dict[str, Any] = emulator.state["regions"][REGION]
    return sets


def sns(topic: str, *events: str) -> dict[str, Any]:
    return {
        "Enabled": True,
        "MatchingEventTypes": list(events),
        "SnsDestination": {"TopicArn": topic},
    }


def add_spec(specs: Path, name: str, destinations: Mapping[str, str]) -> None:
    """A spec file declaring set ``name`` with SNS destinations (name -> topic ARN)."""
    lines = ["version: 1", "configuration_sets:", f"  {name}:", "    event_destinations:"]
    for destination, topic in destinations.items():
        lines += [
            f"      {destination}:",
            "        Enabled: true",
            "        MatchingEventTypes: [BOUNCE]",
            f"        SnsDestination: {{TopicArn: '{topic}'}}",
        ]
    (specs / f"{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- saved plans -------------------------------------------------------------------------


def test_a_saved_plan_is_applied_without_a_question(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    assert plan(demo, env, str(SPECS), "--out", str(saved)).code == 2
    demo.reset_stats()
    result = apply(demo, env, str(saved))  # stdin is not a terminal: no question asked
    assert result.code == 0, result
    assert "Apply complete: 1 created, 1 updated, 1 deleted." in result.stdout
    assert demo.stats().calls == {GET: 2, **DEMO_WRITES}  # the stale check, then the writes
    assert live(demo) == in_sync_state()["regions"][REGION]
    assert plan(demo, env, str(SPECS)).code == 0

    demo.reset_stats()
    again = apply(demo, env, str(saved))  # what it planned is no longer what is live
    assert_error(again, "the saved plan cannot be applied", "2 configuration sets changed")
    assert writes(demo.stats()) == {}


def test_a_stale_saved_plan_is_refused_naming_the_set_and_writes_nothing(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    assert plan(demo, env, str(SPECS), "--out", str(saved)).code == 2
    changed = demo_state()
    changed["regions"][REGION]["transactional"]["delivery-archive"]["Enabled"] = False
    demo.reset(changed)  # someone edits the live set between plan and apply
    result = apply(demo, env, str(saved))
    assert_error(
        result,
        "1 configuration set changed since it was made: transactional (us-east-1, pinpoint-email)",
        "nothing was written",
    )
    assert "marketing" not in result.stderr
    assert demo.stats().calls == {GET: 2}  # re-read, and not one write
    assert demo.state == changed


def test_a_saved_plan_keeps_its_ignores_and_takes_a_target(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    assert plan(demo, env, str(SPECS), "--ignore", EXTRA, "--out", str(saved)).code == 2
    result = apply(demo, env, str(saved), "--target", "transactional/bounce-alerts")
    assert result.code == 0, result
    assert writes(demo.stats()) == {"UpdateConfigurationSetEventDestination": 1}
    result = apply(demo, env, str(SPECS), "--auto-approve", "--ignore", EXTRA)
    assert result.code == 0, result
    assert "legacy-open-tracking" in live(demo)["marketing"]  # ignored: never deleted
    assert "complaint-feedback" in live(demo)["transactional"]


def test_a_saved_plan_with_an_unreadable_set_is_not_applied(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    demo.set_faults(Faults(deny_sets=frozenset({"marketing"})))
    assert plan(demo, env, str(SPECS), "--out", str(saved)).code == 1
    demo.set_faults(Faults())
    demo.reset_stats()
    result = apply(demo, env, str(saved))
    assert_error(result, "could not read marketing (us-east-1, pinpoint-email)", "nothing")
    assert demo.stats().total == 0


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"kind": "something else"}', ["is not a driftcheck saved plan"]),
        ("{not json", ["is not a driftcheck saved plan: it is not JSON"]),
        (None, ["damaged or was edited"]),  # a real saved plan, edited by hand
    ],
)
def test_a_file_that_is_not_an_intact_saved_plan_is_refused(
    demo: Emulator, env: dict[str, str], tmp_path: Path, content: str | None, words: list[str]
) -> None:
    saved = tmp_path / "plan.json"
    if content is None:
        assert plan(demo, env, str(SPECS), "--out", str(saved)).code == 2
        document = json.loads(saved.read_text(encoding="utf-8"))
        document["plan"]["destinations"][0]["action"] = "delete"
        content = json.dumps(document)
    saved.write_text(content, encoding="utf-8")
    demo.reset_stats()
    assert_error(apply(demo, env, str(saved)), str(saved), *words)
    assert demo.stats().total == 0


def test_saved_plans_take_no_spec_options(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    assert plan(demo, env, str(SPECS), "--out", str(saved)).code == 2
    demo.reset_stats()
    result = apply(demo, env, str(saved), "--var", "account_id=1")
    assert_error(result, "apply to specs, not a saved plan")
    assert demo.stats().total == 0


# --- apply from specs --------------------------------------------------------------------


def test_apply_without_a_terminal_or_auto_approve_writes_nothing(
    demo: Emulator, env: dict[str, str]
) -> None:
    result = apply(demo, env, str(SPECS))
    assert_error(result, "apply needs approval", "--auto-approve")
    assert PLAN_LINE in result.stdout  # it showed what it would do
    assert "driftcheck will perform 3 actions:" in result.stdout
    assert writes(demo.stats()) == {}
    assert demo.state == demo_state()


def test_a_plan_with_an_unreadable_set_is_shown_and_not_applied(
    demo: Emulator, env: dict[str, str]
) -> None:
    demo.set_faults(Faults(deny_sets=frozenset({"marketing"})))
    result = apply(demo, env, str(SPECS), "--auto-approve")
    assert_error(result, "cannot read marketing", "could not be read; nothing was applied", lines=2)
    assert "marketing" in result.stdout  # the plan shown says so too
    assert writes(demo.stats()) == {}
    assert demo.state == demo_state()


@pytest.mark.parametrize("rate", ["nan", "inf", "0"])
def test_a_bad_rate_is_refused_before_any_write(
    demo: Emulator, env: dict[str, str], rate: str
) -> None:
    result = run_cli(
        "apply",
        str(SPECS),
        "--auto-approve",
        "--max-rps",
        rate,
        "--endpoint-url",
        demo.url,
        env=env,
    )
    assert result.code == 1, result
    assert "--max-rps" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert writes(demo.stats()) == {}


def test_the_cli_checks_the_rate_itself_the_writer_only_raises_value_error() -> None:
    # click's range check lets NaN through; the writer's ValueError would be an internal error
    with pytest.raises(UsageError, match="--max-rps must be a number > 0, not nan"):
        apply_command.apply(max_rps=math.nan, endpoint_url="http://127.0.0.1:9")  # never AWS


def test_no_delete_keeps_the_extra_destination(demo: Emulator, env: dict[str, str]) -> None:
    result = apply(demo, env, str(SPECS), "--auto-approve", "--no-delete")
    assert result.code == 0, result
    assert "Apply complete: 1 created, 1 updated, 0 deleted." in result.stdout
    assert writes(demo.stats()) == {
        "CreateConfigurationSetEventDestination": 1,
        "UpdateConfigurationSetEventDestination": 1,
    }
    after = plan(demo, env, str(SPECS))
    assert after.code == 2
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in after.stdout


def test_json_results_are_alone_on_stdout(demo: Emulator, env: dict[str, str]) -> None:
    result = apply(demo, env, str(SPECS), "--auto-approve", "--format", "json")
    assert result.code == 0, result
    document = json.loads(result.stdout)  # nothing but the JSON document
    assert (document["success"], document["summary"]) == (
        True,
        {"ok": 3, "failed": 0, "skipped": 0},
    )
    assert sorted((a["action"], a["destination"], a["outcome"]) for a in document["actions"]) == [
        ("create", "complaint-feedback", "ok"),
        ("delete", "legacy-open-tracking", "ok"),
        ("update", "bounce-alerts", "ok"),
    ]
    assert document["plan"]["summary"]["missing"] == 1
    assert PLAN_LINE in result.stderr  # the human side went to stderr
    assert live(demo) == in_sync_state()["regions"][REGION]


def test_a_refused_write_fails_the_run_the_rest_is_applied_and_a_rerun_converges(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    # the set "full" holds the quota of 10 destinations: with --no-delete, no room for "new"
    full = {f"old-{n}": sns(f"{TOPIC}-{n}", "BOUNCE") for n in range(10)}
    demo.reset(with_sets(demo_state(), full=full))
    specs = copy_specs(tmp_path)
    add_spec(specs, "full", {"new": TOPIC})
    # one attempt: botocore takes LimitExceededException for throttling and would retry it
    result = apply(demo, env, str(specs), "--auto-approve", "--no-delete", "--max-attempts", "1")
    assert result.code == 1, result
    assert demo.stats().calls["CreateConfigurationSetEventDestination"] == 2
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert (
        "! failed to create event destination full/new (us-east-1, pinpoint-email): "
        "LimitExceededException: " in result.stdout
    )
    assert lines[-1] == (
        "Apply failed: 2 of 3 actions done, 1 failed, 0 skipped. "
        "Run apply again once the cause is fixed."
    )
    assert result.stderr == (
        "driftcheck: error: 1 of 3 actions did not complete (listed above); "
        "run apply again once the cause is fixed\n"
    )
    assert "complaint-feedback" in live(demo)["transactional"]  # the other sets were applied
    assert live(demo)["transactional"]["bounce-alerts"]["Enabled"] is True
    assert "new" not in live(demo)["full"]

    again = apply(demo, env, str(specs), "--auto-approve")  # deletes make room first
    assert again.code == 0, again
    assert sorted(live(demo)["full"]) == ["new"]
    assert plan(demo, env, str(specs)).code == 0


# --- apply on a terminal (a pty as stdin) ------------------------------------------------


TERMINAL_FLAGS = ("--max-rps", "100", "--max-attempts", "1", "--endpoint-url")


def apply_on_terminal(
    emulator: Emulator, env: dict[str, str], specs: Path, answer: str, reads: int, faults: Faults
) -> Result:
    """Run apply with a pty as stdin; once its ``reads`` are done, set ``faults``, answer."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "driftcheck",
                "apply",
                str(specs),
                *TERMINAL_FLAGS,
                emulator.url,
            ],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        deadline = time.monotonic() + 60  # a guard against a hang, not a performance limit
        while emulator.stats().calls.get(GET, 0) < reads:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "apply never read the live state"
            time.sleep(0.01)
        emulator.set_faults(faults)  # from now on; the reads are done, no write was made
        os.write(controller, answer.encode() + b"\n")
        stdout, stderr = process.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    return Result(process.returncode, stdout, stderr)


def test_on_a_terminal_only_yes_applies(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    specs = copy_specs(tmp_path)
    refused = apply_on_terminal(demo, env, specs, "y", reads=2, faults=Faults())
    assert refused.code == 1, refused
    # the prompt, then the error (on a terminal, after the echoed answer's line break)
    assert refused.stderr.endswith(
        "\nDo you want to perform these actions? Only 'yes' will be accepted: "
        "driftcheck: error: apply cancelled; nothing was written\n"
    )
    assert "driftcheck will perform 3 actions:" in refused.stdout
    assert writes(demo.stats()) == {}

    demo.reset_stats()
    accepted = apply_on_terminal(demo, env, specs, "yes", reads=2, faults=Faults())
    assert accepted.code == 0, accepted
    assert writes(demo.stats()) == DEMO_WRITES


def test_a_failed_write_skips_what_depends_on_it_and_a_rerun_converges(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    specs = copy_specs(tmp_path)
    add_spec(specs, "fresh", {"a": TOPIC, "b": TOPIC})  # a set to create, then fill
    failing = Faults(fail_sets=frozenset({"fresh"}))  # 500s for "fresh" once it was read
    result = apply_on_terminal(demo, env, specs, "yes", reads=3, faults=failing)
    assert result.code == 1, result
    assert "Traceback" not in result.stderr
    outcomes = [line for line in result.stdout.splitlines() if line.startswith("! ")]
    assert outcomes == [
        "! failed to create configuration set fresh (us-east-1, pinpoint-email): "
        "InternalFailure: We encountered an internal error.",
        "! skipped: create event destination fresh/a (us-east-1, pinpoint-email): "
        "its configuration set could not be created",
        "! skipped: create event destination fresh/b (us-east-1, pinpoint-email): "
        "its configuration set could not be created",
    ]
    assert result.stdout.splitlines()[-1] == (
        "Apply failed: 3 of 6 actions done, 1 failed, 2 skipped. "
        "Run apply again once the cause is fixed."
    )
    stats = demo.stats()
    assert stats.failed == {"CreateConfigurationSet": 1}  # one attempt: --max-attempts 1
    assert "CreateConfigurationSetEventDestination" not in stats.failed
    assert live(demo) == in_sync_state()["regions"][REGION]  # the other sets were applied

    demo.set_faults(Faults())
    again = apply(demo, env, str(specs), "--auto-approve")
    assert again.code == 0, again
    assert live(demo)["fresh"] == {"a": sns(TOPIC, "BOUNCE"), "b": sns(TOPIC, "BOUNCE")}
    assert plan(demo, env, str(specs)).code == 0


# --- import ------------------------------------------------------------------------------


def test_import_then_plan_reports_no_drift(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "live.yaml"
    result = run_cli(
        "import",
        "--all",
        "--parametrize",
        "account_id=123456789012",
        "--out",
        str(out),
        "--endpoint-url",
        demo.url,
        env=env,
    )
    assert result.code == 0, result
    assert result.stdout == ""
    assert result.stderr == f"driftcheck: wrote 2 configuration sets to {out}\n"
    assert demo.stats().calls == {LIST: 1, GET: 2}
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Generated by `driftcheck import`")
    assert [line for line in text.splitlines() if "123456789012" in line] == [
        "  account_id: '123456789012'"
    ]
    assert "arn:aws:sns:us-east-1:${account_id}:marketing-opens-legacy" in text
    after = plan(demo, env, str(out))
    assert after.code == 0, after
    assert "No changes." in after.stdout
    # one spec, several accounts: the variable is overridden at plan time
    other = plan(demo, env, str(out), "--var", "account_id=210987654321")
    assert other.code == 2


def test_import_keeps_an_existing_file_unless_forced(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "specs.yaml"
    out.write_text("# my hand-written spec\n", encoding="utf-8")
    args = ["--configuration-set", "transactional", "--out", str(out), "--endpoint-url", demo.url]
    kept = run_cli("import", *args, env=env)
    assert_error(kept, f"{out} already exists; pass --force")
    assert out.read_text(encoding="utf-8") == "# my hand-written spec\n"
    forced = run_cli("import", *args, "--force", env=env)
    assert forced.code == 0, forced
    text = out.read_text(encoding="utf-8")
    assert "  transactional:\n" in text and "marketing" not in text
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], ["either --configuration-set NAME (repeatable) or --all"]),
        (["--all", "--configuration-set", "x"], ["either --configuration-set"]),
        (["--all", "--parametrize", "novalue"], ["--parametrize takes NAME=VALUE"]),
    ],
)
def test_import_usage_errors_make_no_api_call(
    emulator: Emulator, env: dict[str, str], args: list[str], words: list[str]
) -> None:
    result = run_cli("import", *args, "--endpoint-url", emulator.url, env=env)
    assert_error(result, *words)
    assert result.stdout == ""
    assert emulator.stats().total == 0


def test_import_of_a_set_that_does_not_exist(demo: Emulator, env: dict[str, str]) -> None:
    result = run_cli("import", "--configuration-set", "nope", "--endpoint-url", demo.url, env=env)
    assert_error(result, "no configuration set named nope in us-east-1 (pinpoint-email)")
    assert result.stdout == ""
