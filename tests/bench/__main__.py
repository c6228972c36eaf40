"""``make bench``: every figure is printed with the baseline measured in the same run.

The machines are shared and noisy, so these are benchmarks, never unit tests: each prints
its figures, the ratio to its baseline and whether it met its target; the exit code is 1
when a target was missed.

    python -m tests.bench            # all
    python -m tests.bench diff scan  # some
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.bench.apply_bench import bench_apply
from tests.bench.common import (
    REPO,
    Check,
    bench_env,
    emulator_process,
    emulator_stats,
    live_state,
    median_times,
    reset_stats,
    run_command,
    spec_text,
    timed,
)
from tests.bench.fleet_bench import bench_fleet
from tests.bench.interrupt_bench import bench_interrupt
from tests.bench.watch_bench import bench_watch
from tests.cold_start import HEAVY


def bench_diff() -> list[Check]:
    """The diff engine alone: 100,000 pairs, 1% drifted (in a child, for its own peak RSS)."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.diff_engine"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    figures = json.loads(out.stdout)
    print(f"  diff engine: {figures['pairs']:,} pairs, {figures['drifted']:,} drifted")
    print(
        f"    plan(): {figures['seconds']:.2f} s = "
        f"{figures['pairs'] / figures['seconds']:,.0f} pairs/s"
    )
    print(
        f"    baseline, deepdiff on every pair (measured on {figures['sample']:,}, extrapolated): "
        f"{figures['naive_seconds']:.1f} s; "
        f"speed-up x{figures['naive_seconds'] / figures['seconds']:.1f}"
    )
    return [
        Check("diff engine wall", figures["seconds"], 3.0, "s"),
        Check("diff engine peak RSS", figures["peak_mb"], 300, "MB"),
    ]


def bench_scan(
    sets: int = 500, destinations: int = 4, latency_ms: float = 20, concurrency: int = 16
) -> list[Check]:
    """Latency-bound scan: 500 sets of 4 destinations, 20 ms added to every request.

    The ideal, calls x latency / concurrency, is the time of the reads alone, so the wall it
    is compared with is the reads' alone: the clients are made once (a boto3 session, which
    loads botocore's endpoint and service models, ~0.1-0.5 s on this machine: printed, not
    hidden) and warmed up (connections open), then every read runs on them. Until 2026-11-30
    the timed call was ``read_live_state``, which makes a new session and new clients each
    time: the warm-up warmed clients that the timed run never used, and the efficiency
    charged the parallel reads with a one-off setup that does not depend on concurrency.
    The whole run, setup included, is what the ``plan`` benchmark times.
    """
    from driftcheck.live import ClientSettings
    from driftcheck.live.clients import make_clients
    from driftcheck.live.reader import read_sets
    from driftcheck.model import Api, SetKey

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state.json"
        state.write_text(json.dumps(live_state(sets, destinations, drift=False)))
        keys = [SetKey(Api.PINPOINT_EMAIL, "us-east-1", f"set-{s:05d}") for s in range(sets)]
        with emulator_process(state, latency_ms) as url:
            os.environ.update({k: v for k, v in bench_env().items() if k.startswith("AWS_")})
            settings = ClientSettings(endpoint_url=url, concurrency=concurrency)
            setup, clients = timed(
                lambda: make_clients(((k.account, k.api, k.region) for k in keys), settings)
            )
            read_sets(keys[:concurrency], clients, concurrency)  # warm up: connections open
            reset_stats(url)
            serial_sample = 25
            serial_wall, _ = timed(lambda: read_sets(keys[:serial_sample], clients, 1))
            reset_stats(url)
            cpu_before = time.process_time()
            wall, live = timed(lambda: read_sets(keys, clients, concurrency))
            cpu = time.process_time() - cpu_before  # this process's CPU: botocore's, all threads
            calls = emulator_stats(url)["calls"].get("GetConfigurationSetEventDestinations", 0)
    serial_bound = sets * latency_ms / 1000
    ideal = serial_bound / concurrency
    measured_serial = serial_wall / serial_sample * sets
    print(
        f"  latency-bound scan: {sets} sets x {destinations} destinations, "
        f"+{latency_ms:g} ms a request"
    )
    print(f"    client setup, once per run (boto3 session and clients): {setup:.2f} s")
    print(f"    wall of the reads at --concurrency {concurrency}: {wall:.2f} s")
    print(
        f"    serial bound (calls x {latency_ms:g} ms): {serial_bound:.2f} s; "
        f"ideal at {concurrency}: {ideal:.3f} s"
    )
    print(
        f"    measured serial (from {serial_sample} calls at concurrency 1): "
        f"{measured_serial:.2f} s; speed-up x{measured_serial / wall:.1f}"
    )
    print(
        f"    parallel efficiency (ideal / wall): {ideal / wall:.2f}; "
        f"read calls: {calls} for {len(live)} sets"
    )
    # The client runs Python under one GIL: its CPU is a floor on the wall that no
    # concurrency lowers. When the two are close, the reads are CPU-bound, not latency-bound.
    print(
        f"    client CPU during the reads: {cpu:.2f} s = {cpu / sets * 1000:.2f} ms a call "
        f"({cpu / wall:.0%} of the wall; the ideal leaves "
        f"{ideal / sets * 1000:.2f} ms a call)"
    )
    return [
        Check("parallel efficiency at 16", ideal / wall, 0.6, relation=">="),
        Check("read calls per set", calls / sets, 1.0, "calls", "=="),
    ]


def bench_whole_plan(sets: int = 2000, destinations: int = 10) -> list[Check]:
    """`driftcheck plan` end to end: a 100,000-line spec, 1% drifted, no added latency."""
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "big.yaml"
        spec.write_text(spec_text(sets, destinations))
        line_count = spec.read_text().count("\n")
        state = Path(tmp) / "state.json"
        state.write_text(json.dumps(live_state(sets, destinations, drift=True)))
        compose_seconds, _ = timed(lambda: yaml.compose(spec.read_text(), Loader=yaml.CSafeLoader))
        with emulator_process(state) as url:
            args = [
                sys.executable,
                "-m",
                "driftcheck",
                "plan",
                str(spec),
                "--endpoint-url",
                url,
                "--format",
                "json",
                "--concurrency",
                "16",
            ]
            wall, rss, code, _ = run_command(args, env=bench_env())
            calls = emulator_stats(url)["calls"].get("GetConfigurationSetEventDestinations", 0)
    print(
        f"  whole plan: {sets} sets x {destinations} destinations, "
        f"{line_count:,}-line spec, 1% drifted"
    )
    print(f"    wall: {wall:.2f} s (exit {code}); peak RSS {rss:.0f} MB; {calls} read calls")
    print(
        f"    baseline, libyaml composing the spec alone: {compose_seconds:.2f} s; "
        f"ratio x{wall / compose_seconds:.1f}"
    )
    return [
        Check("whole plan wall", wall, 20.0, "s"),
        Check("whole plan peak RSS", rss, 300, "MB"),
        Check("whole plan exit code (2: drift)", float(code), 2.0, relation="=="),
        Check("read calls per set", calls / sets, 1.0, "calls", "=="),
    ]


@contextmanager
def plain_install() -> Iterator[Path]:
    """driftcheck as `pip install .` installs it, in a new venv; yields that venv's bin/.

    The issue measures the cold start "in a plain pip install .": the package copied into
    site-packages with its bytecode compiled by pip, and started by its console script. Not
    this checkout's editable install, whose import hook (setuptools' editable finder, loaded
    by a .pth at every start) and source tree are not what a user runs. The dependencies are
    this venv's (installed from constraints.txt: the newest the bounds allow), reached through
    a path line in a .pth file, which adds them to sys.path and nothing else.
    """
    with tempfile.TemporaryDirectory(prefix="driftcheck-bench-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        python = venv / "bin" / "python"
        site = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        (Path(site) / "bench_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
        pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
        installed = subprocess.run([*pip, str(REPO)], capture_output=True, text=True)
        if installed.returncode != 0:
            raise RuntimeError(f"pip install . failed:\n{installed.stderr[-2000:]}")
        yield venv / "bin"


def bench_cold_start(runs: int = 15) -> list[Check]:
    """`driftcheck --help` and `validate specs/`, against `python -c pass` in the same run,
    all in a plain `pip install .` (see :func:`plain_install`)."""
    env = bench_env()
    with plain_install() as bin_dir:
        python, driftcheck = str(bin_dir / "python"), str(bin_dir / "driftcheck")
        commands = {
            "python -c pass": [python, "-c", "pass"],
            "driftcheck --help": [driftcheck, "--help"],
            "driftcheck validate specs/": [driftcheck, "validate", "specs"],
        }
        times = {name: median_times(args, runs, env) for name, args in commands.items()}
        heavy: set[str] = set()
        for args in (["--help"], ["validate", "specs"]):
            out = subprocess.run(
                [python, "-X", "importtime", driftcheck, *args],
                capture_output=True,
                text=True,
                env=env,
                cwd=REPO,
                check=True,
            )
            for line in out.stderr.splitlines():
                package = line.split("|")[-1].strip().split(".")[0]
                if package in HEAVY:
                    heavy.add(package)
    baseline = times["python -c pass"][0]
    help_wall, validate_wall = times["driftcheck --help"][0], times["driftcheck validate specs/"][0]
    print(f"  cold start in a plain `pip install .`, median of {runs} runs (wall; CPU):")
    for name, (wall, cpu) in times.items():
        ratio = f" (x{wall / baseline:.1f} python -c pass)" if name.startswith("driftcheck") else ""
        print(f"    {name}: {wall * 1000:.0f} ms{ratio}; CPU {cpu * 1000:.0f} ms")
    print(
        f"    heavy packages imported by --help or validate (python -X importtime): "
        f"{', '.join(sorted(heavy)) or 'none'}"
    )
    return [
        Check("--help median", help_wall, 0.3, "s"),
        Check("validate median", validate_wall, 0.3, "s"),
        Check("heavy imports in --help and validate", float(len(heavy)), 0, relation="=="),
    ]


BENCHMARKS: dict[str, Callable[[], list[Check]]] = {
    "diff": bench_diff,
    "scan": bench_scan,
    "plan": bench_whole_plan,
    "cold": bench_cold_start,
    "apply": bench_apply,
    "interrupt": bench_interrupt,
    "fleet": bench_fleet,
    "watch": bench_watch,
}


def main(names: list[str]) -> int:
    checks: list[Check] = []
    for name in names or list(BENCHMARKS):
        print(f"[{name}]")
        results = BENCHMARKS[name]()
        for check in results:
            print(check)
        checks.extend(results)
    missed = [c for c in checks if not c.ok]
    print(
        f"\n{len(checks) - len(missed)} of {len(checks)} targets met"
        + (f"; missed: {', '.join(c.name for c in missed)}" if missed else "")
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
