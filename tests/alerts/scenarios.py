"""Plans for the alert tests, built with tests/factories."""

from __future__ import annotations

from dataclasses import replace

from driftcheck.model import Api
from driftcheck.plan_model import Plan
from tests import factories as f

MARKETING = f.key("marketing")
TX = f.key("transactional")
EU = f.key("eu-news", region="eu-west-1", api=Api.SESV2)

BOUNCES = f.definition("BOUNCE", "COMPLAINT", SnsDestination=f.sns("bounces"))
OPENS = f.definition("OPEN", SnsDestination=f.sns("opens"))


def clean() -> Plan:
    return f.plan(
        [f.present(MARKETING), f.present(TX)],
        [
            f.in_sync(MARKETING, "sns-bounces", BOUNCES, 3),
            f.in_sync(TX, "sns-opens", OPENS, 9),
        ],
    )


def drifted(topic: str = "other", *, extra: bool = True) -> Plan:
    """One misconfigured destination (its topic is ``topic``), one missing, one extra."""
    live = f.definition("BOUNCE", "COMPLAINT", SnsDestination=f.sns(topic))
    rows = [
        f.misconfigured(
            MARKETING,
            "sns-bounces",
            BOUNCES,
            live,
            [f.not_equal("SnsDestination.TopicArn", f.topic_arn("bounces"), f.topic_arn(topic))],
            3,
        ),
        f.missing(TX, "sns-opens", OPENS, 9),
    ]
    if extra:
        rows.append(f.extra(TX, "stray", OPENS, 8))
    return f.plan([f.present(MARKETING), f.present(TX)], rows)


def with_unreadable(base: Plan, message: str = "request id 1") -> Plan:
    """``base`` plus a set that could not be read."""
    return replace(
        base,
        sets=(*base.sets, f.unreadable(EU, message=message)),
    )


def unreadable_only(message: str = "request id 1") -> Plan:
    return with_unreadable(clean(), message)


PROD = ("111111111111", "prod")
STAGING = ("222222222222", "staging")


def in_account(base: Plan, account: tuple[str, str]) -> Plan:
    """``base`` with every set in ``account`` (id, name)."""
    return f.in_account(base, *account)


def in_both(base: Plan) -> Plan:
    """``base`` in prod and in staging: the same set names in two accounts."""
    prod, staging = in_account(base, PROD), in_account(base, STAGING)
    return f.plan([*prod.sets, *staging.sets], [*prod.destinations, *staging.destinations])
