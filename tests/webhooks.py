"""A local webhook server on 127.0.0.1, for alert tests: it answers from a script of replies
(or hangs) and records every request it gets. The ``webhook`` fixture (tests/conftest.py)
starts one per test.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The parts of a webhook URL that are secret: they must never reach a log or a message.
SECRET_PATH = "/services/T0SECRET/B0SECRET/XyZsecretToken123"
SECRET_QUERY = "token=QueryToken456"
SECRETS = ("T0SECRET", "B0SECRET", "XyZsecretToken123", "QueryToken456")

HANG_LIMIT_SECONDS = 10.0  # a hanging handler gives up by itself after this


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False  # never answer (until the server stops)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookServer:
    """Answers each request with the next reply of ``script`` (the last one repeats)."""

    script: list[Reply] = field(default_factory=lambda: [Reply()])
    requests: list[Received] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The webhook URL, secrets included."""
        return f"http://127.0.0.1:{self.port}{SECRET_PATH}?{SECRET_QUERY}"

    def answer(self, *replies: Reply) -> None:
        self.script = list(replies)

    def next_reply(self, request: Received) -> Reply:
        with self._lock:
            self.requests.append(request)
            index = min(len(self.requests), len(self.script)) - 1
            return self.script[index]

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(server: WebhookServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received = Received(
                "POST",
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            reply = server.next_reply(received)
            if reply.hang:
                server.released.wait(HANG_LIMIT_SECONDS)
                return
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    return Handler
