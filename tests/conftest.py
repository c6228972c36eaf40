"""Shared fixtures: an isolated AWS environment, the emulator, and the CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from driftcheck.emulator import Emulator, start_emulator
from tests.webhooks import WebhookServer

# No wall-clock limit on property tests: hypothesis's default 200 ms deadline per example
# fails on a shared, loaded machine for reasons that have nothing to do with the code.
# Each test's own @settings (max_examples...) still applies on top of this profile.
settings.register_profile("driftcheck", deadline=None)
settings.load_profile("driftcheck")

REPO = Path(__file__).resolve().parent.parent

# Variables that would let the developer's own AWS setup leak into a test.
_AWS_VARIABLES = [name for name in os.environ if name.startswith("AWS_")]


def isolated_aws_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment with fake credentials and no access to real AWS configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        NO_COLOR="1",
    )
    env.pop("CI", None)
    env.update(extra)
    return env


@pytest.fixture
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Apply :func:`isolated_aws_env` to this process (for in-process boto3)."""
    env = isolated_aws_env(tmp_path)
    for name in _AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """An empty emulator on an ephemeral loopback port, stopped after the test."""
    with start_emulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on an ephemeral loopback port for the whole run: its endpoint URL."""
    from moto.server import ThreadedMotoServer  # only for the tests that use it

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


def run_cli(
    *args: str, env: Mapping[str, str], cwd: Path | None = None, timeout: float = 120
) -> Result:
    """Run ``python -m driftcheck ARGS`` in a real subprocess."""
    completed = subprocess.run(
        [sys.executable, "-m", "driftcheck", *args],
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=cwd or REPO,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    """A webhook server on an ephemeral loopback port that answers 200 until told otherwise."""
    server = WebhookServer()
    try:
        yield server
    finally:
        server.stop()
