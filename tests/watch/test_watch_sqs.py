"""``driftcheck watch --events sqs:URL`` against moto server's SQS, fed EventBridge-shaped
"AWS API Call via CloudTrail" events (the emulator's own CloudTrail record as the detail).

A message is deleted only after its sets were re-read and the alert delivered: a process
killed before that leaves it in the queue, and the next process handles it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftcheck.emulator import Emulator
from tests.test_cli_ci import REGION
from tests.watch.conftest import (
    MALLORY_ARN,
    SPECS,
    StartWatch,
    disable_bounce_alerts,
    wait_until,
)
from tests.webhooks import Reply, WebhookServer

pytestmark = pytest.mark.integration


def eventbridge_event(record: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge event that carries a CloudTrail record (its ``detail``)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ses",
        "account": record["recipientAccountId"],
        "time": record["eventTime"],
        "region": record["awsRegion"],
        "resources": [],
        "detail": record,
    }


def in_queue(sqs: Any, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def test_a_message_is_deleted_only_after_the_alert_was_delivered(
    watching: Emulator,
    env: dict[str, str],
    webhook: WebhookServer,
    tmp_path: Path,
    moto_server: str,
    start_watch: StartWatch,
) -> None:
    sqs = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        "sqs", region_name=REGION, endpoint_url=moto_server
    )
    queue_url = sqs.create_queue(
        QueueName=f"driftcheck-{uuid.uuid4().hex[:8]}", Attributes={"VisibilityTimeout": "1"}
    )["QueueUrl"]
    env = {**env, "AWS_ENDPOINT_URL_SQS": moto_server}
    args = [
        str(SPECS),
        "--endpoint-url",
        watching.url,
        "--events",
        f"sqs:{queue_url}",
        "--alert",
        f"webhook:{webhook.url}",
        "--alert-state",
        str(tmp_path / "state.json"),
    ]
    webhook.answer(Reply(500, b"down"))
    first = start_watch(*args, env=env)
    first.wait_for("full_check")

    disable_bounce_alerts(watching)
    [write] = [r for r in watching.trail_records() if not r["readOnly"]]
    message = json.dumps(eventbridge_event(write))
    sqs.send_message(QueueUrl=queue_url, MessageBody=message)
    sqs.send_message(QueueUrl=queue_url, MessageBody=message)  # SQS may deliver twice
    sqs.send_message(QueueUrl=queue_url, MessageBody="not an event")
    first.wait_for("alert_failed")
    first.kill()  # dies with the alert undelivered
    assert in_queue(sqs, queue_url) == 3  # nothing was deleted

    webhook.answer(Reply(200))
    failed_posts = len(webhook.requests)
    second = start_watch(*args, env=env)
    # the full check alerts the drift; the queued event re-reads its set, then goes
    wait_until(lambda: in_queue(sqs, queue_url) == 1, "the two event messages are deleted")
    events = second.events("write_event")
    assert {e["principal"] for e in events} == {MALLORY_ARN}
    assert {e["set"] for e in events} == {"transactional"}
    assert len({e["event_id"] for e in events}) == 1
    second.wait_for("alert", 2)  # the full check's, then the event's re-read (unchanged)
    assert second.stop() == 0
    [delivered] = webhook.requests[failed_posts:]  # once, though two processes saw the drift
    assert "transactional/bounce-alerts: misconfigured" in delivered.body.decode()
    # the unusable message stays for the queue's redrive policy (a dead-letter queue)
    assert in_queue(sqs, queue_url) == 1
    assert any("unusable queue message" in r["message"] for r in second.records)
