"""Every kind of bad spec, each with the exact ``FILE:LINE:COLUMN`` and message."""

from __future__ import annotations

import pytest
from conftest import Write
from spec_helpers import destination, load, problems

SNS = "SnsDestination:\n  TopicArn: arn:aws:sns:us-east-1:123456789012:t"
SEND = "Enabled: true\nMatchingEventTypes: [SEND]"


def check(write: Write, text: str, expected: list[str]) -> None:
    path = write(text)
    assert problems([path]) == expected


# --- the top level -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\nregoin: us-east-1\nconfiguration_sets: {}\n",
            ["spec.yaml:2:1: unknown key `regoin` in the spec; did you mean `region`?"],
        ),
        (
            "version: 1\nzzz: 1\nconfiguration_sets: {}\n",
            [
                "spec.yaml:2:1: unknown key `zzz` in the spec; expected `version`, `api`, "
                "`region`, `regions`, `accounts`, `vars` or `configuration_sets`"
            ],
        ),
        ("configuration_sets: {}\n", ["spec.yaml:1:1: the spec is missing `version`"]),
        ("version: 1\n", ["spec.yaml:1:1: the spec is missing `configuration_sets`"]),
        (
            "version: 2\nconfiguration_sets: {}\n",
            ["spec.yaml:1:10: unsupported spec version 2; this driftcheck reads version 1"],
        ),
        (
            "version: '1'\nconfiguration_sets: {}\n",
            ["spec.yaml:1:10: `version` must be the number 1, got a string; remove the quotes"],
        ),
        (
            "version: true\nconfiguration_sets: {}\n",
            ["spec.yaml:1:10: `version` must be the number 1, got the boolean true"],
        ),
        (
            "version: 1\napi: sesv3\nconfiguration_sets: {}\n",
            ["spec.yaml:2:6: unknown api `sesv3`; did you mean `sesv2`?"],
        ),
        (
            "version: 1\napi: ses\nconfiguration_sets: {}\n",
            ["spec.yaml:2:6: unknown api `ses`; did you mean `sesv2`?"],
        ),
        (
            "version: 1\napi: cloudformation\nconfiguration_sets: {}\n",
            ["spec.yaml:2:6: unknown api `cloudformation`; use `pinpoint-email` or `sesv2`"],
        ),
        (
            "version: 1\napi: [sesv2]\nconfiguration_sets: {}\n",
            ["spec.yaml:2:6: `api` must be a string, got a list"],
        ),
        (
            "version: 1\nregion: US East\nconfiguration_sets: {}\n",
            ["spec.yaml:2:9: `US East` is not an AWS region name (like us-east-1)"],
        ),
        (
            "- version: 1\n",
            [
                "spec.yaml:1:1: the spec must be a mapping with `version: 1` and "
                "`configuration_sets`, got a list"
            ],
        ),
        (
            "just text\n",
            [
                "spec.yaml:1:1: the spec must be a mapping with `version: 1` and "
                "`configuration_sets`, got a string"
            ],
        ),
        (
            "version: 1\nconfiguration_sets: [a]\n",
            ["spec.yaml:2:21: `configuration_sets` must be a mapping, got a list"],
        ),
    ],
)
def test_top_level(write: Write, text: str, expected: list[str]) -> None:
    check(write, text, expected)


# --- configuration sets --------------------------------------------------------------------

SET_HEADER = "version: 1\nregion: us-east-1\nconfiguration_sets:\n"


@pytest.mark.parametrize(
    ("sets", "expected"),
    [
        (
            "  'bad name':\n    event_destinations: {}\n",
            [
                "spec.yaml:4:3: configuration set name `bad name` must be 1 to 64 letters, "
                "digits, `_` or `-`"
            ],
        ),
        (
            f"  {'s' * 65}:\n    event_destinations: {{}}\n",
            [
                f"spec.yaml:4:3: configuration set name `{'s' * 65}` must be 1 to 64 letters, "
                "digits, `_` or `-`"
            ],
        ),
        (
            "  marketing:\n",
            [
                "spec.yaml:4:13: configuration set `marketing` must be a mapping with "
                "`event_destinations`, got an empty value; write `event_destinations: {}` for "
                "a set without destinations"
            ],
        ),
        (
            "  marketing: {}\n",
            [
                "spec.yaml:4:14: configuration set `marketing` is missing `event_destinations` "
                "(`{}` for a set without destinations)"
            ],
        ),
        (
            "  marketing:\n    event_destination: {}\n",
            [
                "spec.yaml:5:5: configuration set `marketing` is missing `event_destinations` "
                "(`{}` for a set without destinations)",
                "spec.yaml:5:5: unknown key `event_destination` in configuration set "
                "`marketing`; did you mean `event_destinations`?",
            ],
        ),
        (
            "  marketing:\n    event_destinations:\n",
            [
                "spec.yaml:5:24: `event_destinations` must be a mapping of destination names "
                "to definitions, got an empty value; write `{}` for a set without destinations"
            ],
        ),
        (
            # pasted from get-configuration-set-event-destinations: a list, not a mapping
            "  marketing:\n    event_destinations:\n      - Name: sns\n        Enabled: true\n",
            [
                "spec.yaml:6:7: `event_destinations` must be a mapping of destination names "
                "to definitions, got a list; write `{}` for a set without destinations"
            ],
        ),
    ],
)
def test_configuration_sets(write: Write, sets: str, expected: list[str]) -> None:
    check(write, SET_HEADER + sets, expected)


def test_at_most_ten_destinations_per_set(write: Write) -> None:
    body = "".join(
        f"      d{i}: {{Enabled: true, MatchingEventTypes: [SEND], PinpointDestination: {{}}}}\n"
        for i in range(11)
    )
    check(
        write,
        SET_HEADER + "  marketing:\n    event_destinations:\n" + body,
        [
            "spec.yaml:5:5: configuration set `marketing` has 11 event destinations; "
            "SES allows at most 10"
        ],
    )


def test_ten_destinations_are_fine(write: Write) -> None:
    body = "".join(
        f"      d{i}: {{Enabled: true, MatchingEventTypes: [SEND], PinpointDestination: {{}}}}\n"
        for i in range(10)
    )
    path = write(SET_HEADER + "  marketing:\n    event_destinations:\n" + body)
    assert load([path]).destination_count == 10


# --- destinations --------------------------------------------------------------------------

# destination(body) puts the body's first line at line 8, column 9.
DESTINATION_CASES = [
    pytest.param(
        f"{SEND}\n{SNS}",
        [],
        id="valid",
    ),
    pytest.param(
        f"MatchingEventTypes: [SEND]\n{SNS}",
        ["spec.yaml:8:9: destination `dest` is missing `Enabled`"],
        id="no Enabled",
    ),
    pytest.param(
        f"Enabled: false\n{SNS}",
        ["spec.yaml:8:9: destination `dest` is missing `MatchingEventTypes`"],
        id="no MatchingEventTypes",
    ),
    pytest.param(
        SNS,
        ["spec.yaml:8:9: destination `dest` is missing `Enabled` and `MatchingEventTypes`"],
        id="neither",
    ),
    pytest.param(
        f"Enabled: 'true'\nMatchingEventTypes: [SEND]\n{SNS}",
        ["spec.yaml:8:18: `Enabled` must be true or false, got a string; remove the quotes"],
        id="quoted Enabled",
    ),
    pytest.param(
        f"Enabled: 1\nMatchingEventTypes: [SEND]\n{SNS}",
        ["spec.yaml:8:18: `Enabled` must be true or false, got the integer 1"],
        id="integer Enabled",
    ),
    pytest.param(
        f"Enabled: true\nMatchingEventTypes: []\n{SNS}",
        ["spec.yaml:9:29: `MatchingEventTypes` must not be empty"],
        id="no event types",
    ),
    pytest.param(
        f"Enabled: true\nMatchingEventTypes: BOUNCE\n{SNS}",
        ["spec.yaml:9:29: `MatchingEventTypes` must be a list, got a string; write [BOUNCE]"],
        id="event types not a list",
    ),
    pytest.param(
        f"Enabled: true\nMatchingEventTypes: [BOUNCE, COMPLAINT, bounce]\n{SNS}",
        [
            "spec.yaml:9:49: `BOUNCE` is repeated in `MatchingEventTypes` "
            "(first at line 9, column 30)"
        ],
        id="duplicate event types after normalisation",
    ),
    pytest.param(
        f"Enabled: true\nMatchingEventTypes: [BOUNCES, Complaint]\n{SNS}",
        [
            "spec.yaml:9:30: `BOUNCES` is not a valid value for an item of "
            "`MatchingEventTypes`; did you mean `BOUNCE`?",
            "spec.yaml:9:39: `Complaint` is not a valid value for an item of "
            "`MatchingEventTypes`; did you mean `COMPLAINT`?",
        ],
        id="invalid event types",
    ),
    pytest.param(
        f"Enabled: true\nMatchingEventTypes: [XYZZY]\n{SNS}",
        [
            "spec.yaml:9:30: `XYZZY` is not a valid value for an item of `MatchingEventTypes`; "
            "expected `SEND`, `REJECT`, `BOUNCE`, `COMPLAINT`, `DELIVERY`, `OPEN`, `CLICK` or "
            "`RENDERING_FAILURE`"
        ],
        id="unknown event type",
    ),
    pytest.param(
        f"Enabled: true\nMatchingEventTypes: [SEND, DELIVERY_DELAY, subscription]\n{SNS}",
        [
            "spec.yaml:9:36: `DELIVERY_DELAY` is not available with api pinpoint-email; "
            "use `api: sesv2`",
            "spec.yaml:9:52: `subscription` is not available with api pinpoint-email; "
            "use `api: sesv2`",
        ],
        id="sesv2 event types on pinpoint-email",
    ),
    pytest.param(
        f"Enabled: true\nMatchingEventTypes: [SEND, [BOUNCE]]\n{SNS}",
        ["spec.yaml:9:36: an item of `MatchingEventTypes` must be a string, got a list"],
        id="nested list",
    ),
    pytest.param(
        SEND,
        [
            "spec.yaml:8:9: destination `dest` has no destination block; add one of "
            "`KinesisFirehoseDestination`, `CloudWatchDestination`, `SnsDestination` or "
            "`PinpointDestination`"
        ],
        id="no destination block",
    ),
    pytest.param(
        f"{SEND}\n{SNS}\nPinpointDestination:\n  ApplicationArn: "
        "arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc",
        [
            "spec.yaml:12:9: destination `dest` has 2 destination blocks (`SnsDestination` and "
            "`PinpointDestination`); SES takes exactly one"
        ],
        id="two destination blocks",
    ),
    pytest.param(
        f"{SEND}\nEventBridgeDestination:\n  EventBusArn: "
        "arn:aws:events:us-east-1:123456789012:event-bus/default",
        [
            "spec.yaml:10:9: `EventBridgeDestination` is not available with api "
            "pinpoint-email; use `api: sesv2`"
        ],
        id="EventBridge on pinpoint-email",
    ),
    pytest.param(
        f"{SEND}\nSnsDestinaton:\n  TopicArn: arn:aws:sns:us-east-1:123456789012:t",
        [
            "spec.yaml:10:9: unknown key `SnsDestinaton` in destination `dest`; "
            "did you mean `SnsDestination`?"
        ],
        id="misspelt block",
    ),
    pytest.param(
        f"{SEND}\n{SNS}\nTags: [a]",
        [
            "spec.yaml:12:9: unknown key `Tags` in destination `dest`; expected `Enabled`, "
            "`MatchingEventTypes`, `KinesisFirehoseDestination`, `CloudWatchDestination`, "
            "`SnsDestination`, `PinpointDestination` or `IgnoreChanges`"
        ],
        id="unknown member",
    ),
    pytest.param(f"Name: dest\n{SEND}\n{SNS}", [], id="Name equal to the key"),
    pytest.param(
        f"Name: other\n{SEND}\n{SNS}",
        [
            "spec.yaml:8:15: `Name` is `other` but the destination is declared as `dest`; "
            "remove `Name` or make them equal"
        ],
        id="Name not equal to the key",
    ),
    pytest.param(
        f"Name: [dest]\n{SEND}\n{SNS}",
        ["spec.yaml:8:15: `Name` must be a string, got a list"],
        id="Name not a string",
    ),
    pytest.param(
        f"{SEND}\nSnsDestination:",
        ["spec.yaml:10:24: `SnsDestination` must be a mapping, got an empty value"],
        id="empty block",
    ),
    pytest.param(
        f"{SEND}\nSnsDestination: {{}}",
        ["spec.yaml:10:25: `SnsDestination` is missing `TopicArn`"],
        id="missing TopicArn",
    ),
    pytest.param(
        f"{SEND}\nSnsDestination:\n  TopicArnn: arn:aws:sns:us-east-1:123456789012:t",
        [
            "spec.yaml:11:11: `SnsDestination` is missing `TopicArn`",
            "spec.yaml:11:11: unknown key `TopicArnn` in `SnsDestination`; "
            "did you mean `TopicArn`?",
        ],
        id="misspelt TopicArn",
    ),
    pytest.param(
        f"{SEND}\nSnsDestination:\n  TopicArn: 12",
        [
            "spec.yaml:11:21: `TopicArn` must be a string, got the integer 12; "
            'quote it if you mean the string: "12"'
        ],
        id="number for a string",
    ),
]


@pytest.mark.parametrize(("body", "expected"), DESTINATION_CASES)
def test_destinations(write: Write, body: str, expected: list[str]) -> None:
    path = write(destination(body))
    if expected:
        assert problems([path]) == expected
    else:
        assert load([path]).destination_count == 1


def test_destination_names(write: Write) -> None:
    text = destination(f"{SEND}\n{SNS}", name="'sns bounces'")
    check(
        write,
        text,
        [
            "spec.yaml:7:7: event destination name `sns bounces` must be 1 to 64 letters, "
            "digits, `_` or `-`"
        ],
    )


def test_a_destination_must_be_a_mapping(write: Write) -> None:
    text = destination("[SEND]").replace("      dest:\n        [SEND]", "      dest: [SEND]")
    check(write, text, ["spec.yaml:7:13: destination `dest` must be a mapping, got a list"])


def test_sesv2_event_types_are_fine_with_sesv2(write: Write) -> None:
    body = f"Enabled: true\nMatchingEventTypes: [deliveryDelay, SUBSCRIPTION]\n{SNS}"
    path = write(destination(body, api="sesv2"))
    [desired] = load([path]).sets
    assert desired.destinations[0].definition["MatchingEventTypes"] == [
        "DELIVERY_DELAY",
        "SUBSCRIPTION",
    ]


# --- ARNs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "arn", "error"),
    [
        ("SnsDestination:\n  TopicArn", "arn:aws-cn:sns:cn-north-1:123456789012:t", None),
        ("SnsDestination:\n  TopicArn", "arn:aws-us-gov:sns:us-gov-west-1:123456789012:t", None),
        (
            "SnsDestination:\n  TopicArn",
            "my-topic",
            "`TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC, got `my-topic`",
        ),
        (
            "SnsDestination:\n  TopicArn",
            "arn:aws-xx:sns:us-east-1:123456789012:t",
            "`TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC, "
            "got `arn:aws-xx:sns:us-east-1:123456789012:t`",
        ),
        (
            "SnsDestination:\n  TopicArn",
            "arn:aws:sqs:us-east-1:123456789012:q",
            "`TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC: "
            "the service is `sqs`, not `sns`",
        ),
        (
            "SnsDestination:\n  TopicArn",
            "arn:aws:sns::123456789012:t",
            "`TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC: "
            "the region is missing",
        ),
        (
            "SnsDestination:\n  TopicArn",
            "arn:aws:sns:us-east-1::t",
            "`TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC: "
            "the 12-digit account ID is missing",
        ),
        (
            "SnsDestination:\n  TopicArn",
            "arn:aws:sns:us-east-1:1234:t",
            "`TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC, "
            "got `arn:aws:sns:us-east-1:1234:t`",
        ),
        (
            "PinpointDestination:\n  ApplicationArn",
            "arn:aws:sns:us-east-1:123456789012:t",
            "`ApplicationArn` must be an ARN like arn:aws:mobiletargeting:REGION:ACCOUNT:apps/ID:"
            " the service is `sns`, not `mobiletargeting`",
        ),
        (
            "KinesisFirehoseDestination:\n  IamRoleArn: arn:aws:iam::123456789012:role/r\n"
            "  DeliveryStreamArn",
            "arn:aws:kinesis:us-east-1:123456789012:stream/s",
            "`DeliveryStreamArn` must be an ARN like "
            "arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME: "
            "the service is `kinesis`, not `firehose`",
        ),
        (
            "KinesisFirehoseDestination:\n  DeliveryStreamArn: "
            "arn:aws:firehose:us-east-1:123456789012:deliverystream/s\n  IamRoleArn",
            "arn:aws:iam:us-east-1:123456789012:role/r",
            "`IamRoleArn` must be an ARN like arn:aws:iam::ACCOUNT:role/NAME: "
            "iam ARNs have no region",
        ),
    ],
)
def test_arns(write: Write, block: str, arn: str, error: str | None) -> None:
    body = f"{SEND}\n{block}: {arn}"
    path = write(destination(body))
    line = 8 + body.count("\n")
    column = 9 + len(block.rsplit("\n", 1)[1]) + 2
    if error is None:
        assert load([path]).destination_count == 1
    else:
        assert problems([path]) == [f"spec.yaml:{line}:{column}: {error}"]


def test_event_bus_arn_with_sesv2(write: Write) -> None:
    body = f"{SEND}\nEventBridgeDestination:\n  EventBusArn: arn:aws:sns:us-east-1:123456789012:t"
    check(
        write,
        destination(body, api="sesv2"),
        [
            "spec.yaml:11:24: `EventBusArn` must be an ARN like "
            "arn:aws:events:REGION:ACCOUNT:event-bus/NAME: the service is `sns`, not `events`"
        ],
    )


@pytest.mark.parametrize(
    ("api", "message"),
    [
        (
            "sesv2",  # the sesv2 model says AmazonResourceName has min 1
            "spec.yaml:11:21: `TopicArn` must have at least 1 character",
        ),
        (
            "pinpoint-email",
            "spec.yaml:11:21: `TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC, "
            "got ``",
        ),
    ],
)
def test_an_empty_arn(write: Write, api: str, message: str) -> None:
    check(write, destination(f"{SEND}\nSnsDestination:\n  TopicArn: ''", api=api), [message])


# --- CloudWatch ----------------------------------------------------------------------------


def cloudwatch(*dimensions: str) -> str:
    """A CloudWatch destination body: each dimension on a line of its own, from line 12.

    In the file, each dimension's `{` is at column 15, `DimensionName`'s value at column 31.
    """
    lines = [SEND, "CloudWatchDestination:", "  DimensionConfigurations:"]
    lines += [f"    - {d}" for d in dimensions]
    return "\n".join(lines)


DIMENSION = "{DimensionName: %s, DimensionValueSource: %s, DefaultDimensionValue: %s}"


@pytest.mark.parametrize(
    ("api", "dimensions", "expected"),
    [
        ("pinpoint-email", [DIMENSION % ("n", "messageTag", "v")], []),
        ("sesv2", [DIMENSION % ("n", "linkTag", "user.name@example")], []),
        (
            "pinpoint-email",
            [DIMENSION % ("n", "MESSAGE_TAG", "user.name")],
            [
                "spec.yaml:12:92: `DefaultDimensionValue` may only contain letters, digits, "
                "`_` and `-`, got `user.name`"
            ],
        ),
        (
            "sesv2",
            [DIMENSION % ("a.b", "MESSAGE_TAG", "v")],
            [
                "spec.yaml:12:31: `DimensionName` may only contain letters, digits, `_` and `-`, "
                "got `a.b`"
            ],
        ),
        (
            "sesv2",
            [DIMENSION % ("n" * 256, "MESSAGE_TAG", "v")],
            ["spec.yaml:12:31: `DimensionName` must have at most 255 characters, got 256"],
        ),
        ("pinpoint-email", [DIMENSION % ("n" * 256, "MESSAGE_TAG", "v")], []),
        (
            "pinpoint-email",
            [DIMENSION % ("n", "MESSAGE_TAG", "v" * 257)],
            ["spec.yaml:12:92: `DefaultDimensionValue` must have at most 256 characters, got 257"],
        ),
        (
            "sesv2",
            [DIMENSION % ("n", "HEADER", "v")],
            [
                "spec.yaml:12:56: `HEADER` is not a valid value for `DimensionValueSource`; "
                "did you mean `EMAIL_HEADER`?"
            ],
        ),
        (
            "sesv2",
            [DIMENSION % ("n", "MESSAGE_TAG", "0")],
            [
                "spec.yaml:12:92: `DefaultDimensionValue` must be a string, got the integer 0; "
                'quote it if you mean the string: "0"'
            ],
        ),
        (
            "sesv2",
            ["{DimensionName: n}"],
            [
                "spec.yaml:12:15: an item of `DimensionConfigurations` is missing "
                "`DimensionValueSource` and `DefaultDimensionValue`"
            ],
        ),
        (
            "sesv2",
            [DIMENSION % ("n", "MESSAGE_TAG", "a"), DIMENSION % ("n", "EMAIL_HEADER", "b")],
            [
                "spec.yaml:13:31: `DimensionName` `n` is repeated in `DimensionConfigurations` "
                "(first at line 12, column 31)"
            ],
        ),
        (
            "sesv2",
            [DIMENSION % (f"d{i}", "MESSAGE_TAG", "v") for i in range(11)],
            ["spec.yaml:22:15: `DimensionConfigurations` has 11 items; SES allows at most 10"],
        ),
        ("sesv2", [DIMENSION % (f"d{i}", "MESSAGE_TAG", "v") for i in range(10)], []),
    ],
)
def test_cloudwatch_dimensions(
    write: Write, api: str, dimensions: list[str], expected: list[str]
) -> None:
    path = write(destination(cloudwatch(*dimensions), api=api))
    if expected:
        assert problems([path]) == expected
    else:
        assert load([path]).destination_count == 1


def test_cloudwatch_needs_dimensions(write: Write) -> None:
    check(
        write,
        destination(f"{SEND}\nCloudWatchDestination: {{}}"),
        ["spec.yaml:10:32: `CloudWatchDestination` is missing `DimensionConfigurations`"],
    )
    check(
        write,
        destination(f"{SEND}\nCloudWatchDestination:\n  DimensionConfigurations: []"),
        ["spec.yaml:11:36: `DimensionConfigurations` must not be empty"],
    )


# --- all at once ---------------------------------------------------------------------------


def test_every_problem_of_every_file_is_reported_at_once(write: Write) -> None:
    first = write(
        destination(
            "Enabled: yes please\nMatchingEventTypes: [BOUNCES]\nSnsDestinaton: {}",
        ),
        "a.yaml",
    )
    second = write("version: 1\nconfiguration_sets:\n  x: {event_destinations: []}\n", "b.yaml")
    third = write("version: 1\nconfiguration_sets: [\n", "c.yaml")
    assert problems([third, second, first]) == [
        "a.yaml:8:18: `Enabled` must be true or false, got a string",
        "a.yaml:9:30: `BOUNCES` is not a valid value for an item of `MatchingEventTypes`; "
        "did you mean `BOUNCE`?",
        "a.yaml:10:9: unknown key `SnsDestinaton` in destination `dest`; "
        "did you mean `SnsDestination`?",
        "b.yaml:3:27: `event_destinations` must be a mapping of destination names to "
        "definitions, got a list; write `{}` for a set without destinations",
        "c.yaml:3:1: YAML syntax error: did not find expected node content "
        "(while parsing a flow node, which started at line 3, column 1)",
    ]
