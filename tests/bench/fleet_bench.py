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
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.bench.common import (
    Check,
    bench_env,
    emulator_process,
    emulator_stats,
    run_command,
    set_faults,
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


def run_fleet_plan(
    accounts: int,
    regions: tuple[str, ...],
    sets: int,
    destinations: int,
    *,
    cap: float | None,
    args: tuple[str, ...] = (),
) -> tuple[float, float, int, dict[str, Any]]:
    """(wall s, peak RSS MB, exit code, emulator stats) of one ``plan --accounts`` run."""
    with tempfile.TemporaryDirectory() as tmp:
        state, accounts_file, spec = fleet_files(Path(tmp), accounts, regions, sets, destinations)
        with emulator_process(state) as url:
            if cap is not None:
                set_faults(url, {"max_rps": cap})
            env = bench_env()
            env.update(AWS_ENDPOINT_URL_STS=url, AWS_ENDPOINT_URL_ORGANIZATIONS=url)
            wall, rss, code, _ = run_command(
                [
                    sys.executable,
                    "-m",
                    "driftcheck",
                    "plan",
                    str(spec),
                    "--accounts",
                    str(accounts_file),
                    "--endpoint-url",
                    url,
                    "--format",
                    "json",
                    *args,
                ],
                env,
            )
            stats = emulator_stats(url)
    return wall, rss, code, stats


def bench_fleet() -> list[Check]:
    checks = bench_rate_bound()
    checks += bench_size()
    return checks


def bench_rate_bound(
    accounts: int = 20, sets: int = 20, rps: float = 5.0, regions: tuple[str, ...] = REGIONS
) -> list[Check]:
    wall, _, code, stats = run_fleet_plan(
        accounts, regions, sets, 1, cap=rps, args=("--max-rps", f"{rps:g}")
    )
    calls = sets * accounts * len(regions)
    target_bound = sets / rps
    one_bucket = calls / rps
    assumed = stats["by_api"].get("sts", {}).get("AssumeRole", 0)
    throttled = sum(t.get("throttled", 0) for t in stats["by_target"].values())
    print(
        f"  (a) {accounts} accounts x {len(regions)} regions x {sets} sets, emulator cap "
        f"{rps:g} rps per (account, region), --max-rps {rps:g}"
    )
    print(
        f"    plan wall (process start to exit): {wall:.2f} s; per-target bound {sets} / "
        f"{rps:g} = {target_bound:g} s (x{wall / target_bound:.2f}); one-bucket bound "
        f"{calls:,} / {rps:g} = {one_bucket:g} s (x{one_bucket / wall:.0f} faster)"
    )
    print(
        f"    AssumeRole calls: {assumed} for {accounts} accounts; SES calls "
        f"{stats['total'] - assumed:,}, throttled {throttled}"
    )
    return [
        Check("fleet (a) wall / per-target bound", wall / target_bound, 1.3, "x"),
        Check("fleet (a) AssumeRole calls", float(assumed), float(accounts), relation="=="),
        Check("fleet (a) exit code (0: in sync)", float(code), 0.0, relation="=="),
    ]


def bench_size(
    accounts: int = 200,
    sets: int = 5,
    destinations: int = 5,
    regions: tuple[str, ...] = REGIONS[:2],
) -> list[Check]:
    wall, rss, code, stats = run_fleet_plan(
        accounts, regions, sets, destinations, cap=None, args=("--concurrency", "16")
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
