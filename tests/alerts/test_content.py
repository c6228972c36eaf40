"""The alert itself: subject, text, JSON summary, SNS attributes and the fingerprint."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from driftcheck.alerts import AlertKind, build_alert, fingerprint
from driftcheck.alerts.content import MAX_LISTED, MAX_SUBJECT, TEXT_LISTED, current_kind
from driftcheck.model import SetKey
from driftcheck.plan_model import ChangedBy, Plan, Via
from tests import factories as f
from tests.alerts.scenarios import (
    BOUNCES,
    EU,
    MARKETING,
    PROD,
    STAGING,
    clean,
    drifted,
    in_account,
    in_both,
    unreadable_only,
    with_unreadable,
)

# fingerprint(drifted()) and fingerprint(with_unreadable(drifted())) as the release before
# accounts computed them: what an alert state file of that release holds
BEFORE_ACCOUNTS = {
    "drifted": "sha256:289c43b2424b5130c2d28ac0697a89ef80d50fbfff0381b611d35c74fcb9c9bf",
    "with_unreadable": "sha256:a906fbdc3a9107c7f6719da86863f0913e49f5fc2143a77b86a2687eb8c642ff",
}


def test_a_drift_alert_summarises_the_plan() -> None:
    alert = build_alert(drifted(), AlertKind.DRIFT)
    assert alert.subject == "driftcheck: 3 drifted event destinations in us-east-1"
    body = json.loads(alert.body)
    assert body == {
        "format_version": "1",
        "driftcheck_version": body["driftcheck_version"],
        "kind": "drift",
        "drift": True,
        "regions": ["us-east-1"],
        "summary": {
            "in_sync": 0,
            "missing": 1,
            "extra": 1,
            "misconfigured": 1,
            "errors": 0,
            "ignored": 0,
            "unmanaged": 0,
        },
        "changes": [
            "pinpoint-email/us-east-1/marketing/sns-bounces: misconfigured",
            "pinpoint-email/us-east-1/transactional/sns-opens: missing",
            "pinpoint-email/us-east-1/transactional/stray: extra",
        ],
        "more_changes": 0,
        "errors": [],
        "fingerprint": fingerprint(drifted()),
        "accounts": [],
    }
    assert dict(alert.attributes) == {
        "kind": ("String", "drift"),
        "drift": ("String", "true"),
        "region": ("String", "us-east-1"),
        "regions": ("String.Array", '["us-east-1"]'),
        "missing": ("Number", "1"),
        "extra": ("Number", "1"),
        "misconfigured": ("Number", "1"),
        "errors": ("Number", "0"),
    }


def test_the_text_is_short_and_names_the_first_changes() -> None:
    text = build_alert(drifted(), AlertKind.DRIFT).text
    assert text.splitlines() == [
        "*driftcheck: 3 drifted event destinations in us-east-1*",
        "Drift detected: 1 to add, 1 to change, 1 to destroy.",
        "• `pinpoint-email/us-east-1/marketing/sns-bounces`: misconfigured "
        "(`SnsDestination.TopicArn`)",
        "• `pinpoint-email/us-east-1/transactional/sns-opens`: missing",
        "• `pinpoint-email/us-east-1/transactional/stray`: extra",
    ]


def _many_extras(count: int) -> Plan:
    rows = [f.extra(MARKETING, f"extra-{i:03d}", BOUNCES, 1) for i in range(count)]
    return f.plan([f.present(MARKETING)], rows)


def test_long_lists_are_cut_and_counted() -> None:
    alert = build_alert(_many_extras(MAX_LISTED + 5), AlertKind.DRIFT)
    assert len(alert.document["changes"]) == MAX_LISTED
    assert alert.document["more_changes"] == 5
    bullets = [line for line in alert.text.splitlines() if line.startswith("•")]
    assert len(bullets) == TEXT_LISTED
    assert alert.text.splitlines()[-1] == (
        f"…and {MAX_LISTED + 5 - TEXT_LISTED} more: see the plan in the job log"
    )


def test_unreadable_sets_are_listed_with_their_error_code() -> None:
    alert = build_alert(with_unreadable(drifted()), AlertKind.DRIFT)
    assert alert.subject == (
        "driftcheck: 3 drifted event destinations and 1 unreadable set in eu-west-1 and us-east-1"
    )
    assert alert.document["errors"] == ["sesv2/eu-west-1/eu-news: AccessDeniedException"]
    assert alert.attributes["errors"] == ("Number", "1")
    assert alert.attributes["region"] == ("String", "eu-west-1,us-east-1")
    assert "• could not read `sesv2/eu-west-1/eu-news`: AccessDeniedException" in alert.text


def test_an_error_alert_without_drift() -> None:
    plan = unreadable_only()
    assert current_kind(plan) is AlertKind.ERROR
    alert = build_alert(plan, AlertKind.ERROR)
    assert alert.subject == "driftcheck: 1 unreadable set in eu-west-1"
    assert alert.attributes["drift"] == ("String", "false")
    assert alert.attributes["kind"] == ("String", "error")


def test_a_resolved_alert_names_the_regions_it_resolves() -> None:
    alert = build_alert(clean(), AlertKind.RESOLVED, resolved_regions=["eu-west-1"])
    assert alert.subject == "driftcheck: drift resolved in eu-west-1"
    assert alert.document["changes"] == [] and alert.document["fingerprint"] is None
    assert alert.attributes["drift"] == ("String", "false")
    assert alert.text.splitlines()[1] == ("No drift: the live event destinations match the specs.")
    assert build_alert(clean(), AlertKind.RESOLVED).subject.endswith(" in us-east-1")


def test_a_missing_set_without_declared_destinations_is_a_change() -> None:
    plan = f.plan([f.missing_set(MARKETING)], [])
    assert plan.drift and current_kind(plan) is AlertKind.DRIFT
    alert = build_alert(plan, AlertKind.DRIFT)
    assert alert.subject == "driftcheck: 1 drifted configuration set in us-east-1"
    assert alert.document["changes"] == [
        "pinpoint-email/us-east-1/marketing: missing configuration set"
    ]


def test_the_subject_is_one_short_ascii_line() -> None:
    regions = [f"xx-{'a' * 40}-{i}" for i in range(2)]
    plan = f.plan(
        [f.present(f.key("s", region=r)) for r in regions],
        [f.extra(f.key("s", region=r), "e", BOUNCES, 1) for r in regions],
    )
    subject = build_alert(plan, AlertKind.DRIFT).subject
    assert len(subject) == MAX_SUBJECT and subject.endswith("...")
    weird = f.plan([f.present(f.key("s", region="ré\ngion-1"))], [])
    resolved = build_alert(weird, AlertKind.RESOLVED).subject
    assert resolved == "driftcheck: drift resolved in r??gion-1"


def test_names_cannot_inject_slack_markup_or_control_characters() -> None:
    key = SetKey(MARKETING.api, "us-east-1", "<!channel>&`x`")
    plan = f.plan([f.present(key)], [f.extra(key, "e\x1b[31m", BOUNCES, 1)])
    text = build_alert(plan, AlertKind.DRIFT).text
    assert "<" not in text and ">" not in text and "\x1b" not in text
    assert "&lt;!channel&gt;&amp;'x'/e\\u001b[31m" in text
    assert build_alert(plan, AlertKind.DRIFT).body.isascii()


def test_no_alert_for_a_clean_plan() -> None:
    assert current_kind(clean()) is None
    assert fingerprint(clean()) is None


def test_the_fingerprint_ignores_order_messages_and_ignored_differences() -> None:
    base = drifted()
    reordered = replace(base, destinations=tuple(reversed(base.destinations)))
    assert fingerprint(reordered) == fingerprint(base)
    assert fingerprint(with_unreadable(base, "request id 1")) == fingerprint(
        with_unreadable(base, "request id 2")
    )
    row = base.destinations[0]
    noisy = replace(
        row, differences=(*row.differences, replace(row.differences[0], path="X", ignored=True))
    )
    assert fingerprint(replace(base, destinations=(noisy, *base.destinations[1:]))) == fingerprint(
        base
    )


@pytest.mark.parametrize(
    "changed",
    [
        drifted("another-topic"),  # a different value
        drifted(extra=False),  # one item fewer
        with_unreadable(drifted()),  # an unreadable set more
        f.plan([f.missing_set(MARKETING)], []),
        f.plan([f.missing_set(EU)], []),
    ],
)
def test_the_fingerprint_changes_with_the_drift(changed: Plan) -> None:
    assert fingerprint(changed) is not None
    assert fingerprint(changed) != fingerprint(drifted())


# --- accounts ------------------------------------------------------------------------------


def test_a_fleet_alert_names_each_account_by_id_and_name() -> None:
    prod, staging = in_account(drifted(), PROD), in_account(unreadable_only(), STAGING)
    plan = f.plan([*prod.sets, *staging.sets], [*prod.destinations, *staging.destinations])
    alert = build_alert(plan, AlertKind.DRIFT)
    assert alert.subject == (  # cut at SNS's 100 characters
        "driftcheck: 3 drifted event destinations and 1 unreadable set in prod and staging, "
        "eu-west-1 and ..."
    )
    assert alert.document["accounts"] == [
        {"account": "111111111111", "account_name": "prod"},
        {"account": "222222222222", "account_name": "staging"},
    ]
    assert alert.document["changes"][0] == (
        "111111111111:pinpoint-email/us-east-1/marketing/sns-bounces: misconfigured"
    )
    assert alert.document["errors"] == [
        "222222222222:sesv2/eu-west-1/eu-news: AccessDeniedException"
    ]
    assert alert.attributes["accounts"] == ("String.Array", '["111111111111", "222222222222"]')
    lines = alert.text.splitlines()
    assert lines[2] == (
        "• `pinpoint-email/us-east-1/marketing/sns-bounces` in account prod (111111111111): "
        "misconfigured (`SnsDestination.TopicArn`)"
    )
    assert lines[-1] == (
        "• could not read `sesv2/eu-west-1/eu-news` in account staging (222222222222): "
        "AccessDeniedException"
    )


def test_one_account_is_named_with_its_id_in_the_subject() -> None:
    alert = build_alert(in_account(drifted(), PROD), AlertKind.DRIFT)
    assert alert.subject == (
        "driftcheck: 3 drifted event destinations in prod (111111111111), us-east-1"
    )
    unnamed = build_alert(in_account(drifted(), ("333333333333", "")), AlertKind.DRIFT)
    assert unnamed.document["accounts"] == [{"account": "333333333333", "account_name": None}]
    assert unnamed.subject.endswith(" in 333333333333, us-east-1")


def test_a_resolved_alert_names_the_accounts_it_resolves() -> None:
    alert = build_alert(in_account(clean(), PROD), AlertKind.RESOLVED, resolved_accounts=[STAGING])
    assert alert.subject == "driftcheck: drift resolved in staging (222222222222), us-east-1"
    assert alert.document["accounts"] == [{"account": "222222222222", "account_name": "staging"}]


def test_an_alert_without_accounts_has_no_account_attribute_and_the_old_fingerprint() -> None:
    alert = build_alert(drifted(), AlertKind.DRIFT)
    assert "accounts" not in alert.attributes and alert.document["accounts"] == []
    assert fingerprint(drifted()) == BEFORE_ACCOUNTS["drifted"]
    assert fingerprint(with_unreadable(drifted())) == BEFORE_ACCOUNTS["with_unreadable"]


def test_the_same_drift_in_another_account_is_another_fingerprint() -> None:
    prints = {
        fingerprint(plan)
        for plan in (
            drifted(),
            in_account(drifted(), PROD),
            in_account(drifted(), STAGING),
            in_both(drifted()),
            in_account(unreadable_only(), PROD),
            in_account(unreadable_only(), STAGING),
        )
    }
    assert None not in prints and len(prints) == 6
    renamed = in_account(drifted(), ("111111111111", "production"))
    assert fingerprint(renamed) == fingerprint(in_account(drifted(), PROD))  # by id, not name


def test_a_drifted_row_names_who_changed_it_without_changing_the_fingerprint() -> None:
    at = datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc)
    mallory = ChangedBy(
        principal="arn:aws:iam::123456789012:user/mallory",
        user="mallory",
        type="IAMUser",
        at=at,
        event="UpdateConfigurationSetEventDestination",
        via=Via.CONSOLE,
        source_ip="198.51.100.7",
        event_id="0b7a-event",
    )
    plain = drifted()
    rows = tuple(
        replace(r, changed_by=mallory) if r.name == "sns-bounces" else r for r in plain.destinations
    )
    attributed = replace(plain, destinations=rows, attributed_at=at + timedelta(minutes=4))
    alert = build_alert(attributed, AlertKind.DRIFT)
    assert alert.document["changed_by"] == {
        "pinpoint-email/us-east-1/marketing/sns-bounces": {
            "principal": "arn:aws:iam::123456789012:user/mallory",
            "user": "mallory",
            "type": "IAMUser",
            "at": "2026-11-30T18:00:00Z",
            "event": "UpdateConfigurationSetEventDestination",
            "via": "console",
            "source_ip": "198.51.100.7",
            "event_id": "0b7a-event",
        }
    }
    [line] = [line for line in alert.text.splitlines() if "sns-bounces" in line]
    assert line.endswith(
        ": changed by arn:aws:iam::123456789012:user/mallory via console, 4 minutes ago"
    )
    assert "changed_by" not in build_alert(plain, AlertKind.DRIFT).document
    assert fingerprint(attributed) == fingerprint(plain)
