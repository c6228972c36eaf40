"""The diff engine alone, in its own process so that its peak RSS is its own.

Prints one JSON object: pairs, drifted, seconds for ``plan()``, the naive baseline (deepdiff
on every pair, measured on a sample and extrapolated) and the peak RSS.
"""

from __future__ import annotations

import json
import time

from deepdiff import DeepDiff

from driftcheck.model import (
    Api,
    DesiredDestination,
    DesiredSet,
    DesiredState,
    LiveSet,
    LiveState,
    SetKey,
    SetStatus,
    Source,
)
from driftcheck.normalise import normalise_definition
from driftcheck.plan import plan
from tests.bench.common import definition, is_drifted, peak_rss_mb

SETS, DESTINATIONS, SAMPLE = 10_000, 10, 2_000


def main() -> None:
    desired_sets, live_sets = [], {}
    source = Source("bench.yaml", 1)
    drifted = 0
    for s in range(SETS):
        key = SetKey(Api.PINPOINT_EMAIL, "us-east-1", f"set-{s:05d}")
        desired_sets.append(
            DesiredSet(
                key,
                tuple(
                    DesiredDestination(f"d{d}", normalise_definition(definition(s, d)), source)
                    for d in range(DESTINATIONS)
                ),
                source,
            )
        )
        live = {}
        for d in range(DESTINATIONS):
            drift = is_drifted(s, d, DESTINATIONS)
            drifted += drift
            live[f"d{d}"] = definition(s, d, drift)
        live_sets[key] = LiveSet(key, SetStatus.PRESENT, live)
    desired, live_state = DesiredState(tuple(desired_sets)), LiveState(live_sets)

    start = time.perf_counter()
    result = plan(desired, live_state)
    seconds = time.perf_counter() - start
    assert result.summary.misconfigured == drifted, result.summary

    start = time.perf_counter()
    for s in range(SAMPLE // DESTINATIONS):
        for d in range(DESTINATIONS):
            DeepDiff(definition(s, d), definition(s, d, is_drifted(s, d, DESTINATIONS)))
    naive = (time.perf_counter() - start) / SAMPLE * SETS * DESTINATIONS

    print(
        json.dumps(
            {
                "pairs": SETS * DESTINATIONS,
                "drifted": drifted,
                "seconds": seconds,
                "naive_seconds": naive,
                "sample": SAMPLE,
                "peak_mb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
