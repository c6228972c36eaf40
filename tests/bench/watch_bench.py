"""``driftcheck watch`` against an emulator process: 2,000 sets, 20 requests/s, CloudTrail
delivering 2 s late, ``--interval 5``.

After the initial full scan, an outside writer changes one destination; the figure is the
time from that write to the webhook's alert, against the time a full scan takes (measured
here, and 2,000 / 20 = 100 s at this cap) and against 2,000 s at SES's documented 1 request
a second. The reads it took are counted by the emulator: only the written set's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3

from tests.bench.common import (
    REPO,
    Check,
    bench_env,
    definition,
    emulator_process,
    emulator_stats,
    live_state,
    post_control,
    reset_stats,
    set_faults,
    spec_text,
)
from tests.webhooks import WebhookServer

SES_DOCUMENTED_RPS = 1.0
GET = "GetConfigurationSetEventDestinations"


def bench_watch(
    sets: int = 2000,
    destinations: int = 2,
    max_rps: float = 20.0,
    delivery_delay: float = 2.0,
    interval: float = 5.0,
) -> list[Check]:
    hook = WebhookServer()
    with tempfile.TemporaryDirectory() as tmp:
        state, spec = Path(tmp) / "state.json", Path(tmp) / "specs.yaml"
        state.write_text(json.dumps(live_state(sets, destinations, drift=False)))
        spec.write_text(spec_text(sets, destinations))
        with emulator_process(state) as url:
            set_faults(url, {"max_rps": max_rps})
            post_control(url, "trail/settings", {"delivery_delay": delivery_delay})
            env = {**bench_env(), "AWS_ENDPOINT_URL": url}
            watch = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "driftcheck",
                    "watch",
                    str(spec),
                    "--endpoint-url",
                    url,
                    "--interval",
                    f"{interval:g}s",
                    "--alert",
                    f"webhook:{hook.url}",
                    "--log-format",
                    "json",
                ],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            lines: list[dict[str, Any]] = []
            full_done = threading.Event()

            def read() -> None:
                assert watch.stderr is not None
                for line in watch.stderr:
                    record = json.loads(line)
                    lines.append(record)
                    if record.get("event") == "full_check":
                        full_done.set()

            threading.Thread(target=read, daemon=True).start()
            try:
                if not full_done.wait(timeout=1200):
                    raise RuntimeError("the initial full scan did not finish")
                [full] = [r for r in lines if r.get("event") == "full_check"]
                full_seconds = float(full["seconds"])
                time.sleep(1.0)  # let the first poll start: the write lands mid-cycle
                reset_stats(url)
                client = boto3.Session(
                    aws_access_key_id="AKIAOUTSIDEWRITER001", aws_secret_access_key="x"
                ).client("pinpoint-email", region_name="us-east-1", endpoint_url=url)
                changed = {**definition(1000, 1), "Enabled": False}
                written = time.monotonic()
                client.update_configuration_set_event_destination(
                    ConfigurationSetName="set-01000",
                    EventDestinationName="dest-01",
                    EventDestination=changed,
                )
                while not hook.requests:
                    if time.monotonic() - written > 120 or watch.poll() is not None:
                        raise RuntimeError("no alert within 120 s")
                    time.sleep(0.02)
                latency = time.monotonic() - written
                reads = int(emulator_stats(url)["calls"].get(GET, 0))
            finally:
                watch.terminate()
                watch.wait(timeout=60)
                hook.stop()
    print(f"  {sets:,} sets of {destinations} destinations, {max_rps:g} requests/s cap")
    print(f"    initial full scan: {full_seconds:.1f} s (the cap's bound: {sets / max_rps:.0f} s)")
    print(
        f"    outside change alerted after {latency:.1f} s (--interval {interval:g}, "
        f"CloudTrail delivery delay {delivery_delay:g} s), with {reads} event-destination read(s)"
    )
    print(
        f"    vs a full scan: x{full_seconds / latency:.1f} sooner than this run's scan, "
        f"x{sets / max_rps / latency:.1f} than {sets / max_rps:.0f} s at {max_rps:g} rps, "
        f"x{sets / SES_DOCUMENTED_RPS / latency:.0f} than {sets / SES_DOCUMENTED_RPS:,.0f} s "
        f"at SES's documented {SES_DOCUMENTED_RPS:g} rps"
    )
    return [
        Check("watch: change to alert", latency, 15.0, "s"),
        Check("watch: event-destination reads for the change", float(reads), 5),
    ]
