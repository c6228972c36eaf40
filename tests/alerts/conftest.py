"""Fixtures: a moto server for SNS/SQS, and no HTTP proxy, all on 127.0.0.1.

The moto server (``moto_server``, in tests/conftest.py) runs in a thread of the test process
(one per xdist worker), on an ephemeral port; each test starts from empty moto backends. The
webhook server and its ``webhook`` fixture are in tests/webhooks.py and tests/conftest.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.request import Request, urlopen

import boto3
import botocore.session
import pytest
from botocore.loaders import Loader, create_loader

from driftcheck.alerts import DeliverySettings

# Short timeouts and backoff so that failure tests take about a second, not 30.
FAST = DeliverySettings(webhook_timeout=0.3, attempts=3, backoff=0.01)


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
