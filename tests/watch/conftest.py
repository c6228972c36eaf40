"""``driftcheck watch`` in a real subprocess against the emulator (CloudTrail included), with a
webhook on 127.0.0.1; its JSON log lines read as they come.

No test measures time: every wait fails only after a generous ``PATIENCE``
(:mod:`tests.test_signals`).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftcheck.emulator import Emulator, Identity, TrailSettings
from tests.conftest import REPO
from tests.test_cli_ci import REGION, SPECS, cli_env, in_sync_state
from tests.test_signals import PATIENCE, wait_until

MALLORY = Identity.iam_user("AKIAMALLORY000000001", "mallory")
MALLORY_ARN = "arn:aws:iam::123456789012:user/mallory"


class Watch:
    """A running ``driftcheck watch --log-format json``: its log lines, parsed, as they come."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "driftcheck", "watch", "--log-format", "json", *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def records(self) -> list[dict[str, Any]]:
        found = []
        for line in list(self.lines):
            try:
                found.append(json.loads(line))
            except ValueError:
                found.append({"event": "not-json", "message": line})
        return found

    def events(self, name: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("event") == name]

    def wait_for(self, name: str, count: int = 1) -> list[dict[str, Any]]:
        def enough() -> bool:
            if self.process.poll() is not None and len(self.events(name)) < count:
                pytest.fail(f"watch exited {self.process.returncode}:\n" + "\n".join(self.lines))
            return len(self.events(name)) >= count

        wait_until(enough, f"{count} {name} log line(s)")
        return self.events(name)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail("watch did not stop:\n" + "\n".join(self.lines))
        self._reader.join(timeout=PATIENCE)
        return code

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=PATIENCE)


@pytest.fixture
def watching(emulator: Emulator) -> Emulator:
    """The emulator holding exactly ``specs/``, CloudTrail delivering after 0.5 s, mallory's
    access key known."""
    emulator.reset(in_sync_state())
    emulator.set_trail_settings(TrailSettings(delivery_delay=0.5))
    emulator.identities.register(MALLORY)
    return emulator


@pytest.fixture
def env(tmp_path: Path, watching: Emulator) -> dict[str, str]:
    """The CLI's environment, every AWS client (SES, CloudTrail) pointed at the emulator."""
    return {**cli_env(tmp_path), "AWS_ENDPOINT_URL": watching.url}


StartWatch = Callable[..., Watch]


@pytest.fixture
def start_watch(env: dict[str, str]) -> Iterator[StartWatch]:
    """``start_watch(*args)``: a Watch in the test's environment (or ``env=``), killed at the
    test's end if still running."""
    started: list[Watch] = []

    def start(*args: str, env: dict[str, str] = env) -> Watch:
        watch = Watch(*args, env=env)
        started.append(watch)
        return watch

    yield start
    for watch in started:
        if watch.process.poll() is None:
            watch.kill()


def mallory_client(emulator: Emulator) -> Any:
    """A pinpoint-email client signed with mallory's key: the outside writer."""
    return boto3.Session(
        aws_access_key_id=MALLORY.access_key_id, aws_secret_access_key="mallory-secret"
    ).client("pinpoint-email", region_name=REGION, endpoint_url=emulator.url)


def disable_bounce_alerts(emulator: Emulator) -> None:
    """Mallory turns transactional/bounce-alerts off (everything else as specified)."""
    client = mallory_client(emulator)
    current = client.get_configuration_set_event_destinations(ConfigurationSetName="transactional")
    [destination] = [d for d in current["EventDestinations"] if d["Name"] == "bounce-alerts"]
    definition = {k: v for k, v in destination.items() if k != "Name"}
    client.update_configuration_set_event_destination(
        ConfigurationSetName="transactional",
        EventDestinationName="bounce-alerts",
        EventDestination={**definition, "Enabled": False},
    )


__all__ = ["MALLORY_ARN", "SPECS", "Watch", "disable_bounce_alerts", "wait_until"]
