"""The command line in a real subprocess: every exit code, and errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from driftcheck import __version__
from driftcheck.emulator import DEMO_STATE, Emulator, Faults
from tests.conftest import REPO, Result, isolated_aws_env, run_cli

GOLDEN = Path(__file__).parent / "golden"
SPECS = str(REPO / "specs")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return isolated_aws_env(tmp_path, AWS_REGION="us-east-1")


@pytest.fixture
def demo(emulator: Emulator) -> Emulator:
    emulator.reset(DEMO_STATE)
    return emulator


def plan(emulator: Emulator, env: dict[str, str], *args: str) -> Result:
    return run_cli("plan", *args, "--endpoint-url", emulator.url, env=env)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_clean_error(result: Result, *words: str) -> None:
    assert result.code == 1, result
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("driftcheck: error: ") or ": " in result.stderr
    for word in words:
        assert word in result.stderr


# --- plan -------------------------------------------------------------------------------


def test_demo_plan_shows_one_missing_one_extra_one_misconfigured(
    demo: Emulator, env: dict[str, str]
) -> None:
    result = plan(demo, env, SPECS)
    assert result.code == 2, result
    if os.environ.get("UPDATE_GOLDEN"):
        (GOLDEN / "demo-plan.txt").write_text(result.stdout, encoding="utf-8")
    assert result.stdout == (GOLDEN / "demo-plan.txt").read_text(encoding="utf-8")
    assert result.stderr == ""


def test_demo_plan_as_json(demo: Emulator, env: dict[str, str]) -> None:
    result = plan(demo, env, SPECS, "--format", "json")
    assert result.code == 2
    document = json.loads(result.stdout)
    assert document["drift"] is True
    assert document["summary"] == {
        "in_sync": 4,
        "missing": 1,
        "extra": 1,
        "misconfigured": 1,
        "errors": 0,
        "ignored": 0,
        "unmanaged": 0,
    }
    changed = {d["name"]: d["status"] for d in document["destinations"] if d["status"] != "in_sync"}
    assert changed == {
        "complaint-feedback": "missing",
        "legacy-open-tracking": "extra",
        "bounce-alerts": "misconfigured",
    }


def test_in_sync_exits_zero(emulator: Emulator, env: dict[str, str], tmp_path: Path) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    spec = write(
        tmp_path / "s.yaml", "version: 1\nconfiguration_sets:\n  tx:\n    event_destinations: {}\n"
    )
    result = plan(emulator, env, str(spec))
    assert result.code == 0, result
    assert "No changes. Live event destinations match the specs." in result.stdout
    assert emulator.stats().calls == {"GetConfigurationSetEventDestinations": 1}


def test_a_set_that_cannot_be_read_beats_drift(demo: Emulator, env: dict[str, str]) -> None:
    demo.set_faults(Faults(fail_sets=frozenset({"marketing"})))
    result = plan(demo, env, SPECS, "--max-attempts", "2")
    assert result.code == 1, result
    assert "to add" in result.stdout  # the rest of the plan is still shown
    assert "cannot read marketing (us-east-1, pinpoint-email): InternalFailure" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_spec_sends_no_request(
    emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    spec = write(
        tmp_path / "bad.yaml",
        "version: 1\nconfiguration_sets:\n  tx:\n    event_destinations:\n      a:\n"
        "        Enabled: true\n        MatchingEventTypes: [BOUNCES]\n"
        "        SnsDestinaton: {TopicArn: x}\n",
    )
    result = plan(emulator, env, str(spec))
    assert result.code == 1
    assert f"{spec}:7:" in result.stderr and "BOUNCE" in result.stderr
    assert f"{spec}:8:" in result.stderr and "SnsDestination" in result.stderr
    assert "Traceback" not in result.stderr
    assert emulator.stats().total == 0


def test_no_credentials(emulator: Emulator, env: dict[str, str]) -> None:
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    assert_one_clean_error(plan(emulator, env, SPECS), "no AWS credentials found")


def test_unreachable_endpoint(env: dict[str, str]) -> None:
    result = run_cli(
        "plan", SPECS, "--endpoint-url", "http://127.0.0.1:9", "--max-attempts", "1", env=env
    )
    assert_one_clean_error(result, "cannot reach the pinpoint-email endpoint")


def test_no_region_anywhere(emulator: Emulator, env: dict[str, str], tmp_path: Path) -> None:
    del env["AWS_REGION"]
    spec = write(
        tmp_path / "s.yaml", "version: 1\nconfiguration_sets:\n  tx:\n    event_destinations: {}\n"
    )
    result = plan(emulator, env, str(spec))
    assert result.code == 1
    assert "region" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--format", "yaml"], ["yaml"]),
        (["--concurrency", "0"], ["concurrency"]),
        (["--var", "novalue"], ["--var takes NAME=VALUE"]),
        (["--endpoint-url", "localhost:4566"], ["--endpoint-url must start with http"]),
        (["--no-such-flag"], ["no-such-flag"]),
    ],
)
def test_bad_flags_exit_1_not_2(env: dict[str, str], args: list[str], words: list[str]) -> None:
    result = run_cli("plan", SPECS, *args, env=env)
    assert result.code == 1, result
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


def test_missing_path(env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope.yaml"), env=env)
    assert result.code == 1
    assert "nope.yaml" in result.stderr and "Traceback" not in result.stderr


# --- validate, version, help ----------------------------------------------------------------


def test_validate_ok_without_importing_boto3_or_deepdiff(env: dict[str, str]) -> None:
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "driftcheck", "validate", SPECS],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "OK: 2 configuration sets, 6 event destinations in 2 files.\n"
    imported = {line.split("|")[-1].strip() for line in completed.stderr.splitlines()}
    assert "boto3" not in imported and "deepdiff" not in imported
    assert "botocore.client" not in imported


def test_validate_reports_every_problem(env: dict[str, str], tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "version: 2\n")
    write(tmp_path / "b.yaml", "version: 1\nconfiguration_sets:\n  bad name!: {}\n")
    result = run_cli("validate", str(tmp_path), env=env)
    assert result.code == 1
    assert f"{tmp_path / 'a.yaml'}:1:" in result.stderr
    assert f"{tmp_path / 'b.yaml'}:3:" in result.stderr


def test_version(env: dict[str, str]) -> None:
    result = run_cli("--version", env=env)
    assert (result.code, result.stdout) == (0, f"driftcheck {__version__}\n")


@pytest.mark.parametrize("command", ["plan", "validate", "emulator"])
def test_every_command_has_help_with_an_example(env: dict[str, str], command: str) -> None:
    result = run_cli(command, "--help", env=env)
    assert result.code == 0
    assert "Example: driftcheck " + command in result.stdout


# --- emulator -----------------------------------------------------------------------------


def test_emulator_command_serves_the_demo_state(env: dict[str, str]) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "driftcheck", "emulator", "--port", "0", "--state", str(DEMO_STATE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        url = banner.split(" on ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        result = run_cli("plan", SPECS, "--endpoint-url", url, env=env)
        assert result.code == 2 and "Plan: 1 to add, 1 to change, 1 to destroy." in result.stdout
    finally:
        server.terminate()
        assert server.wait(timeout=10) == 0
    assert "Traceback" not in (server.stderr.read() if server.stderr else "")


def test_emulator_with_a_bad_state_file(env: dict[str, str], tmp_path: Path) -> None:
    state = write(tmp_path / "state.json", "{not json")
    result = run_cli("emulator", "--port", "0", "--state", str(state), env=env)
    assert_one_clean_error(result, "state.json")


def test_access_denied_is_exit_1_naming_the_set(demo: Emulator, env: dict[str, str]) -> None:
    demo.set_faults(Faults(deny_sets=frozenset({"transactional"})))
    result = plan(demo, env, SPECS)
    assert result.code == 1
    assert "cannot read transactional (us-east-1, pinpoint-email): AccessDeniedException" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_expired_credentials(demo: Emulator, env: dict[str, str]) -> None:
    env["AWS_ACCESS_KEY_ID"] = "EXPIRED-KEY"
    assert_one_clean_error(plan(demo, env, SPECS), "the AWS credentials have expired")
