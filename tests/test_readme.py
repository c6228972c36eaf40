"""The README is true: its console commands run as shown, its other examples hold.

Every ```` ```console ```` block of README.md is run (conventions in :mod:`tests.readme`) in a
fresh directory that holds a copy of this repository's ``specs/``, ``driftcheck/`` (for the
demo state), ``Makefile``, ``pyproject.toml`` and ``constraints.txt``, in a shell where the
lines that ``driftcheck emulator`` prints were pasted: fake credentials and
``AWS_ENDPOINT_URL`` of an emulator holding the demo state (fresh for each block; commands of
one block share it). The shell also has a ``prod`` profile (fake credentials), ``HOME`` in the
directory and ``SLACK_WEBHOOK_URL`` pointing at a loopback webhook that answers 200.
``driftcheck`` is this checkout's; ``make`` uses this interpreter (``VENV``). A ``driftcheck
emulator`` command runs in the background on a free port (its output shown with the default
port 4566) until the block ends, when it gets Ctrl-C.

The ``driftcheck plan`` steps of the CI workflows (YAML blocks) run in the same shell, as in
a GitHub Actions job (SNS alerts go to a moto server).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from driftcheck.desired import load_specs
from driftcheck.emulator import DEMO_STATE, client_environment, start_emulator
from driftcheck.ignore import parse_ignore_file
from driftcheck.targets import parse_accounts
from tests.conftest import REPO, isolated_aws_env, run_cli
from tests.readme import (
    PROMPT,
    Block,
    Command,
    console_commands,
    fenced_blocks,
    unmatched_lines,
    without_comment,
)

README = REPO / "README.md"
BLOCKS = fenced_blocks(README.read_text(encoding="utf-8"))
CONSOLE = [b for b in BLOCKS if b.language == "console"]
RUN = [b for b in CONSOLE if b.skip is None]
MAX_SKIPPED = 3  # blocks that need real AWS or PyPI, or run this suite: few, each with a reason
_EXTERNAL_ID = {"DRIFTCHECK_EXTERNAL_ID": "a-long-random-value"}  # the README's accounts files
EMULATOR_PORT_SHOWN = "127.0.0.1:4566"  # `driftcheck emulator`'s default, as the README shows it
_LOOPBACK_PORT = re.compile(r"127\.0\.0\.1:\d+")
_COPIED = ("specs", "driftcheck", "Makefile", ".pre-commit-hooks.yaml")
# what the Makefile's venv stamp depends on: copied older than the stamp, so make installs nothing
_STAMP_INPUTS = ("pyproject.toml", "constraints.txt")


def _yaml_examples() -> list[tuple[Block, object]]:
    return [(b, yaml.safe_load("\n".join(b.lines))) for b in BLOCKS if b.language == "yaml"]


# --- the conventions ------------------------------------------------------------------------


def test_the_readme_follows_the_conventions_the_test_relies_on() -> None:
    assert len(RUN) >= 8, "the README's console examples are run: keep them in console blocks"
    skipped = [b for b in CONSOLE if b.skip is not None]
    assert len(skipped) <= MAX_SKIPPED, [b.line for b in skipped]
    for block in skipped:
        assert len(block.skip.split()) >= 3, f"README.md:{block.line}: say why it is skipped"
    for block in CONSOLE:
        assert console_commands(block), f"README.md:{block.line}: a console block without `$ `"
    for block in BLOCKS:
        assert block.language not in ("sh", "bash", "shell", "shell-session"), (
            f"README.md:{block.line}: use ```console with `$ ` prompts, so the command is run"
        )
        if block.language != "console":
            assert not any(line.startswith(PROMPT) for line in block.lines), (
                f"README.md:{block.line}: a `$ ` command outside a console block is never run"
            )


def test_the_readme_parser_reads_commands_exit_codes_output_and_skips() -> None:
    markdown = (
        "text\n<!-- readme-test: skip needs a real AWS account -->\n\n```console\n"
        "$ driftcheck plan specs/   # exit 2 on drift\nPlan: 1 to add…\n…\n"
        "$ driftcheck validate specs/  # offline\nOK: …\n```\n"
        "  ```yaml\n  a: 1\n  ```\n"
    )
    console, indented = fenced_blocks(markdown)
    assert (console.line, console.language, console.skip) == (
        4,
        "console",
        "needs a real AWS account",
    )
    assert indented.lines == ("a: 1",)
    plan, validate = console_commands(console)
    assert (plan.line, plan.exit_code, plan.output) == (5, 2, ("Plan: 1 to add…", "…"))
    assert (validate.exit_code, without_comment(validate.text)) == (0, "driftcheck validate specs/")
    with pytest.raises(ValueError, match="never closed"):
        fenced_blocks("```console\n$ ls\n")
    with pytest.raises(ValueError, match="unknown readme-test directive"):
        fenced_blocks("<!-- readme-test: skipp typo -->\n```console\n$ ls\n```\n")


def test_shown_output_must_appear_in_order_within_a_stream() -> None:
    shown = ["Plan: 1 to add, … to change, 1 to destroy.", "…", "driftcheck: sent …"]
    stdout, stderr = "  # x\nPlan: 1 to add, 1 to change, 1 to destroy.\n", "driftcheck: sent it\n"
    assert unmatched_lines(shown, stdout, stderr) == []
    assert unmatched_lines(["Plan: 2 to add…"], stdout, stderr) == ["Plan: 2 to add…"]
    assert unmatched_lines(["Plan…", "  # x"], stdout, "") == ["  # x"]  # order within stdout
    assert unmatched_lines(["Plan"], stdout, "") == ["Plan"]  # whole lines, not substrings


# --- every console block, run -----------------------------------------------------------------


class _Webhook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def webhook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/services/T000/B000/readme"
    finally:
        server.shutdown()
        server.server_close()


def executable(path: Path, command: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nexec {command} "$@"\n', encoding="utf-8")
    path.chmod(0o755)


@dataclass(frozen=True)
class Shell:
    cwd: Path
    env: dict[str, str]


@contextmanager
def readme_shell(tmp_path: Path) -> Iterator[Shell]:
    """The directory and environment a block runs in (see the module docstring)."""
    cwd = tmp_path / "work"
    cwd.mkdir()
    for name in _COPIED:
        source = REPO / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(source, cwd / name, ignore=ignore)
        else:
            shutil.copy2(source, cwd / name)
    for name in _STAMP_INPUTS:
        shutil.copy2(REPO / name, cwd / name)
        os.utime(cwd / name, (0, 0))
    python = sys.executable
    executable(tmp_path / "bin" / "driftcheck", f"'{python}' -m driftcheck")
    executable(tmp_path / "venv" / "bin" / "python", f"'{python}'")
    (tmp_path / "venv" / ".installed").touch()
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile prod]\naws_access_key_id = prod\naws_secret_access_key = prod\n"
        "region = us-east-1\n",
        encoding="utf-8",
    )
    (tmp_path / "home").mkdir()
    with ExitStack() as stack:
        emulator = stack.enter_context(start_emulator(state=DEMO_STATE))
        env = isolated_aws_env(tmp_path)
        for name in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "MAKEFLAGS", "MAKELEVEL"):
            env.pop(name, None)
        env.update(client_environment(emulator.url))
        env.update(
            AWS_CONFIG_FILE=str(config),
            HOME=str(tmp_path / "home"),
            PATH=f"{tmp_path / 'bin'}{os.pathsep}{env.get('PATH', os.defpath)}",
            VENV=str(tmp_path / "venv"),
            SLACK_WEBHOOK_URL=stack.enter_context(webhook()),
        )
        yield Shell(cwd, env)


def foreground_sigint() -> None:
    """In the child: SIGINT handled as in a terminal's foreground job. A test run started
    from a script's background job (`make test &`) inherits SIGINT ignored, and the emulator
    would then never see the Ctrl-C these tests send."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    """The output of a process sent Ctrl-C; killed (and the test failed) if it ignores it."""
    try:
        return process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"{process.args!r} did not stop on Ctrl-C")


def _describe(command: Command, code: int | None, stdout: str, stderr: str) -> str:
    return (
        f"README.md:{command.line}: $ {command.text}\nexit code {code} "
        f"(README: {command.exit_code})\n--- stdout\n{stdout}--- stderr\n{stderr}"
    )


def run_command(shell: Shell, command: Command) -> None:
    done = subprocess.run(
        ["bash", "-c", command.text],
        cwd=shell.cwd,
        env=shell.env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    report = _describe(command, done.returncode, done.stdout, done.stderr)
    assert done.returncode == command.exit_code, report
    assert "Traceback" not in done.stderr, report
    assert unmatched_lines(command.output, done.stdout, done.stderr) == [], report


@contextmanager
def background_emulator(shell: Shell, command: Command) -> Iterator[None]:
    """`driftcheck emulator ...` on a free port, its start-up lines checked; Ctrl-C at the end."""
    process = subprocess.Popen(
        ["bash", "-c", f"exec {without_comment(command.text)} --port 0"],
        cwd=shell.cwd,
        env=shell.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=foreground_sigint,
    )
    assert process.stdout is not None
    shown: list[str] = []
    try:
        while unmatched_lines(command.output, "\n".join(shown), "") and (
            line := process.stdout.readline()
        ):
            shown.append(_LOOPBACK_PORT.sub(EMULATOR_PORT_SHOWN, line.rstrip("\n")))
        yield
    finally:
        process.send_signal(signal.SIGINT)  # "Ctrl-C stops it"
        stdout, stderr = stop(process)
    report = _describe(command, process.returncode, "\n".join(shown) + "\n" + stdout, stderr)
    assert unmatched_lines(command.output, "\n".join(shown), "") == [], report
    assert "Traceback" not in stderr, report


@pytest.mark.integration
@pytest.mark.parametrize("block", RUN, ids=[f"README.md:{b.line}" for b in RUN])
def test_a_readme_console_block_runs_as_shown(block: Block, tmp_path: Path) -> None:
    with readme_shell(tmp_path) as shell, ExitStack() as background:
        for command in console_commands(block):
            if without_comment(command.text).startswith("driftcheck emulator"):
                background.enter_context(background_emulator(shell, command))
            else:
                run_command(shell, command)


def _ci_commands() -> list[tuple[int, str]]:
    """The driftcheck commands of the README's CI examples: GitHub `run:`, GitLab `script:`."""
    found: list[tuple[int, str]] = []

    def walk(node: object, line: int) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                scripts = value if key == "script" and isinstance(value, list) else [value]
                if key in ("run", "script"):
                    found.extend((line, s) for s in scripts if "driftcheck plan" in str(s))
                walk(value, line)
        elif isinstance(node, list):
            for item in node:
                walk(item, line)

    for block, document in _yaml_examples():
        if block.skip is None:
            walk(document, block.line)
    return found


CI = _ci_commands()


@pytest.mark.integration
@pytest.mark.parametrize(("line", "script"), CI, ids=[f"README.md:{line}" for line, _ in CI])
def test_a_readme_ci_step_runs(line: int, script: str, tmp_path: Path, moto_server: str) -> None:
    """As in a CI job from the repository root: drift fails the step unless the step says
    `|| test $? -eq 2`, and every report it names is written."""
    import boto3

    boto3.client(
        "sns",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
    ).create_topic(Name="ses-drift-alerts")
    summary = tmp_path / "step-summary.md"
    with readme_shell(tmp_path) as shell:
        shell.env.update(
            GITHUB_ACTIONS="true",
            GITHUB_STEP_SUMMARY=str(summary),
            AWS_ENDPOINT_URL_SNS=moto_server,
        )
        expected = 0 if "|| test $? -eq 2" in script else 2
        command = Command(line, script.strip(), expected, ())
        run_command(shell, command)
        for report in re.findall(r"--output \w+=(\S+)", script):
            assert (shell.cwd / report).stat().st_size > 0, f"README.md:{line}: {report}"
        if "--github" in script:
            assert "**Drift detected**" in summary.read_text(encoding="utf-8")


# --- what the README says about the emulator and boto3's endpoint settings -----------------


def test_the_emulator_prints_the_lines_to_paste_and_they_are_enough(tmp_path: Path) -> None:
    """No `--endpoint-url`, no credentials of one's own: the printed lines are all it takes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "driftcheck", "emulator", "--port", "0", "--state", str(DEMO_STATE)],
        env=isolated_aws_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=foreground_sigint,
    )
    assert process.stdout is not None
    try:
        listening = process.stdout.readline()
        lines = [process.stdout.readline().rstrip("\n") for _ in range(9)]
        url = re.fullmatch(
            r"driftcheck emulator listening on (http://127\.0\.0\.1:\d+) \(.*\)\n", listening
        )
        assert url is not None, listening
        exports = dict(line.removeprefix("export ").split("=", 1) for line in lines[1:8])
        assert [line.split("=")[0] for line in lines[1:8]] == [f"export {name}" for name in exports]
        assert exports == {
            "AWS_ENDPOINT_URL": url[1],
            "AWS_ENDPOINT_URL_STS": url[1],
            "AWS_ENDPOINT_URL_ORGANIZATIONS": url[1],
            "AWS_ENDPOINT_URL_CLOUDTRAIL": url[1],
            "AWS_ACCESS_KEY_ID": "emulator",
            "AWS_SECRET_ACCESS_KEY": "emulator",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        assert lines[8] == "Ctrl-C stops it."
        # a shell with only those lines pasted: no credentials, region or endpoint otherwise
        env = {k: v for k, v in isolated_aws_env(tmp_path).items() if not k.startswith("AWS_A")}
        env.update(exports)
        done = subprocess.run(
            [sys.executable, "-m", "driftcheck", "plan", "specs/"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "Plan: 1 to add, 1 to change, 1 to destroy." in done.stdout
    finally:
        process.send_signal(signal.SIGINT)
        stop(process)


@pytest.mark.integration
@pytest.mark.parametrize(
    ("variable", "api"),
    [
        ("AWS_ENDPOINT_URL", "pinpoint-email"),
        ("AWS_ENDPOINT_URL", "sesv2"),
        ("AWS_ENDPOINT_URL_PINPOINT_EMAIL", "pinpoint-email"),
        ("AWS_ENDPOINT_URL_SESV2", "sesv2"),
    ],
)
def test_boto3_honours_the_endpoint_variables_the_readme_names(
    variable: str, api: str, tmp_path: Path
) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(REPO / "specs", specs)
    for spec in specs.glob("*.yaml"):
        text = spec.read_text(encoding="utf-8")
        spec.write_text(text.replace("api: pinpoint-email", f"api: {api}"), encoding="utf-8")
    with start_emulator(state=DEMO_STATE) as emulator:
        env = isolated_aws_env(tmp_path, **{variable: emulator.url})
        done = subprocess.run(
            [sys.executable, "-m", "driftcheck", "plan", str(specs), "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert json.loads(done.stdout)["summary"]["misconfigured"] == 1
        assert emulator.stats().by_api == {api: {"GetConfigurationSetEventDestinations": 2}}


# --- the other examples ---------------------------------------------------------------------


_OUTSIDE = ("../" + "shared", "/work/" + "shared")  # split: this file must not match itself
_NOT_SOURCES = {
    ".git",
    ".venv",
    ".venv-oldest",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
}


def _project_files() -> list[Path]:
    """The files of the project: git's (tracked or new, not ignored), else a filtered walk."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [REPO / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an sdist...)
        return [
            path
            for path in REPO.rglob("*")
            if not {*path.relative_to(REPO).parts} & {*_NOT_SOURCES, "__pycache__"}
            and not any(part.endswith(".egg-info") for part in path.parts)
        ]


def test_nothing_in_the_repository_points_outside_it() -> None:
    offending = []
    for path in _project_files():
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offending += [f"{path.relative_to(REPO)}: {o}" for o in _OUTSIDE if o in text]
    assert offending == []
    links = re.findall(r"\]\(([^)#\s]+)[^)]*\)", README.read_text(encoding="utf-8"))
    for link in links:
        if "://" in link:
            continue
        target = (REPO / link).resolve()
        assert target.is_relative_to(REPO) and target.exists(), link


def _versioned(kind: str) -> list[Block]:
    """The README's specs (``kind`` "spec") or accounts files ("accounts")."""
    return [
        block
        for block, doc in _yaml_examples()
        if isinstance(doc, dict)
        and "version" in doc
        and ("configuration_sets" in doc) == (kind == "spec")
    ]


def test_the_spec_examples_are_valid_specs(tmp_path: Path) -> None:
    specs = _versioned("spec")
    assert specs, "the README shows a spec"
    (accounts_file, *_) = _versioned("accounts")
    fleet = parse_accounts(
        "\n".join(accounts_file.lines).encode(), "accounts.yaml", environ=_EXTERNAL_ID
    ).fleet()
    for block in specs:
        spec = tmp_path / f"line{block.line}.yaml"
        spec.write_text("\n".join(block.lines) + "\n", encoding="utf-8")
        if "accounts" in yaml.safe_load(spec.read_text(encoding="utf-8")):
            # A spec across accounts, with the README's first accounts file.
            load_specs([spec], environ={}, fleet=fleet)
            continue
        done = run_cli("validate", str(spec), env=isolated_aws_env(tmp_path))
        assert done.code == 0, f"README.md:{block.line}: {done.stderr}"


def test_the_accounts_file_examples_are_valid() -> None:
    examples = _versioned("accounts")
    assert len(examples) >= 2, "the README shows an accounts file and an organization"
    for block in examples:
        parse_accounts(
            "\n".join(block.lines).encode(), f"README.md:{block.line}", environ=_EXTERNAL_ID
        )


def test_the_driftignore_examples_parse() -> None:
    examples = [b for b in BLOCKS if b.language == "gitignore"]
    assert examples, "the README shows a .driftignore"
    for block in examples:
        patterns = parse_ignore_file("\n".join(block.lines), f"README.md:{block.line}")
        assert len(patterns) == sum(1 for line in block.lines if line.split("#", 1)[0].strip())


def test_the_pre_commit_example_uses_the_hook_this_repository_defines() -> None:
    [(block, config)] = [
        (b, doc) for b, doc in _yaml_examples() if isinstance(doc, dict) and "repos" in doc
    ]
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    defined = {hook["id"]: hook for hook in hooks}
    used = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert used and set(used) <= set(defined), f"README.md:{block.line}"
    [hook] = [defined[name] for name in used]
    runs = " ".join([hook["entry"], *hook["args"]])
    assert f"The hook runs `{runs}`" in README.read_text(encoding="utf-8")
    assert "# args: [infra/ses/specs/]    # default: specs/" in block.lines[-2]
