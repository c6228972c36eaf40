"""Clients made with a stop flag: real boto3 over HTTP against the emulator.

Once the flag is set, no request leaves: not a first attempt, not botocore's retry, not a
write waiting for its ``--max-rps`` turn. The emulator counts what it received.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import botocore
import pytest
from packaging.version import Version

from driftcheck.emulator import Emulator, Faults
from driftcheck.errors import Interrupted
from driftcheck.interrupt import StopFlag
from driftcheck.live.clients import ClientSettings, make_clients
from driftcheck.live.lister import list_configuration_sets
from driftcheck.live.reader import read_live_state, read_set
from driftcheck.live.writer import Writer
from driftcheck.model import Api, SetKey, SetStatus
from tests.conftest import REPO

pytestmark = pytest.mark.usefixtures("aws_env")

GET = "GetConfigurationSetEventDestinations"
TX = SetKey(Api.PINPOINT_EMAIL, "us-east-1", "tx")
PATIENCE = 30.0


def client(emulator: Emulator, stop: StopFlag, **settings: Any) -> Any:
    config = ClientSettings(endpoint_url=emulator.url, stop=stop, **settings)
    return make_clients([("", TX.api, TX.region)], config)[("", TX.api, TX.region)]


@contextmanager
def stop_once_in_flight(emulator: Emulator, stop: StopFlag) -> Iterator[None]:
    """Set ``stop`` from another thread as soon as the emulator is handling a request."""
    emulator.set_faults(Faults(**{**emulator.faults.to_json(), "latency_ms": 300}))

    def watch() -> None:
        while emulator.stats().max_in_flight < 1:
            if stop.wait(0.002):
                return
        stop.set()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join(PATIENCE)


def test_a_stopped_client_sends_nothing(emulator: Emulator) -> None:
    stop = StopFlag()
    stop.set()
    api = client(emulator, stop)
    with pytest.raises(Interrupted) as raised:
        read_set(api, TX)
    assert not raised.value.attempted
    with pytest.raises(Interrupted):
        list_configuration_sets(api, TX.api)
    assert emulator.stats().total == 0


def test_a_failed_attempt_is_not_retried_once_stopped(emulator: Emulator) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    emulator.set_faults(Faults(fail_sets=frozenset({"tx"})))  # 500: botocore retries it
    stop = StopFlag()
    api = client(emulator, stop, max_attempts=5)
    with stop_once_in_flight(emulator, stop), pytest.raises(Interrupted) as raised:
        read_set(api, TX)
    assert raised.value.attempted
    assert emulator.stats().failed == {GET: 1}  # five attempts without the flag


def test_a_final_answer_is_kept_when_stopped_during_the_call(emulator: Emulator) -> None:
    stop = StopFlag()
    api = client(emulator, stop)
    with stop_once_in_flight(emulator, stop):
        live = read_set(api, TX)  # NotFound: not retryable, the call is over anyway
    assert live.status is SetStatus.MISSING
    assert emulator.stats().calls == {GET: 1}


def test_without_a_stop_flag_botocore_still_retries(emulator: Emulator) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    emulator.set_faults(Faults(fail_sets=frozenset({"tx"})))
    config = ClientSettings(endpoint_url=emulator.url, max_attempts=3)
    api = make_clients([("", TX.api, TX.region)], config)[("", TX.api, TX.region)]
    assert read_set(api, TX).status is SetStatus.ERROR
    assert emulator.stats().failed == {GET: 3}


def test_a_write_waiting_for_its_turn_is_not_sent(emulator: Emulator) -> None:
    stop = StopFlag()
    settings = ClientSettings(endpoint_url=emulator.url, stop=stop)
    writer = Writer.connect([("", TX.api, TX.region)], settings, max_rps=0.001)  # 1000 s apart
    assert writer.create_set(TX) is None  # the first turn is free
    setter = threading.Timer(0.1, stop.set)
    setter.start()
    try:
        with pytest.raises(Interrupted) as raised:  # without the flag: 1000 s of sleep
            writer.create_set(SetKey(TX.api, TX.region, "other"))
    finally:
        setter.join(PATIENCE)
    assert not raised.value.attempted
    assert emulator.stats().calls == {"CreateConfigurationSet": 1}
    assert set(emulator.state["regions"]["us-east-1"]) == {"tx"}


def test_reading_stops_at_the_first_answer_after_the_flag(emulator: Emulator) -> None:
    names = [f"s{i}" for i in range(20)]
    emulator.reset({"version": 1, "regions": {"us-east-1": {n: {} for n in names}}})
    emulator.set_faults(Faults(latency_ms=50))
    stop = StopFlag()
    settings = ClientSettings(endpoint_url=emulator.url, stop=stop, concurrency=2)
    keys = [SetKey(Api.PINPOINT_EMAIL, "us-east-1", n) for n in names]
    answered_before_the_flag: list[int] = []

    def stop_after_the_first_answer() -> None:
        # the emulator counts a call once answered: those answered when the flag is set
        if not stop.is_set():
            answered_before_the_flag.append(emulator.stats().total)
        stop.set()

    with pytest.raises(Interrupted):
        read_live_state(keys, settings, on_read=stop_after_the_first_answer)
    # the reads in flight were not waited for: wait for their threads here, then count
    deadline = time.monotonic() + PATIENCE
    while any(t.name.startswith("read_") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the reads in flight never ended"
        time.sleep(0.01)
    # the answers before the flag and, at most, one read in flight on each worker; none of
    # the queued. (The flag is set on the calling thread when it sees the first answer: a
    # busy machine may let a worker finish one more read before that, never start one after.)
    [answered] = answered_before_the_flag
    assert 1 <= answered <= emulator.stats().total <= answered + settings.concurrency
    assert emulator.stats().total < len(keys)


# --- every supported botocore ------------------------------------------------------------

SCRIPT = Path(__file__).with_name("stop_hooks_script.py")


def run_script(python: str, emulator: Emulator) -> dict[str, Any]:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    emulator.set_faults(Faults(latency_ms=300, fail_sets=frozenset({"tx"})))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [python, str(SCRIPT), emulator.url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert report.pop("stopped before the call") is False  # refused before it was sent
    assert report.pop("stopped during a failing attempt") is True  # its retry was cut
    assert report.pop("stopped while waiting for --max-rps") is False
    # one failed attempt of the read (not five), one create (the one waiting was not sent)
    stats = emulator.stats()
    assert stats.failed == {GET: 1}
    assert stats.calls == {GET: 1, "CreateConfigurationSet": 1}
    return report


def test_the_hooks_with_this_botocore(emulator: Emulator) -> None:
    assert run_script(sys.executable, emulator) == {"botocore": botocore.__version__}


def test_the_hooks_with_the_oldest_botocore_that_pyproject_allows(emulator: Emulator) -> None:
    python = os.environ.get("DRIFTCHECK_OLDEST_PYTHON")
    if not python:
        pytest.skip("`make test` runs it: it needs .venv-oldest (`make venv-oldest`)")
    report = run_script(python, emulator)
    assert Version(report["botocore"]) < Version(botocore.__version__)
