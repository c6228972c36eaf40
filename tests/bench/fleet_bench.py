"""``plan --accounts`` across a fleet, end to end: a real ``driftcheck plan`` process against an
emulator process, through STS AssumeRole and one SES bucket per (account, region).

(a) Rate-bound: 20 accounts x 3 regions x 20 sets, the emulator capping every (account,
    region) at 5 requests a second, driftcheck reading at ``--max-rps 5`` per target. Each
    target needs 20 calls, so its bound is 20 / 5 = 4 s; the targets are read at once, so the
    run's bound is the same 4 s, not 1,200 / 5 = 240 s (one bucket for everything). The run
    must assume each account's role exactly once.
(b) Size: 200 accounts x 2 regions x 5 sets of 5 destinations (2,000 sets, 10,000
    destinations), no latency, unpaced: wall and the plan process's peak RSS.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.bench.common import (
    Check,
    bench_env,
    emulator_process,
    emulator_stats,
    reset_stats,
    run_command,
    set_faults,
    timed,
)

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
ROLE = "arn:aws:iam::${account_id}:role/driftcheck-read"


def account_id(index: int) -> str:
    return f"{100000000000 + index:012d}"


def destination(account: str, region: str, set_index: int, dest_index: int) -> dict[str, Any]:
    return {
        "Enabled": True,
        "MatchingEventTypes": ["BOUNCE", "COMPLAINT"],
        "SnsDestination": {
            "TopicArn": f"arn:aws:sns:{region}:{account}:set-{set_index:03d}-{dest_index}"
        },
    }


def fleet_files(
    root: Path, accounts: int, regions: tuple[str, ...], sets: int, destinations: int
) -> tuple[Path, Path, Path]:
    """The emulator's state, the accounts file and one spec, all in sync."""
    state: dict[str, Any] = {"version": 1, "accounts": {}}
    lines = ["version: 1", "defaults:", f"  role: {ROLE}", f"  regions: [{', '.join(regions)}]"]
    lines.append("accounts:")
    for a in range(accounts):
        account = account_id(a)
        lines.append(f'  acct-{a:03d}: {{account_id: "{account}"}}')
        state["accounts"][account] = {
            "name": f"acct-{a:03d}",
            "regions": {
                region: {
                    f"set-{s:03d}": {
                        f"dest-{d}": destination(account, region, s, d) for d in range(destinations)
                    }
                    for s in range(sets)
                }
                for region in regions
            },
        }
    spec = ["version: 1", "configuration_sets:"]
    for s in range(sets):
        spec += [f"  set-{s:03d}:", "    event_destinations:"]
        for d in range(destinations):
            spec += [
                f"      dest-{d}:",
                "        Enabled: true",
                "        MatchingEventTypes: [BOUNCE, COMPLAINT]",
                "        SnsDestination:",
                f"          TopicArn: arn:aws:sns:${{region}}:${{account_id}}:set-{s:03d}-{d}",
            ]
    state_file, accounts_file, spec_file = (
        root / "state.json",
        root / "accounts.yaml",
        root / "fleet.yaml",
    )
    state_file.write_text(json.dumps(state))
    accounts_file.write_text("\n".join(lines) + "\n")
    spec_file.write_text("\n".join(spec) + "\n")
    return state_file, accounts_file, spec_file


def _plan_process(
    url: str, accounts_file: Path, spec: Path, args: tuple[str, ...]
) -> tuple[float, float, int, str]:
    """``driftcheck plan --accounts`` in a child process: (wall s, peak RSS MB, code, stdout)."""
    env = bench_env()
    env.update(AWS_ENDPOINT_URL_STS=url, AWS_ENDPOINT_URL_ORGANIZATIONS=url)
    command = [sys.executable, "-m", "driftcheck", "plan", str(spec), "--accounts"]
    command += [str(accounts_file), "--endpoint-url", url, *args]  # the text plan
    return run_command(command, env)


def run_fleet_plan(
    accounts: int,
    regions: tuple[str, ...],
    sets: int,
    destinations: int,
    args: tuple[str, ...] = (),
) -> tuple[float, float, int, dict[str, Any]]:
    """(wall s, peak RSS MB, exit code, emulator stats) of one ``plan --accounts`` process."""
    with tempfile.TemporaryDirectory() as tmp:
        state, accounts_file, spec = fleet_files(Path(tmp), accounts, regions, sets, destinations)
        with emulator_process(state) as url:
            wall, rss, code, _ = _plan_process(url, accounts_file, spec, args)
            stats = emulator_stats(url)
    return wall, rss, code, stats


def bench_fleet() -> list[Check]:
    checks = bench_rate_bound()
    checks += bench_size()
    return checks


def bench_rate_bound(
    accounts: int = 20, sets: int = 20, rps: float = 5.0, regions: tuple[str, ...] = REGIONS
) -> list[Check]:
    """In this process, step by step (the phases are timed apart), then as a CLI process."""
    from driftcheck.desired import load_specs
    from driftcheck.live import ClientSettings, read_live_state
    from driftcheck.live.sessions import connect_accounts
    from driftcheck.plan import plan
    from driftcheck.targets import load_accounts

    calls = sets * accounts * len(regions)
    with tempfile.TemporaryDirectory() as tmp:
        state, accounts_file, spec = fleet_files(Path(tmp), accounts, regions, sets, 1)
        with emulator_process(state) as url:
            set_faults(url, {"max_rps": rps})
            saved = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
            env = bench_env()
            env.update(AWS_ENDPOINT_URL_STS=url, AWS_ENDPOINT_URL_ORGANIZATIONS=url)
            os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
            try:
                settings = ClientSettings(endpoint_url=url)
                load_wall, desired = timed(
                    lambda: load_specs(
                        [spec], fleet=load_accounts(accounts_file).fleet(), require_region=True
                    )
                )
                keys = [s.key for s in desired.sets]
                connect_wall, sessions = timed(
                    lambda: connect_accounts(load_accounts(accounts_file).fleet(), settings)
                )
                assumed = emulator_stats(url)["by_api"].get("sts", {}).get("AssumeRole", 0)
                # the floor in this run: the same reads, neither capped nor paced (the CPU
                # of making 60 clients and 1,200 calls on this machine, at this moment)
                set_faults(url, {})
                floor, _ = timed(lambda: read_live_state(keys, settings, sessions=sessions))
                set_faults(url, {"max_rps": rps})  # and a fresh bucket per target
                reset_stats(url)
                read_wall, live = timed(
                    lambda: read_live_state(keys, settings, sessions=sessions, max_rps=rps)
                )
                result = plan(desired, live)
            finally:
                for name in env:
                    if name.startswith("AWS_"):
                        os.environ.pop(name, None)
                os.environ.update(saved)
            stats = emulator_stats(url)
            set_faults(url, {"max_rps": rps})  # a fresh bucket for the CLI run
            reset_stats(url)
            cli_wall, _, code, _ = _plan_process(
                url, accounts_file, spec, ("--max-rps", f"{rps:g}")
            )
    target_bound = sets / rps
    one_bucket = calls / rps
    throttled = sum(t.get("throttled", 0) for t in stats["by_target"].values())
    in_sync = not result.drift and not result.failed_sets and len(result.sets) == calls
    print(
        f"  (a) {accounts} accounts x {len(regions)} regions x {sets} sets, emulator cap "
        f"{rps:g} rps per (account, region), --max-rps {rps:g}"
    )
    print(
        f"    reading {calls:,} sets (clients made on the way): {read_wall:.2f} s; per-target "
        f"bound {sets} / {rps:g} = {target_bound:g} s (x{read_wall / target_bound:.2f}); "
        f"one-bucket bound {calls:,} / {rps:g} = {one_bucket:g} s (x{one_bucket / read_wall:.0f})"
    )
    print(
        f"    baseline in this run, the same reads unpaced and uncapped: {floor:.2f} s (the "
        f"paced read is x{read_wall / max(floor, target_bound):.2f} the larger of it and the bound)"
    )
    print(
        f"    before it: specs {load_wall:.2f} s, {assumed} AssumeRole calls for {accounts} "
        f"accounts {connect_wall:.2f} s; SES calls of the paced read {stats['total']:,}, "
        f"throttled {throttled}"
    )
    print(
        f"    the whole `driftcheck plan --accounts` process (start-up, imports, rendering "
        f"included): {cli_wall:.2f} s (x{cli_wall / target_bound:.2f} the bound)"
    )
    return [
        Check("fleet (a) read wall / per-target bound", read_wall / target_bound, 1.3, "x"),
        Check("fleet (a) AssumeRole calls", float(assumed), float(accounts), relation="=="),
        Check("fleet (a) plan in sync, every set read", float(in_sync), 1.0, relation="=="),
        Check("fleet (a) CLI exit code (0: in sync)", float(code), 0.0, relation="=="),
    ]


def bench_size(
    accounts: int = 200,
    sets: int = 5,
    destinations: int = 5,
    regions: tuple[str, ...] = REGIONS[:2],
) -> list[Check]:
    wall, rss, code, stats = run_fleet_plan(
        accounts, regions, sets, destinations, args=("--concurrency", "16")
    )
    total_sets = accounts * len(regions) * sets
    assumed = stats["by_api"].get("sts", {}).get("AssumeRole", 0)
    print(
        f"  (b) {accounts} accounts x {len(regions)} regions x {sets} sets x {destinations} "
        f"destinations = {total_sets:,} sets, {total_sets * destinations:,} destinations, "
        "no latency, unpaced, --concurrency 16"
    )
    print(f"    plan wall {wall:.2f} s, peak RSS {rss:.0f} MB, AssumeRole calls {assumed}")
    return [
        Check("fleet (b) wall", wall, 30.0, "s"),
        Check("fleet (b) peak RSS", rss, 300.0, "MB"),
        Check("fleet (b) AssumeRole calls", float(assumed), float(accounts), relation="=="),
        Check("fleet (b) exit code (0: in sync)", float(code), 0.0, relation="=="),
    ]
