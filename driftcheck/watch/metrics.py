"""``--metrics-port``: Prometheus metrics and ``/healthz`` over HTTP, with prometheus_client.

Metrics live in a registry of their own (not the process-wide default), exposed by
``prometheus_client.generate_latest`` on ``GET /metrics``. ``GET /healthz`` answers 200 while
the loop is healthy and 503 once :attr:`Metrics.healthy` is false (the last checks failed
past the threshold, :class:`driftcheck.watch.loop.WatchSettings`). The server binds
127.0.0.1 unless told otherwise (``--metrics-address 0.0.0.0`` in a container): the metrics
name configuration sets, which a network need not see.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)

from driftcheck.plan_model import DestinationPlan, Plan

# botocore's error codes for throttling (its standard retry mode's list, for these services)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)


class Metrics:
    """What the loop reports; thread-safe (prometheus_client's metrics are)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.registry = CollectorRegistry()
        self.healthy = True
        self._clock = clock
        self._last_check: dict[str, float] = {}
        self.drifted = Gauge(
            "driftcheck_drifted_destinations",
            "Drifted destinations (missing, extra, misconfigured; a missing set counts once).",
            ["account", "region", "set"],
            registry=self.registry,
        )
        self.since_check = Gauge(
            "driftcheck_seconds_since_last_check",
            "Seconds since the last successful check (kind: full or incremental).",
            ["kind"],
            registry=self.registry,
        )
        self.api_calls = Counter(
            "driftcheck_api_calls",
            "API requests sent (every attempt, retries included), by operation.",
            ["operation"],
            registry=self.registry,
        )
        self.throttles = Counter(
            "driftcheck_api_throttles",
            "API requests answered with throttling, by operation.",
            ["operation"],
            registry=self.registry,
        )
        self.alerts = Counter(
            "driftcheck_alert_deliveries",
            "Alerts delivered to every target, by kind (drift, error, resolved).",
            ["kind"],
            registry=self.registry,
        )
        self.alert_failures = Counter(
            "driftcheck_alert_failures",
            "Alert deliveries that failed (retried at the next check).",
            registry=self.registry,
        )
        self.events = Counter(
            "driftcheck_write_events",
            "CloudTrail write events received (duplicates excluded).",
            registry=self.registry,
        )
        self.failed_checks = Counter(
            "driftcheck_failed_checks",
            "Checks that failed (retried), by kind.",
            ["kind"],
            registry=self.registry,
        )
        for kind in ("full", "incremental"):
            self.since_check.labels(kind).set_function(self._since(kind))

    def _since(self, kind: str) -> Callable[[], float]:
        def seconds() -> float:
            last = self._last_check.get(kind)
            return self._clock() - last if last is not None else float("nan")

        return seconds

    def checked(self, kind: str) -> None:
        self._last_check[kind] = self._clock()
        if kind == "full":  # a full check is also the latest look at every set
            self._last_check["incremental"] = self._last_check[kind]

    def show_plan(self, plan: Plan) -> None:
        """The drifted-destinations gauge from ``plan`` (sets no longer drifted drop out)."""
        counts: dict[tuple[str, str, str], int] = {}
        rows: Iterable[DestinationPlan] = plan.changes
        for row in rows:
            label = (row.key.account, row.key.region, row.key.name)
            counts[label] = counts.get(label, 0) + 1
        for set_plan in plan.missing_sets:
            label = (set_plan.key.account, set_plan.key.region, set_plan.key.name)
            counts[label] = max(counts.get(label, 0), 1)
        self.drifted.clear()
        for label, count in sorted(counts.items()):
            self.drifted.labels(*label).set(count)

    def observe_client(self, client: Any) -> None:
        """Count every request ``client`` sends, and its throttling answers (botocore hook)."""
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"needs-retry.{service}", self._attempted)

    def _attempted(self, **kwargs: Any) -> None:
        operation = kwargs["operation"].name
        self.api_calls.labels(operation).inc()
        response = kwargs.get("response")
        if response is not None:
            http, parsed = response
            code = parsed.get("Error", {}).get("Code") if isinstance(parsed, dict) else None
            if code in THROTTLING_CODES or getattr(http, "status_code", 0) == 429:
                self.throttles.labels(operation).inc()


class MetricsServer:
    """``/metrics`` and ``/healthz`` on ``address:port`` in a daemon thread."""

    def __init__(self, metrics: Metrics, address: str, port: int) -> None:
        self._server = ThreadingHTTPServer((address, port), _handler(metrics))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _handler(metrics: Metrics) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.partition("?")[0]
            if path == "/metrics":
                self._answer(200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                ok = metrics.healthy
                self._answer(200 if ok else 503, b"ok\n" if ok else b"failing\n", "text/plain")
            else:
                self._answer(404, b"not found: try /metrics or /healthz\n", "text/plain")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # a scrape every 15 s is not an event worth a log line

    return Handler
