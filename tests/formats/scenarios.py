"""Representative plans, rendered by the golden-file tests in every format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from driftcheck.diffpath import covers
from driftcheck.model import Api, LiveSet, SetStatus
from driftcheck.normalise import unreadable_type_note
from driftcheck.plan import fingerprint, mark_ignored
from driftcheck.plan_model import ChangedBy, Plan, SetPlan, Via
from tests.factories import (
    ACCOUNT,
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


def ignoring(*paths: str) -> Callable[[str], bool]:
    """What ``IgnoreChanges: [paths]`` accepts."""
    return lambda path: any(covers(prefix, path) for prefix in paths)


def noise_ignored() -> Plan:
    """IgnoreChanges on two destinations, an extra ignored by a pattern, a stale pattern."""
    campaign = dimension("campaign", "unknown")
    partly = mark_ignored(
        misconfigured(
            MARKETING,
            "sns-bounces",
            definition("BOUNCE", "COMPLAINT", SnsDestination=sns("a")),
            definition("BOUNCE", SnsDestination=sns("b")),
            [
                removed("MatchingEventTypes", "COMPLAINT"),
                not_equal("SnsDestination.TopicArn", topic_arn("a"), topic_arn("b")),
            ],
            10,
        ),
        ignoring("SnsDestination.TopicArn"),
    )
    wholly = mark_ignored(  # every difference ignored: in sync, differences kept
        misconfigured(
            MARKETING,
            "cw-metrics",
            definition("SEND", CloudWatchDestination=cloudwatch(campaign)),
            definition(
                "SEND", enabled=False, CloudWatchDestination=cloudwatch(dimension("campaign", "x"))
            ),
            [
                not_equal("Enabled", True, False),
                not_equal(f"{DIMENSIONS}[campaign].DefaultDimensionValue", "unknown", "x"),
            ],
            14,
        ),
        ignoring("Enabled", f"{DIMENSIONS}[campaign].DefaultDimensionValue"),
    )
    old = extra(MARKETING, "old-pinpoint", definition("OPEN", PinpointDestination=pinpoint("x")), 8)
    base = plan(
        [present(MARKETING, 8)],
        [
            partly,
            wholly,
            replace(old, ignored=True),
            missing(MARKETING, "archive", definition("SEND", SnsDestination=sns("a")), 20),
        ],
    )
    return replace(
        base, warnings=(".driftignore:3: ignore pattern 'sesv2/*/gone' matches nothing",)
    )


def only_ignored() -> Plan:
    """Nothing but ignored noise: no drift, and the closing line says what was ignored."""
    noisy = noise_ignored()
    rows = tuple(row for row in noisy.destinations if not row.drifted)
    return replace(noisy, destinations=rows, warnings=())


def unmanaged_sets() -> Plan:
    """A present set and two unmanaged ones, one of them ignored by a pattern."""
    live = LiveSet(
        MARKETING, SetStatus.PRESENT, {"sns-bounces": definition("BOUNCE", SnsDestination=sns("a"))}
    )
    return plan(
        [
            replace(present(MARKETING, 8), fingerprint=fingerprint(live)),
            SetPlan(key("legacy"), SetStatus.UNMANAGED, None),
            SetPlan(key("sandbox"), SetStatus.UNMANAGED, None, ignored=True),
        ],
        [in_sync(MARKETING, "sns-bounces", definition("BOUNCE", SnsDestination=sns("a")), 10)],
    )


ATTRIBUTED_AT = datetime(2026, 11, 30, 19, 0, tzinfo=timezone.utc)


def author(arn: str, via: Via, event: str, ago: timedelta, user: str, kind: str) -> ChangedBy:
    at = ATTRIBUTED_AT - ago
    event_id = f"{user}-{event}"
    return ChangedBy(arn, user, kind, at, event, via, "198.51.100.7", event_id)


def attributed() -> Plan:
    """Drift of every kind with its authors (plan --attribute); one row without one."""
    role = f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/mallory@example.com"
    deleted = author(role, Via.CONSOLE, "DeleteConfigurationSet", timedelta(minutes=4),
                     "mallory@example.com", "AssumedRole")  # fmt: skip
    updated = author(f"arn:aws:iam::{ACCOUNT}:user/ci", Via.TERRAFORM,
                     "UpdateConfigurationSetEventDestination", timedelta(hours=3),
                     "ci", "IAMUser")  # fmt: skip
    created = author(f"arn:aws:iam::{ACCOUNT}:user/alice", Via.AWS_CLI,
                     "CreateConfigurationSetEventDestination", timedelta(days=2),
                     "alice", "IAMUser")  # fmt: skip
    base = missing_configuration_set()
    sets = [replace(s, changed_by=deleted) if s.key == NEWSLETTERS else s for s in base.sets]
    rows = [replace(r, changed_by=deleted) for r in base.destinations if r.key == NEWSLETTERS]
    rows += [
        replace(
            misconfigured(
                MARKETING,
                "sns-bounces",
                definition("BOUNCE", SnsDestination=sns("a")),
                definition("BOUNCE", SnsDestination=sns("b")),
                [not_equal("SnsDestination.TopicArn", topic_arn("a"), topic_arn("b"))],
                10,
            ),
            changed_by=updated,
        ),
        missing(
            MARKETING, "archive", definition("SEND", KinesisFirehoseDestination=firehose("a")), 26
        ),
        replace(
            extra(
                MARKETING, "old-pinpoint", definition("OPEN", PinpointDestination=pinpoint("x")), 8
            ),
            changed_by=created,
        ),
    ]
    return replace(plan(sets, rows), attributed_at=ATTRIBUTED_AT)


def unmanaged_sets_strict() -> Plan:
    return replace(unmanaged_sets(), strict=True)


PROD = {"account": "111111111111", "account_name": "prod"}
STAGING = {"account": "222222222222", "account_name": "staging"}


def fleet() -> Plan:
    """Two accounts, two regions, both APIs: every format groups by account, then region,
    although keys sort by account, then api (prod's eu-west-1 sets come through both APIs)."""
    alerts = key("alerts", region="eu-west-1", **PROD)
    marketing = key("marketing", **PROD)
    tx = key("tx", region="eu-west-1", api=Api.SESV2, **PROD)
    staging = key("marketing", **STAGING)
    reports = key("reports", region="eu-west-1", **STAGING)
    return plan(
        [
            present(alerts, 4),
            present(marketing, 8),
            present(tx, 30),
            present(staging, 8),
            unreadable(reports, line=50),
            SetPlan(key("legacy", **STAGING), SetStatus.UNMANAGED, None),
        ],
        [
            missing(alerts, "sns-alerts", definition("BOUNCE", SnsDestination=sns("alerts")), 5),
            misconfigured(
                marketing,
                "sns-bounces",
                definition("BOUNCE", SnsDestination=sns("a")),
                definition("BOUNCE", SnsDestination=sns("b")),
                [not_equal("SnsDestination.TopicArn", topic_arn("a"), topic_arn("b"))],
                10,
            ),
            in_sync(tx, "bus", definition("SEND", EventBridgeDestination=eventbridge()), 33),
            missing(
                tx, "archive", definition("SEND", KinesisFirehoseDestination=firehose("a")), 36
            ),
            in_sync(staging, "sns-bounces", definition("BOUNCE", SnsDestination=sns("a")), 10),
            extra(
                staging, "old-pinpoint", definition("OPEN", PinpointDestination=pinpoint("x")), 8
            ),
        ],
    )


SCENARIOS: dict[str, Callable[[], Plan]] = {
    "in_sync": in_sync_only,
    "missing_set": missing_configuration_set,
    "drift": every_kind_of_drift,
    "read_error": unreadable_set,
    "ignored": noise_ignored,
    "only_ignored": only_ignored,
    "unmanaged": unmanaged_sets,
    "unmanaged_strict": unmanaged_sets_strict,
    "fleet": fleet,
    "attributed": attributed,
}
