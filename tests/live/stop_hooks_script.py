"""Run by tests/live/test_stopping.py under this venv's and the oldest allowed botocore.

``python stop_hooks_script.py URL``: the emulator at URL holds set ``tx`` (answering 500,
+300 ms) and nothing else. Prints a JSON report of what the stop flag did to three calls.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from urllib.request import urlopen

import botocore

from driftcheck.errors import Interrupted
from driftcheck.interrupt import StopFlag
from driftcheck.live.clients import ClientSettings, make_clients
from driftcheck.live.reader import read_set
from driftcheck.live.writer import Writer
from driftcheck.model import Api, SetKey

URL = sys.argv[1]
PAIR = (Api.PINPOINT_EMAIL, "us-east-1")
TX = SetKey(*PAIR, "tx")


def in_flight_ever() -> int:
    with urlopen(f"{URL}/_emulator/stats", timeout=10) as answer:
        return int(json.load(answer)["max_in_flight"])


def attempted(call: Callable[[], object]) -> bool | None:
    """Interrupted's ``attempted``, or None when the call was not interrupted."""
    try:
        call()
    except Interrupted as stopped:
        return stopped.attempted
    return None


def read(stop: StopFlag) -> None:
    settings = ClientSettings(endpoint_url=URL, stop=stop, max_attempts=5)
    read_set(make_clients([("", *PAIR)], settings)[("", *PAIR)], TX)


def stop_once_in_flight(stop: StopFlag) -> None:
    deadline = time.monotonic() + 30
    while in_flight_ever() < 1 and time.monotonic() < deadline:
        time.sleep(0.002)
    stop.set()


report: dict[str, object] = {"botocore": botocore.__version__}
already = StopFlag()
already.set()
report["stopped before the call"] = attempted(lambda: read(already))

during = StopFlag()
threading.Thread(target=stop_once_in_flight, args=(during,)).start()
report["stopped during a failing attempt"] = attempted(lambda: read(during))

waiting = StopFlag()
writer = Writer.connect(
    [("", *PAIR)], ClientSettings(endpoint_url=URL, stop=waiting), max_rps=0.001
)
writer.create_set(SetKey(*PAIR, "a"))  # the first turn is free; the next one is 1000 s away
threading.Timer(0.2, waiting.set).start()
report["stopped while waiting for --max-rps"] = attempted(
    lambda: writer.create_set(SetKey(*PAIR, "b"))
)
print(json.dumps(report))
