"""The CloudFormation template shipped for ``--events sqs:``: parsed safely (CloudFormation's
short-form tags become plain data), its rule checked against the events driftcheck tracks."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml

from driftcheck.events.records import EVENT_SOURCE, EVENTBRIDGE_DETAIL_TYPE, WRITE_EVENT_NAMES

TAGS = ("Ref", "GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals", "Not")


class CloudFormationLoader(yaml.SafeLoader):
    """A safe loader that turns ``!Ref x`` into ``{"Ref": "x"}`` and so on."""


def _tag(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {"Ref": value} if name == "Ref" else {f"Fn::{name}": value}

    return construct


for _name in TAGS:
    CloudFormationLoader.add_constructor(f"!{_name}", _tag(_name))


def template() -> dict[str, Any]:
    text = files("driftcheck.watch").joinpath("eventbridge-sqs.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.load(text, Loader=CloudFormationLoader)
    return document


def test_the_rule_matches_exactly_the_write_events_driftcheck_tracks() -> None:
    rule = template()["Resources"]["WriteEventsRule"]
    assert rule["Type"] == "AWS::Events::Rule"
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.ses"]
    assert pattern["detail-type"] == [EVENTBRIDGE_DETAIL_TYPE]
    assert pattern["detail"]["eventSource"] == [EVENT_SOURCE]
    assert sorted(pattern["detail"]["eventName"]) == sorted(WRITE_EVENT_NAMES)
    assert rule["Properties"]["Targets"] == [
        {"Id": "driftcheck-queue", "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}
    ]


def test_only_the_rule_may_send_to_the_queue() -> None:
    policy = template()["Resources"]["QueuePolicy"]["Properties"]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["WriteEventsRule", "Arn"]}}
    }
    assert policy["Queues"] == [{"Ref": "Queue"}]


def test_the_watcher_policy_reads_and_consumes_but_writes_nothing() -> None:
    statements = template()["Resources"]["WatchPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    actions = {
        action
        for statement in statements
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }
    assert actions == {
        "ses:GetConfigurationSetEventDestinations",
        "ses:ListConfigurationSets",
        "cloudtrail:LookupEvents",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
    }
    [consume] = [s for s in statements if s["Sid"] == "ConsumeQueue"]
    assert consume["Resource"] == {"Fn::GetAtt": ["Queue", "Arn"]}


def test_undeliverable_messages_go_to_a_dead_letter_queue() -> None:
    queue = template()["Resources"]["Queue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["DeadLetterQueue", "Arn"]
    }
    assert queue["ReceiveMessageWaitTimeSeconds"] == 20  # long polling
    assert template()["Outputs"]["QueueUrl"]["Value"] == {"Ref": "Queue"}
