"""On a terminal: colours and a progress bar; in pipes and CI logs: neither."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

from driftcheck.emulator import Emulator, Faults
from tests.conftest import REPO, isolated_aws_env

SETS = 12  # more than the handful below which no progress bar is shown


def run_on_terminal(
    emulator: Emulator, spec: Path, env: dict[str, str], *args: str
) -> tuple[int, str]:
    """Run `driftcheck plan` with stdout and stderr on a pseudo-terminal; (exit code, output)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "driftcheck",
            "plan",
            str(spec),
            "--endpoint-url",
            emulator.url,
            "--concurrency",
            "1",
            *args,
        ],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=env,
        cwd=REPO,
    )
    os.close(terminal)
    chunks = []
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            process.kill()
            raise AssertionError("driftcheck produced no output for 60 s")
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return process.wait(timeout=30), b"".join(chunks).decode("utf-8", "replace")


def spec_with_sets(tmp_path: Path) -> Path:
    lines = ["version: 1", "configuration_sets:"]
    lines += [f"  s{i}:\n    event_destinations: {{}}" for i in range(SETS)]
    spec = tmp_path / "many.yaml"
    spec.write_text("\n".join(lines) + "\n")
    return spec


def seeded(emulator: Emulator) -> Emulator:
    # one set missing makes drift, so the plan has coloured lines; latency keeps the bar up
    emulator.reset({"version": 1, "regions": {"us-east-1": {f"s{i}": {} for i in range(1, SETS)}}})
    emulator.set_faults(Faults(latency_ms=60))
    return emulator


def test_a_terminal_gets_colours_and_a_progress_bar(emulator: Emulator, tmp_path: Path) -> None:
    env = isolated_aws_env(tmp_path, AWS_REGION="us-east-1", TERM="xterm-256color")
    del env["NO_COLOR"]
    code, output = run_on_terminal(seeded(emulator), spec_with_sets(tmp_path), env)
    assert code == 2
    assert "Reading configuration sets" in output
    assert "\x1b[" in output  # colours
    assert "configuration set s0 (us-east-1) is missing" in output.replace("\x1b[1m", "")


def test_ci_logs_get_neither(emulator: Emulator, tmp_path: Path) -> None:
    env = isolated_aws_env(tmp_path, AWS_REGION="us-east-1", TERM="xterm-256color", CI="true")
    env["NO_COLOR"] = "1"
    code, output = run_on_terminal(seeded(emulator), spec_with_sets(tmp_path), env)
    assert code == 2
    assert "Reading configuration sets" not in output
    assert "\x1b[" not in output


# Select Graphic Rendition: colours, bold, dim... (cursor moves and line erases are not style)
SGR = re.compile(r"\x1b\[[0-9;]*m")


def test_no_color_also_uncolours_the_progress_bar(emulator: Emulator, tmp_path: Path) -> None:
    env = isolated_aws_env(tmp_path, AWS_REGION="us-east-1", TERM="xterm-256color")
    del env["NO_COLOR"]
    code, output = run_on_terminal(seeded(emulator), spec_with_sets(tmp_path), env, "--no-color")
    assert code == 2
    assert "Reading configuration sets" in output  # the bar was drawn
    assert SGR.search(output) is None, SGR.findall(output)[:5]
    assert "configuration set s0 (us-east-1) is missing" in output
