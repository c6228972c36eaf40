"""Representative plans, rendered by the golden-file tests in every format."""

from __future__ import annotations

from collections.abc import Callable

from driftcheck.model import Api, Plan
from driftcheck.normalise import unreadable_type_note
from tests.factories import (
    added,
    cloudwatch,
    definition,
    dimension,
    eventbridge,
    extra,
    firehose,
    in_sync,
    key,
    misconfigured,
    missing,
    missing_set,
    not_equal,
    pinpoint,
    plan,
    present,
    removed,
    sns,
    topic_arn,
    unreadable,
)

MARKETING = key("marketing")
NEWSLETTERS = key("newsletters")
REPORTS = key("reports", region="us-west-2")
TX = key("tx", region="eu-west-1", api=Api.SESV2)

DIMENSIONS = "CloudWatchDestination.DimensionConfigurations"


def in_sync_only() -> Plan:
    return plan(
        [present(MARKETING, 8), present(TX, 30)],
        [
            in_sync(MARKETING, "sns-bounces", definition("BOUNCE", SnsDestination=sns("a")), 10),
            in_sync(TX, "bus", definition("SEND", EventBridgeDestination=eventbridge()), 33),
        ],
    )


def missing_configuration_set() -> Plan:
    metrics = cloudwatch(dimension("campaign", "none"), dimension("team", "mail", "EMAIL_HEADER"))
    return plan(
        [present(MARKETING, 8), missing_set(NEWSLETTERS, 40)],
        [
            in_sync(MARKETING, "sns-bounces", definition("BOUNCE", SnsDestination=sns("a")), 10),
            missing(
                NEWSLETTERS,
                "cw-metrics",
                definition("OPEN", "CLICK", CloudWatchDestination=metrics),
                42,
            ),
            missing(
                NEWSLETTERS,
                "sns-complaints",
                definition("COMPLAINT", enabled=False, SnsDestination=sns("complaints")),
                48,
            ),
        ],
    )


def every_kind_of_drift() -> Plan:
    campaign, team = dimension("campaign", "unknown"), dimension("team", "mail", "EMAIL_HEADER")
    source = dimension("ses-source", "none", "LINK_TAG")
    no_block = definition("SEND")
    return plan(
        [present(MARKETING, 8), unreadable(REPORTS, line=50), present(TX, 30)],
        [
            misconfigured(
                MARKETING,
                "sns-bounces",
                definition("BOUNCE", "COMPLAINT", SnsDestination=sns("a")),
                definition("BOUNCE", "OPEN", SnsDestination=sns("b")),
                [
                    removed("MatchingEventTypes", "COMPLAINT"),
                    added("MatchingEventTypes", "OPEN"),
                    not_equal("SnsDestination.TopicArn", topic_arn("a"), topic_arn("b")),
                ],
                10,
            ),
            misconfigured(
                MARKETING,
                "cw-metrics",
                definition("SEND", CloudWatchDestination=cloudwatch(campaign, team)),
                definition(
                    "SEND",
                    enabled=False,
                    CloudWatchDestination=cloudwatch(dimension("campaign", "none"), source, team),
                ),
                [
                    not_equal("Enabled", True, False),
                    not_equal(f"{DIMENSIONS}[campaign].DefaultDimensionValue", "unknown", "none"),
                    added(f"{DIMENSIONS}[ses-source]", source),
                ],
                14,
            ),
            misconfigured(
                MARKETING,
                "stream",
                definition("BOUNCE", KinesisFirehoseDestination=firehose("events")),
                definition("BOUNCE", SnsDestination=sns("events")),
                [
                    removed("KinesisFirehoseDestination", firehose("events")),
                    added("SnsDestination", sns("events")),
                ],
                20,
            ),
            missing(
                MARKETING,
                "archive",
                definition("SEND", KinesisFirehoseDestination=firehose("a")),
                26,
            ),
            extra(
                MARKETING, "old-pinpoint", definition("OPEN", PinpointDestination=pinpoint("x")), 8
            ),
            extra(
                MARKETING,
                "legacy-bus",
                no_block,
                8,
                note=unreadable_type_note(Api.PINPOINT_EMAIL, no_block),
            ),
            misconfigured(
                TX,
                "bus",
                definition(
                    "SEND", "DELIVERY_DELAY", "SUBSCRIPTION", EventBridgeDestination=eventbridge()
                ),
                definition("SEND", EventBridgeDestination=eventbridge()),
                [
                    removed("MatchingEventTypes", "DELIVERY_DELAY"),
                    removed("MatchingEventTypes", "SUBSCRIPTION"),
                ],
                33,
            ),
            in_sync(TX, "bounces", definition("BOUNCE", SnsDestination=sns("tx")), 36),
        ],
    )


def unreadable_set() -> Plan:
    return plan(
        [present(MARKETING, 8), unreadable(key("tx"), "ThrottlingException", "Rate exceeded", 30)],
        [in_sync(MARKETING, "sns-bounces", definition("BOUNCE", SnsDestination=sns("a")), 10)],
    )


SCENARIOS: dict[str, Callable[[], Plan]] = {
    "in_sync": in_sync_only,
    "missing_set": missing_configuration_set,
    "drift": every_kind_of_drift,
    "read_error": unreadable_set,
}
