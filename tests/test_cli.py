"""The command line in a real subprocess: every exit code, and errors without tracebacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from driftcheck import __version__
from driftcheck.cli import main
from driftcheck.emulator import DEMO_STATE, Emulator, Faults
from tests.cold_start import HEAVY, PLANNING_ONLY
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
    assert result.stderr == "driftcheck: read 2 spec files\n"  # what the gate checked


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
        "files": 2,
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


COMMANDS = ("plan", "apply", "import", "validate", "emulator")
TYPES = "'text', 'json', 'markdown', 'junit', 'github', 'sarif'"


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["plan", "--formt", "json"], "no such option: --formt (did you mean --format or --out?)"),
        (["validate", "--bogus"], "no such option: --bogus"),
        (["--bogus"], "no such option: --bogus"),
        (["plan", "--format"], "--format needs a value"),
        (["import", "--region"], "--region needs a value"),
        (["plan", "--format", "yaml"], f"invalid value for --format: 'yaml' is not one of {TYPES}"),
        (["apply", "--format", "xml"], "invalid value for --format: 'xml' is not one of 'text', 'json'"),  # noqa: E501
        (["plan", "--concurrency", "0"], "invalid value for --concurrency: '0' is not a whole number from 1 to 64"),  # noqa: E501
        (["plan", "--max-attempts", "2.5"], "invalid value for --max-attempts: '2.5' is not a whole number from 1 to 20"),  # noqa: E501
        (["apply", "--max-rps", "nan"], "invalid value for --max-rps: 'nan' is not a number from 0.01 to 1000"),  # noqa: E501
        (["emulator", "--port", "65536"], "invalid value for --port: '65536' is not a whole number from 0 to 65535"),  # noqa: E501
        (["emulator", "--latency-ms", "-1"], "invalid value for --latency-ms: '-1' is not a number of at least 0"),  # noqa: E501
        (["plan", "--attribution-window", "91d"], "invalid value for --attribution-window: '91d' is not a duration from 1m to 90d (e.g. 12h, 7d)"),  # noqa: E501
        (["plan", "--attribution-window", "30s"], "invalid value for --attribution-window: '30s' is not a duration from 1m to 90d (e.g. 12h, 7d)"),  # noqa: E501
        (["plan", "--attribution-window", "7 days"], "invalid value for --attribution-window: '7 days' is not a duration from 1m to 90d (e.g. 12h, 7d)"),  # noqa: E501
        (["plan", "--attribution-window", "nan"], "invalid value for --attribution-window: 'nan' is not a duration from 1m to 90d (e.g. 12h, 7d)"),  # noqa: E501
        (["plna"], "no such command 'plna' (did you mean 'plan'?)"),
        (["frobnicate"], "no such command 'frobnicate'"),
        (["import", "--all", "extra"], "1 unexpected argument: extra"),
        (["emulator", "a", "b"], "2 unexpected arguments: a b"),
        (["plan", "--strict=yes"], "option '--strict' does not take a value"),
        # import writes ${NAME} where plan's --var fills it in: import has no --var at all
        (["import", "--var", "a=1"], "no such option: --var (did you mean --parametrize?)"),
        (["import", "--vars", "a=1"], "no such option: --vars (did you mean --parametrize?)"),
    ],
)  # fmt: skip
def test_a_bad_flag_or_value_is_one_sentence_and_a_hint(
    capsys: pytest.CaptureFixture[str], args: list[str], sentence: str
) -> None:
    with pytest.raises(SystemExit) as done:
        main(args)
    assert done.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    command = " ".join(["driftcheck", *[a for a in args[:1] if a in COMMANDS]])
    assert err == f"driftcheck: error: {sentence}\nTry '{command} --help'.\n"


def test_a_bad_flag_in_a_real_process(env: dict[str, str]) -> None:
    result = run_cli("plan", SPECS, "--formt", "json", env=env)
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (
        "driftcheck: error: no such option: --formt (did you mean --format or --out?)\n"
        "Try 'driftcheck plan --help'.\n"
    )


# what click and typer print for a parameter's type when no metavar is given
PYTHON_TYPES = re.compile(
    r"<(str|int|float|path|bool|int range|float range|list\[\w+\])>|\b(TEXT|INTEGER|FLOAT|PATH"
    r" RANGE|INTEGER RANGE|FLOAT RANGE|BOOLEAN)\b|<=x|x>=|\(specs/\)"
)


@pytest.mark.parametrize("command", ["", "plan", "apply", "import", "validate", "emulator"])
def test_help_shows_metavars_not_python_types(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"] if command else ["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: driftcheck")
    assert PYTHON_TYPES.search(out) is None, PYTHON_TYPES.search(out)
    if command in ("plan", "apply"):
        for metavar in ("[PATH]...", "--region REGION", "--concurrency N", "--endpoint-url URL"):
            assert metavar in out


def test_import_parametrize_is_not_plans_var(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    out = capsys.readouterr().out
    assert "--parametrize NAME=VALUE" in out
    assert "--var" not in out  # neither --var nor --vars


def test_missing_path(env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope.yaml"), env=env)
    assert result.code == 1
    assert "nope.yaml" in result.stderr and "Traceback" not in result.stderr


# --- validate, version, help ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "stdout"),
    [
        (["validate", SPECS], "OK: 2 configuration sets, 6 event destinations in 2 files.\n"),
        (["--help"], "Usage: driftcheck [OPTIONS] COMMAND [ARGS]..."),
        (["plan", "--help"], "Usage: driftcheck plan [OPTIONS] [PATH]..."),
    ],
)
def test_validate_and_help_import_no_heavy_package(
    env: dict[str, str], args: list[str], stdout: str
) -> None:
    """A fresh interpreter runs the command, then lists the top-level packages it imported."""
    script = (
        "import sys\n"
        "from driftcheck.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as done:\n"
        "    code = done.code\n"
        "import gc\n"
        "print(code, gc.get_freeze_count(), sorted(sys.modules), file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert completed.stdout.startswith(stdout), completed
    code, frozen, modules = completed.stderr.strip().rpartition("\n")[2].split(" ", 2)
    assert code == "0", completed.stderr
    modules_imported = set(json.loads(modules.replace("'", '"')))
    imported = {name.split(".")[0] for name in modules_imported}
    assert "driftcheck" in imported and "typer" in imported  # the listing is real
    assert imported.isdisjoint(HEAVY), sorted(imported.intersection(HEAVY))
    assert modules_imported.isdisjoint(PLANNING_ONLY), sorted(
        modules_imported.intersection(PLANNING_ONLY)
    )
    # main() froze what lives until the exit: the shutdown's collections skip it
    assert int(frozen) > 10_000


EVERY_COMMAND = ["apply", "emulator", "import", "plan", "validate", "watch"]


@pytest.mark.parametrize(
    ("args", "built"),
    [
        (["validate", "specs"], ["validate"]),
        (["import", "--help"], ["import"]),  # a command named apart from its function
        (["--help"], EVERY_COMMAND),
        ([], EVERY_COMMAND),
        (["valdate"], EVERY_COMMAND),  # to suggest one
        (["--version", "plan"], EVERY_COMMAND),
    ],
)
def test_only_the_invoked_command_is_built(args: list[str], built: list[str]) -> None:
    """Building a command costs its whole signature: a run builds the one it invokes."""
    from driftcheck.cli.main import _click_command

    assert sorted(_click_command(args).commands) == built


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


@pytest.mark.parametrize(
    ("text", "days"), [("90d", 90), ("90", 90), ("12h", 0.5), ("1m", 1 / 1440), ("1.5d", 1.5)]
)
def test_attribution_window_units(text: str, days: float) -> None:
    from datetime import timedelta

    from driftcheck.cli.options import duration

    parse = duration(timedelta(minutes=1), timedelta(days=90))
    assert parse(text) == timedelta(days=days)
