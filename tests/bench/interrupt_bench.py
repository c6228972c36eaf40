"""Ctrl-C during a long plan: how soon ``driftcheck plan`` exits, and what it read after.

5,000 sets at +20 ms a request and --concurrency 8: reading them all takes 12.5 s at best
(the baseline: what main did before this, waiting for every queued read). SIGINT is sent
once 50 reads were answered; the figures are the time from the signal to the exit and the
reads the emulator answered after the signal (at most the ones in flight).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.common import REPO, Check, bench_env, emulator_process, emulator_stats

GET = "GetConfigurationSetEventDestinations"
# SIGINT handled as in a terminal's foreground job, even when make bench runs in the background
PLAN = (
    sys.executable,
    "-c",
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('driftcheck', run_name='__main__', alter_sys=True)",
    "plan",
)


def bench_interrupt(sets: int = 5000, latency_ms: float = 20, concurrency: int = 8) -> list[Check]:
    names = [f"s{i:05d}" for i in range(sets)]
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state.json"
        state.write_text(
            json.dumps({"version": 1, "regions": {"us-east-1": {name: {} for name in names}}})
        )
        spec = Path(tmp) / "many.yaml"
        spec.write_text(
            "version: 1\nregion: us-east-1\nconfiguration_sets:\n"
            + "".join(f"  {name}: {{event_destinations: {{}}}}\n" for name in names)
        )
        with emulator_process(state, latency_ms) as url:
            process = subprocess.Popen(
                [*PLAN, str(spec), "--endpoint-url", url, "--concurrency", str(concurrency)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=bench_env(),
                cwd=REPO,
            )
            while emulator_stats(url)["calls"].get(GET, 0) < 50:
                time.sleep(0.005)
            before = emulator_stats(url)["calls"].get(GET, 0)
            start = time.perf_counter()
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=120)
            wall = time.perf_counter() - start
            time.sleep(2 * latency_ms / 1000)  # the reads in flight are answered
            after = emulator_stats(url)["calls"].get(GET, 0) - before
    full_scan = sets * latency_ms / 1000 / concurrency
    print(f"  Ctrl-C during plan: {sets} sets, +{latency_ms:g} ms a request, --concurrency 8")
    print(
        f"    exit {process.returncode} {wall * 1000:.0f} ms after SIGINT "
        f"(baseline, reading every set: >= {full_scan:.1f} s; x{full_scan / wall:.0f} sooner)"
    )
    print(f"    reads answered after the signal: {after}; stdout {len(stdout)} chars")
    print(f"    stderr: {stderr.strip()!r}")
    return [
        Check("exit after SIGINT", wall, 1.0, "s"),
        Check("exit code after SIGINT", float(process.returncode), 130, relation="=="),
        Check("reads after SIGINT", float(after), 2 * concurrency, "calls"),
        Check("stdout after SIGINT (no report)", float(len(stdout)), 0, "chars", "=="),
    ]
