"""Fixtures: a moto server for SNS/SQS and local webhook servers, all on 127.0.0.1.

The moto server (``moto_server``, in tests/conftest.py) runs in a thread of the test process
(one per xdist worker), on an ephemeral port; each test starts from empty moto backends. A
webhook server answers from a script of responses (or hangs) and records every request it gets.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.request import Request, urlopen

import boto3
import botocore.session
import pytest
from botocore.loaders import Loader, create_loader

from driftcheck.alerts import DeliverySettings

# The parts of a webhook URL that are secret: they must never reach a log or a message.
SECRET_PATH = "/services/T0SECRET/B0SECRET/XyZsecretToken123"
SECRET_QUERY = "token=QueryToken456"
SECRETS = ("T0SECRET", "B0SECRET", "XyZsecretToken123", "QueryToken456")

# Short timeouts and backoff so that failure tests take about a second, not 30.
FAST = DeliverySettings(webhook_timeout=0.3, attempts=3, backoff=0.01)
HANG_LIMIT_SECONDS = 10.0  # a hanging handler gives up by itself after this


# --- moto ----------------------------------------------------------------------------------


@dataclass
class Moto:
    endpoint: str
    session: boto3.Session  # fake credentials, no developer configuration
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def client(self, service: str, region: str = "us-east-1") -> Any:
        """A boto3 client of the moto server (made once per service and region)."""
        if (service, region) not in self._clients:
            self._clients[(service, region)] = self.session.client(
                service, region_name=region, endpoint_url=self.endpoint
            )
        return self._clients[(service, region)]

    def topic_with_queue(self, name: str, region: str = "us-east-1") -> tuple[str, str]:
        """A topic with an SQS queue subscribed (raw delivery off: the queue receives SNS's
        JSON envelope, which carries Subject and MessageAttributes)."""
        fifo = name.endswith(".fifo")
        attributes = {"FifoTopic": "true"} if fifo else {}
        topic_arn = self.client("sns", region).create_topic(Name=name, Attributes=attributes)[
            "TopicArn"
        ]
        sqs = self.client("sqs", region)
        queue_attributes = {"FifoQueue": "true"} if fifo else {}
        queue_url = sqs.create_queue(QueueName=name, Attributes=queue_attributes)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.client("sns", region).subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "false"},
        )
        return topic_arn, queue_url

    def received(self, queue_url: str, region: str = "us-east-1") -> list[dict[str, Any]]:
        """The SNS envelopes waiting in the queue (removed from it)."""
        sqs = self.client("sqs", region)
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in messages]

    def set_auth(self, free_requests: float) -> None:
        """Let ``free_requests`` more requests through unauthenticated, then check IAM
        (``float("inf")``: never check, moto's default)."""
        self._post("/moto-api/reset-auth", str(free_requests).encode())

    def reset(self) -> None:
        self._post("/moto-api/reset", b"")

    def _post(self, path: str, data: bytes) -> None:
        headers = {"Content-Type": "text/plain"}  # a form body would hide the data from moto
        with urlopen(Request(self.endpoint + path, data, headers, method="POST"), timeout=10):
            pass


@pytest.fixture(scope="session")
def model_loader() -> Loader:
    """One botocore data loader for the run: it caches the parsed service models."""
    return create_loader()


@pytest.fixture
def moto(moto_server: str, aws_env: dict[str, str], model_loader: Loader) -> Iterator[Moto]:
    """The moto server, emptied, with fake credentials in the environment."""
    core = botocore.session.Session()
    core.register_component("data_loader", model_loader)
    helper = Moto(moto_server, boto3.Session(botocore_session=core))
    helper.reset()
    try:
        yield helper
    finally:
        helper.set_auth(float("inf"))


# --- webhooks ------------------------------------------------------------------------------


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


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    """A webhook server on an ephemeral loopback port that answers 200 until told otherwise."""
    server = WebhookServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HTTP proxy from the environment: webhook requests go straight to 127.0.0.1."""
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
