"""SNS delivery through real boto3 to a moto server; an SQS subscriber reads it back."""

from __future__ import annotations

import json

import pytest

from driftcheck.alerts import AlertKind, DeliveryError, build_alert, deliver_alerts, parse_target
from tests.alerts.conftest import FAST, Moto
from tests.alerts.scenarios import PROD, STAGING, clean, drifted, in_account

pytestmark = pytest.mark.integration


def _send(moto: Moto, topic_arn: str, **kwargs: object) -> None:
    options: dict[str, object] = {"endpoint_url": moto.endpoint, **kwargs}
    deliver_alerts(
        drifted(),
        [parse_target(f"sns:{topic_arn}")],
        state_file=None,
        settings=FAST,
        **options,  # type: ignore[arg-type]
    )


def _filtered_queue(moto: Moto, topic_arn: str, name: str, policy: dict[str, list[str]]) -> str:
    """A queue subscribed to the topic with a filter policy; its URL."""
    sqs = moto.client("sqs")
    queue_url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    moto.client("sns").subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"FilterPolicy": json.dumps(policy)},
    )
    return queue_url


def test_publishes_subject_summary_and_filterable_attributes(moto: Moto) -> None:
    topic_arn, queue_url = moto.topic_with_queue("drift-alerts")
    _send(moto, topic_arn)
    [envelope] = moto.received(queue_url)
    alert = build_alert(drifted(), AlertKind.DRIFT)
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == topic_arn
    assert envelope["Subject"] == "driftcheck: 3 drifted event destinations in us-east-1"
    assert json.loads(envelope["Message"]) == alert.document
    assert envelope["MessageAttributes"] == {
        "kind": {"Type": "String", "Value": "drift"},
        "drift": {"Type": "String", "Value": "true"},
        "region": {"Type": "String", "Value": "us-east-1"},
        "regions": {"Type": "String.Array", "Value": '["us-east-1"]'},
        "missing": {"Type": "Number", "Value": "1"},
        "extra": {"Type": "Number", "Value": "1"},
        "misconfigured": {"Type": "Number", "Value": "1"},
        "errors": {"Type": "Number", "Value": "0"},
    }


def test_subscribers_can_filter_on_the_attributes(moto: Moto) -> None:
    topic_arn, all_queue = moto.topic_with_queue("drift-alerts")
    resolved_queue = _filtered_queue(moto, topic_arn, "resolved-only", {"kind": ["resolved"]})
    _send(moto, topic_arn)
    assert len(moto.received(all_queue)) == 1
    assert moto.received(resolved_queue) == []


def test_a_subscriber_can_filter_on_the_account(moto: Moto) -> None:
    topic_arn, all_queue = moto.topic_with_queue("drift-alerts")
    staging_queue = _filtered_queue(moto, topic_arn, "staging-only", {"accounts": [STAGING[0]]})
    for account in (PROD, STAGING):
        deliver_alerts(
            in_account(drifted(), account),
            [parse_target(f"sns:{topic_arn}")],
            state_file=None,
            settings=FAST,
            endpoint_url=moto.endpoint,
        )
    assert len(moto.received(all_queue)) == 2
    [envelope] = moto.received(staging_queue)
    assert envelope["MessageAttributes"]["accounts"] == {
        "Type": "String.Array",
        "Value": '["222222222222"]',
    }
    assert envelope["Subject"] == (
        "driftcheck: 3 drifted event destinations in staging (222222222222), us-east-1"
    )


def test_the_endpoint_comes_from_aws_endpoint_url_sns_and_the_region_from_the_arn(
    moto: Moto, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic_arn, queue_url = moto.topic_with_queue("eu-alerts", region="eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", moto.endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the ARN's region wins
    _send(moto, topic_arn, endpoint_url=None)
    [envelope] = moto.received(queue_url, region="eu-west-1")
    assert envelope["TopicArn"] == topic_arn


def test_a_fifo_topic_gets_a_group_and_a_deduplication_id(moto: Moto) -> None:
    topic_arn, queue_url = moto.topic_with_queue("drift-alerts.fifo")
    _send(moto, topic_arn)
    _send(moto, topic_arn)  # the same alert again within 5 minutes: deduplicated
    [envelope] = moto.received(queue_url)
    assert envelope["Subject"] == "driftcheck: 3 drifted event destinations in us-east-1"


def test_a_topic_that_does_not_exist(moto: Moto) -> None:
    arn = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    with pytest.raises(DeliveryError) as caught:
        _send(moto, arn)
    assert str(caught.value) == (
        "the drift alert could not be delivered to 1 of 1 target: "
        f"sns:{arn} (the topic does not exist)"
    )


def test_no_credentials(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> None:
    topic_arn, _ = moto.topic_with_queue("drift-alerts")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(DeliveryError, match=r"\(no AWS credentials were found\)$"):
        _send(moto, topic_arn)


def test_access_denied_on_publish(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> None:
    topic_arn, queue_url = moto.topic_with_queue("drift-alerts")
    iam = moto.client("iam")
    iam.create_user(UserName="no-publish")
    key = iam.create_access_key(UserName="no-publish")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    moto.set_auth(0)  # from now on moto checks IAM: this user has no policy
    with pytest.raises(DeliveryError) as caught:
        _send(moto, topic_arn)
    assert str(caught.value).endswith(
        "(access denied: the credentials may not sns:Publish to this topic)"
    )
    moto.set_auth(float("inf"))
    assert moto.received(queue_url) == []


def test_rejected_credentials(moto: Moto) -> None:
    topic_arn, _ = moto.topic_with_queue("drift-alerts")
    moto.set_auth(0)  # the fake "testing" key is unknown to moto's IAM
    with pytest.raises(DeliveryError, match=r"\(the AWS credentials were rejected \(\w+\)\)$"):
        _send(moto, topic_arn)


def test_an_unknown_profile(moto: Moto) -> None:
    topic_arn, _ = moto.topic_with_queue("drift-alerts")
    with pytest.raises(DeliveryError, match=r"the AWS profile 'nope' is not configured"):
        _send(moto, topic_arn, profile="nope")


def test_nothing_is_published_for_a_clean_plan(moto: Moto) -> None:
    topic_arn, queue_url = moto.topic_with_queue("drift-alerts")
    outcome = deliver_alerts(
        clean(), [parse_target(f"sns:{topic_arn}")], state_file=None, endpoint_url=moto.endpoint
    )
    assert outcome.sent is None and outcome.reason == "no alert: no drift"
    assert moto.received(queue_url) == []
