"""Ctrl-C and SIGTERM, for real: ``python -m driftcheck`` in a subprocess, a real signal, and
the emulator counting what the process asked of it.

A request is counted by the emulator when it has been answered (after its latency), so the
requests in flight at the signal are counted after it. The tests wait for the process to exit
and the emulator to close every connection, then compare the counts: what was counted after
the signal is at most what can have been in flight. No test measures time: every wait fails
only after a generous :data:`PATIENCE`.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from driftcheck.emulator import Emulator, Faults
from tests.conftest import REPO
from tests.test_cli_ci import cli_env
from tests.webhooks import WebhookServer

pytestmark = pytest.mark.integration

PATIENCE = 30.0  # seconds before a wait fails the test
CREATE = "CreateConfigurationSetEventDestination"
SIGNALS = [
    pytest.param(signal.SIGINT, 130, id="SIGINT"),
    pytest.param(signal.SIGTERM, 143, id="SIGTERM"),
]


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.005)


# `python -m driftcheck`, with SIGINT handled as in a terminal's foreground job: a test run
# from a script's background job (`make test &`) inherits SIGINT ignored, which driftcheck
# rightly keeps ignored
COMMAND = (
    sys.executable,
    "-c",
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('driftcheck', run_name='__main__', alter_sys=True)",
)


def start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def start_apply(
    specs: Path, emulator: Emulator, env: dict[str, str], *flags: str
) -> subprocess.Popen[str]:
    return start(
        "apply", str(specs), "--auto-approve", *flags, "--endpoint-url", emulator.url, env=env
    )


def finish(process: subprocess.Popen[str], emulator: Emulator) -> tuple[int, str, str]:
    """Wait for the exit, then for the emulator to have answered every request it received."""
    try:
        stdout, stderr = process.communicate(timeout=PATIENCE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("the process did not exit after the signal")
    wait_until(lambda: not emulator.server.open_connections(), "the emulator is idle")
    return process.returncode, stdout, stderr


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path)


def spec(path: Path, destinations: dict[str, dict[str, Any]]) -> Path:
    """One spec declaring every set of ``destinations`` (set name -> its destinations)."""
    document = {
        "version": 1,
        "region": "us-east-1",
        "configuration_sets": {
            name: {"event_destinations": dests} for name, dests in destinations.items()
        },
    }
    path.write_text(json.dumps(document), encoding="utf-8")  # JSON is YAML
    return path


def sns(index: int) -> dict[str, Any]:
    return {
        "Enabled": True,
        "MatchingEventTypes": ["BOUNCE"],
        "SnsDestination": {"TopicArn": f"arn:aws:sns:us-east-1:123456789012:topic-{index}"},
    }


# --- plan ------------------------------------------------------------------------------------

SETS = 300
CONCURRENCY = 4


@pytest.mark.parametrize(("signum", "code"), SIGNALS)
def test_plan_stops_reading_and_writes_no_report(
    request: pytest.FixtureRequest,
    emulator: Emulator,
    env: dict[str, str],
    tmp_path: Path,
    signum: int,
    code: int,
) -> None:
    names = [f"s{i:03d}" for i in range(SETS)]
    emulator.reset({"version": 1, "regions": {"us-east-1": {name: {} for name in names[1:]}}})
    emulator.set_faults(Faults(latency_ms=300))  # all the reads: 300 x 0.3 s / 4 = 22 s
    specs = spec(tmp_path / "many.yaml", {name: {} for name in names})
    saved, junit = tmp_path / "plan.json", tmp_path / "junit.xml"
    webhook = WebhookServer()
    request.addfinalizer(webhook.stop)
    process = start(
        "plan",
        str(specs),
        "--endpoint-url",
        emulator.url,
        "--concurrency",
        str(CONCURRENCY),
        "--out",
        str(saved),
        "--output",
        f"junit={junit}",
        "--alert",
        f"webhook:{webhook.url}",
        env=env,
    )
    wait_until(lambda: emulator.stats().total >= 2 * CONCURRENCY, "the reads have begun")
    before = emulator.stats().total
    process.send_signal(signum)
    returncode, stdout, stderr = finish(process, emulator)

    assert (returncode, stdout, stderr) == (code, "", "driftcheck: interrupted\n")
    assert not saved.exists() and not junit.exists()
    assert webhook.requests == []  # the set missing live is drift: it would have alerted
    after = emulator.stats().total
    # in flight when the stats were read, and the ones that replaced those answered between
    # reading the stats and the signal: at most twice the concurrency; none queued started
    assert after - before <= 2 * CONCURRENCY, (before, after)


# --- apply -----------------------------------------------------------------------------------

ACTIONS = 12  # 3 sets x 4 missing destinations


@pytest.mark.parametrize(("signum", "code"), SIGNALS)
def test_apply_finishes_the_writes_in_flight_and_reports_the_rest(
    emulator: Emulator, env: dict[str, str], tmp_path: Path, signum: int, code: int
) -> None:
    declared = {f"set{s}": {f"d{d}": sns(4 * s + d) for d in range(4)} for s in range(3)}
    emulator.reset({"version": 1, "regions": {"us-east-1": {name: {} for name in declared}}})
    emulator.set_faults(Faults(latency_ms=100))
    specs = spec(tmp_path / "apply.yaml", declared)
    # two writes a second: about 6 s for the 12, one write in flight at a time
    process = start_apply(specs, emulator, env, "--max-rps", "2")

    def created() -> int:
        return emulator.stats().calls.get(CREATE, 0)

    wait_until(lambda: created() >= 3, "three writes were done")
    before = created()
    process.send_signal(signum)
    returncode, stdout, stderr = finish(process, emulator)

    done = created()
    assert returncode == code
    assert stderr == "driftcheck: interrupted\n"
    # one write in flight at the signal, plus one that may have started between reading the
    # count and the signal; none after
    assert done - before <= 2, (before, done)
    assert done < ACTIONS
    live = emulator.state["regions"]["us-east-1"]
    assert sum(len(destinations) for destinations in live.values()) == done
    lines = stdout.splitlines()
    assert sum(line.startswith("+ created event destination") for line in lines) == done
    assert sum(line.startswith("! skipped: ") for line in lines) == ACTIONS - done
    assert all(
        line.endswith(": not attempted: interrupted") for line in lines if line.startswith("!")
    )
    assert lines[-1] == (
        f"Interrupted: {done} of {ACTIONS} actions done, {ACTIONS - done} not attempted. "
        "Run apply again to finish."
    )


def test_a_second_signal_exits_without_waiting_for_the_write_in_flight(
    emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    declared = {"tx": {"d0": sns(0), "d1": sns(1)}}
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    specs = spec(tmp_path / "apply.yaml", declared)
    # the second write starts 2 s after the first
    process = start_apply(specs, emulator, env, "--max-rps", "0.5", "--concurrency", "1")
    wait_until(lambda: emulator.stats().calls.get(CREATE, 0) == 1, "the first write was done")
    emulator.reset_stats()
    emulator.set_faults(Faults(latency_ms=PATIENCE * 1000 * 2))  # the second write hangs
    wait_until(lambda: emulator.stats().max_in_flight >= 1, "the second write is in flight")
    process.send_signal(signal.SIGINT)  # waits for the write in flight...
    # ...until the second signal; sent again until it exits, since signals that arrive before
    # the handler ran are delivered once
    deadline = time.monotonic() + PATIENCE
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=PATIENCE)

    assert process.returncode == 130
    assert stderr == "driftcheck: interrupted again: exiting at once\n"
    assert "Traceback" not in stdout
    # the write in flight was still waiting for its answer: the process did not wait for it
    assert emulator.stats().calls.get(CREATE, 0) == 0


def test_a_signal_at_the_approval_question_writes_nothing(
    emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    specs = spec(tmp_path / "apply.yaml", {"tx": {"d0": sns(0)}})
    controller, terminal = pty.openpty()  # a terminal: apply asks for `yes` and waits
    try:
        process = subprocess.Popen(
            [*COMMAND, "apply", str(specs), "--endpoint-url", emulator.url],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=REPO,
        )
        assert process.stderr is not None
        asked = b""
        while not asked.endswith(b"Only 'yes' will be accepted: "):
            chunk = os.read(process.stderr.fileno(), 4096)
            assert chunk, asked  # the process ended without asking
            asked += chunk
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=PATIENCE)
    finally:
        os.close(controller)
        os.close(terminal)
    assert process.returncode == 130
    assert stderr == b"driftcheck: interrupted\n"
    assert b"driftcheck will perform 1 action:" in stdout
    assert emulator.stats().calls == {"GetConfigurationSetEventDestinations": 1}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_emulator_command_still_stops_cleanly(env: dict[str, str], signum: int) -> None:
    process = start("emulator", "--port", "0", env=env)
    assert process.stdout is not None
    assert process.stdout.readline().startswith("driftcheck emulator listening on http://")
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=PATIENCE)
    assert (process.returncode, stdout, stderr) == (0, "", "")
