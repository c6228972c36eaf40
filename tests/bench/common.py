"""Helpers shared by the benchmarks: workloads, an emulator process, timing and memory."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
REPO = Path(__file__).resolve().parents[2]
EVENT_TYPES = ["BOUNCE", "CLICK", "COMPLAINT", "DELIVERY", "OPEN", "REJECT", "SEND"]


@dataclass(frozen=True)
class Check:
    """One benchmark figure against its target (``relation`` is "<=", ">=" or "==")."""

    name: str
    value: float
    target: float
    unit: str = ""
    relation: str = "<="

    @property
    def ok(self) -> bool:
        if self.relation == ">=":
            return self.value >= self.target
        if self.relation == "==":
            return self.value == self.target
        return self.value <= self.target

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "MISSED"
        target = f"target {self.relation} {self.target:g}"
        return f"    {self.name}: {self.value:.3g} {self.unit} ({target}) {verdict}"


def definition(set_index: int, dest_index: int, drifted: bool = False) -> dict[str, Any]:
    """A destination of one of the four kinds, deterministic in its indexes."""
    kind = dest_index % 4
    types = sorted(EVENT_TYPES[: 2 + (set_index + dest_index) % 5])
    base: dict[str, Any] = {"Enabled": True, "MatchingEventTypes": types}
    if drifted:
        base["MatchingEventTypes"] = sorted({*types, "RENDERING_FAILURE"})
    if kind == 0:
        base["SnsDestination"] = {
            "TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:t-{set_index}-{dest_index}"
        }
    elif kind == 1:
        base["KinesisFirehoseDestination"] = {
            "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/firehose",
            "DeliveryStreamArn": (
                f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/s-{set_index}"
            ),
        }
    elif kind == 2:
        base["CloudWatchDestination"] = {
            "DimensionConfigurations": [
                {
                    "DimensionName": f"dim{i}",
                    "DimensionValueSource": "MESSAGE_TAG",
                    "DefaultDimensionValue": "none",
                }
                for i in range(3)
            ]
        }
    else:
        base["PinpointDestination"] = {
            "ApplicationArn": f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/a{set_index}"
        }
    return base


def is_drifted(set_index: int, dest_index: int, destinations: int) -> bool:
    """Exactly 1% of all destinations drift."""
    return (set_index * destinations + dest_index) % 100 == 7


def live_state(sets: int, destinations: int, drift: bool) -> dict[str, Any]:
    regions = {
        f"set-{s:05d}": {
            f"dest-{d:02d}": definition(s, d, drift and is_drifted(s, d, destinations))
            for d in range(destinations)
        }
        for s in range(sets)
    }
    return {"version": 1, "regions": {"us-east-1": regions}}


def spec_text(sets: int, destinations: int) -> str:
    """A version-1 spec that matches :func:`live_state` without drift, one line per field."""
    lines = ["version: 1", "region: us-east-1", "configuration_sets:"]
    for s in range(sets):
        lines += [f"  set-{s:05d}:", "    event_destinations:"]
        for d in range(destinations):
            body = definition(s, d)
            lines += [f"      dest-{d:02d}:", "        Enabled: true"]
            lines.append(f"        MatchingEventTypes: [{', '.join(body['MatchingEventTypes'])}]")
            for block, value in body.items():
                if block in ("Enabled", "MatchingEventTypes"):
                    continue
                lines.append(f"        {block}:")
                for member, member_value in value.items():
                    if isinstance(member_value, list):
                        lines.append(f"          {member}:")
                        for item in member_value:
                            first = True
                            for k, v in item.items():
                                lines.append(f"            {'- ' if first else '  '}{k}: {v}")
                                first = False
                    else:
                        lines.append(f"          {member}: {member_value}")
    return "\n".join(lines) + "\n"


@contextmanager
def emulator_process(state_file: Path, latency_ms: float = 0) -> Iterator[str]:
    """``driftcheck emulator`` in its own process (so it does not share our GIL); yields its URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "driftcheck",
            "emulator",
            "--port",
            "0",
            "--state",
            str(state_file),
            "--latency-ms",
            str(latency_ms),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        yield banner.split(" on ")[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=30)


def emulator_stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_emulator/stats", timeout=10) as response:
        stats: dict[str, Any] = json.load(response)
    return stats


def set_faults(url: str, faults: dict[str, Any]) -> None:
    """Replace the emulator's faults (this also refills its rate bucket)."""
    post_control(url, "faults", faults)


def post_control(url: str, endpoint: str, document: dict[str, Any]) -> None:
    """POST ``document`` to the emulator's ``/_emulator/ENDPOINT``."""
    request = urllib.request.Request(
        f"{url}/_emulator/{endpoint}",
        method="POST",
        data=json.dumps(document).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def reset_stats(url: str) -> None:
    with urllib.request.urlopen(
        urllib.request.Request(f"{url}/_emulator/stats/reset", method="POST", data=b""), timeout=10
    ):
        pass


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_command(
    args: Sequence[str], env: dict[str, str] | None = None
) -> tuple[float, float, int, str]:
    """Run a command; (wall seconds, child's peak RSS in MB, exit code, stdout)."""
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps([wall, rss, p.returncode, p.stdout[-2000:]]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=True,
    )
    wall, rss, code, stdout = json.loads(out.stdout)
    return wall, rss, code, stdout


def median_times(
    args: Sequence[str], runs: int, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Medians of ``runs`` runs of a command: (wall seconds, the child's CPU seconds).

    CPU time (user + system) is what the command itself costs; wall time adds whatever else
    the shared machine is doing, so both are printed.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(args, capture_output=True, env=env, cwd=REPO, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def bench_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_REGION="us-east-1",
        NO_COLOR="1",
    )
    return env
