"""Apply against an emulator process: 200 missing destinations at ``max_rps`` 20.

The writes are rate-bound by design (SES allows about one request a second for these calls),
so the figure that matters is the wall time against the rate bound, writes / rps. The
emulator caps requests at the same rate (as SES does), so a client-side limiter that let a
burst through would be throttled and show up in the counts.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from tests.bench.common import (
    Check,
    bench_env,
    definition,
    emulator_process,
    emulator_stats,
    reset_stats,
    set_faults,
    timed,
)

WRITES = (
    "CreateConfigurationSet",
    "CreateConfigurationSetEventDestination",
    "UpdateConfigurationSetEventDestination",
    "DeleteConfigurationSetEventDestination",
)


def bench_apply(sets: int = 20, destinations: int = 10, max_rps: float = 20.0) -> list[Check]:
    """Create ``sets * destinations`` missing destinations (their sets exist, empty)."""
    from driftcheck.apply import Outcome, apply_plan
    from driftcheck.live import ClientSettings, read_live_state
    from driftcheck.model import Api, DesiredDestination, DesiredSet, DesiredState, SetKey, Source
    from driftcheck.normalise import normalise_definition
    from driftcheck.plan import plan

    source = Source("bench.yaml", 1)
    desired = DesiredState(
        tuple(
            DesiredSet(
                SetKey(Api.PINPOINT_EMAIL, "us-east-1", f"set-{s:05d}"),
                tuple(
                    DesiredDestination(
                        f"dest-{d:02d}", normalise_definition(definition(s, d)), source
                    )
                    for d in range(destinations)
                ),
                source,
            )
            for s in range(sets)
        )
    )
    writes = sets * destinations
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state.json"
        regions = {"us-east-1": {f"set-{s:05d}": {} for s in range(sets)}}
        state.write_text(json.dumps({"version": 1, "regions": regions}))
        with emulator_process(state) as url:
            os.environ.update({k: v for k, v in bench_env().items() if k.startswith("AWS_")})
            settings = ClientSettings(endpoint_url=url, concurrency=8)
            planned = plan(desired, read_live_state([s.key for s in desired.sets], settings))
            set_faults(url, {"max_rps": max_rps})  # SES's own cap, with a full bucket
            reset_stats(url)
            wall, results = timed(lambda: apply_plan(planned, settings, max_rps=max_rps))
            stats = emulator_stats(url)
    sent = sum(stats["calls"].get(op, 0) for op in WRITES)
    throttled = sum(stats["throttled"].values())
    failed = sum(1 for r in results if r.outcome is not Outcome.OK)
    bound = writes / max_rps
    print(f"  apply: {writes} missing destinations in {sets} sets at --max-rps {max_rps:g}")
    print(
        f"    wall {wall:.2f} s; rate bound (writes / rps) {bound:.2f} s; ratio {wall / bound:.3f}"
    )
    print(
        f"    write calls {sent} for {writes} destinations; throttled by the emulator's "
        f"{max_rps:g} rps cap: {throttled}; failed actions: {failed}"
    )
    return [
        Check("apply wall / rate bound", wall / bound, 1.15),
        Check("apply write calls per destination", sent / writes, 1.0, "calls", "=="),
        Check("apply failed actions", float(failed), 0, relation="=="),
    ]
