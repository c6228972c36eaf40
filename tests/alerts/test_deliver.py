"""``deliver_alerts`` end to end: state-driven decisions, every target tried, real servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from driftcheck.alerts import (
    AlertError,
    AlertKind,
    DeliveryError,
    check_state_file,
    deliver_alerts,
    parse_target,
    read_state,
)
from driftcheck.plan_model import Plan
from tests import factories as f
from tests.alerts.conftest import FAST, Moto
from tests.alerts.scenarios import (
    EU,
    PROD,
    STAGING,
    clean,
    drifted,
    in_account,
    in_both,
    unreadable_only,
    with_unreadable,
)
from tests.alerts.test_content import BEFORE_ACCOUNTS
from tests.webhooks import Reply, WebhookServer


def _run(plan: Plan, webhook: WebhookServer, state: Path | None) -> AlertKind | None:
    """One scheduled run; returns the kind the webhook received (None: nothing)."""
    before = len(webhook.requests)
    outcome = deliver_alerts(
        plan, [parse_target(f"webhook:{webhook.url}")], state_file=state, settings=FAST
    )
    received = webhook.requests[before:]
    assert len(received) == (0 if outcome.sent is None else 1)
    return AlertKind(received[0].json()["kind"]) if received else None


def test_a_schedule_alerts_once_per_change_and_once_when_resolved(
    webhook: WebhookServer, tmp_path: Path
) -> None:
    state = tmp_path / ".driftcheck" / "alert-state.json"
    runs = [
        (clean(), None),
        (drifted(), AlertKind.DRIFT),  # drift appears
        (drifted(), None),  # the same drift an hour later
        (drifted("another-topic"), AlertKind.DRIFT),  # the drift changed
        (drifted("another-topic"), None),
        (clean(), AlertKind.RESOLVED),  # cleared
        (clean(), None),  # and silence
        (drifted(), AlertKind.DRIFT),  # back again
    ]
    for number, (plan, expected) in enumerate(runs, 1):
        assert _run(plan, webhook, state) is expected, f"run {number}"
    saved = read_state(state)
    assert saved is not None
    assert saved.last_alert is AlertKind.DRIFT and saved.regions == ("us-east-1",)
    assert saved.alerted_at is not None and saved.checked_at is not None


def test_without_state_every_run_with_drift_alerts(webhook: WebhookServer) -> None:
    kinds = [_run(p, webhook, None) for p in (drifted(), drifted(), clean(), clean())]
    assert kinds == [AlertKind.DRIFT, AlertKind.DRIFT, None, None]


def test_unreadable_sets_alert_and_never_count_as_resolved(
    webhook: WebhookServer, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    assert _run(drifted(), webhook, state) is AlertKind.DRIFT
    # the drifted sets became unreadable: their drift may still be there
    assert _run(unreadable_only(), webhook, state) is AlertKind.ERROR
    assert webhook.requests[-1].json()["errors"] == [
        "sesv2/eu-west-1/eu-news: AccessDeniedException"
    ]
    assert _run(unreadable_only("another request id"), webhook, state) is None
    assert _run(clean(), webhook, state) is AlertKind.RESOLVED


def test_drift_next_to_unreadable_sets_is_alerted_with_the_errors(
    webhook: WebhookServer, tmp_path: Path
) -> None:
    assert _run(with_unreadable(drifted()), webhook, tmp_path / "s.json") is AlertKind.DRIFT
    body = webhook.requests[-1].json()
    assert body["summary"]["errors"] == 1 and len(body["changes"]) == 3


def test_resolved_names_the_regions_of_the_alert_it_resolves(
    webhook: WebhookServer, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    eu_drift = f.plan([f.present(EU)], [f.extra(EU, "stray", f.definition("OPEN"), 1)])
    eu_clean = f.plan([f.present(EU)], [])
    assert _run(eu_drift, webhook, state) is AlertKind.DRIFT
    assert _run(eu_clean, webhook, state) is AlertKind.RESOLVED
    assert (
        webhook.requests[-1].json()["text"].startswith("*driftcheck: drift resolved in eu-west-1*")
    )


def test_every_target_is_tried_and_the_state_waits_for_all(moto: Moto, tmp_path: Path) -> None:
    failing, working = WebhookServer(), WebhookServer()
    try:
        failing.answer(Reply(500))
        missing_topic = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
        topic_arn, queue_url = moto.topic_with_queue("drift-alerts")
        targets = [
            parse_target(f"webhook:{failing.url}"),
            parse_target(f"sns:{missing_topic}"),
            parse_target(f"webhook:{working.url}"),
            parse_target(f"sns:{topic_arn}"),
        ]
        state = tmp_path / "state.json"

        def run() -> None:
            deliver_alerts(
                drifted(), targets, state_file=state, endpoint_url=moto.endpoint, settings=FAST
            )

        with pytest.raises(DeliveryError) as caught:
            run()
        error = caught.value
        assert [target for target, _ in error.failures] == [str(targets[0]), str(targets[1])]
        assert error.delivered == (str(targets[2]), str(targets[3]))
        assert str(error).startswith("the drift alert could not be delivered to 2 of 4 targets: ")
        assert len(working.requests) == 1 and len(moto.received(queue_url)) == 1
        assert not state.exists()  # not remembered: the next run sends it again

        failing.answer(Reply(200))
        with pytest.raises(DeliveryError):  # the missing topic still fails
            run()
        assert len(working.requests) == 2 and not state.exists()

        targets.pop(1)
        run()
        assert len(working.requests) == 3 and state.exists()
        run()  # remembered now: nothing new
        assert len(working.requests) == 3 and len(moto.received(queue_url)) == 2
    finally:
        failing.stop()
        working.stop()


def test_a_corrupt_state_file_stops_before_anything_is_sent(
    webhook: WebhookServer, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"kind": "something-else"}')
    with pytest.raises(AlertError, match="is not a driftcheck alert state file"):
        check_state_file(state)
    with pytest.raises(AlertError, match="is not a driftcheck alert state file"):
        _run(drifted(), webhook, state)
    assert webhook.requests == []
    assert json.loads(state.read_text()) == {"kind": "something-else"}


def test_a_state_file_that_cannot_be_written_is_an_error_after_delivery(
    webhook: WebhookServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(AlertError, match="alert state file"):
        check_state_file(blocker / "state.json")
    with pytest.raises(AlertError, match="alert state file"):
        _run(clean(), webhook, blocker / "state.json")


def test_no_target_sends_nothing_and_leaves_the_state_alone(tmp_path: Path) -> None:
    outcome = deliver_alerts(drifted(), [], state_file=tmp_path / "state.json")
    assert outcome.sent is None and not (tmp_path / "state.json").exists()


def test_a_state_file_of_the_release_before_accounts_re_alerts_nothing(
    webhook: WebhookServer, tmp_path: Path
) -> None:
    """Upgrading: the outstanding drift, as that release recorded it, is still outstanding."""
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {
                "kind": "driftcheck-alert-state",
                "version": 1,
                "fingerprint": BEFORE_ACCOUNTS["drifted"],
                "last_alert": "drift",
                "regions": ["us-east-1"],
                "alerted_at": "2025-01-01T10:00:00Z",
                "checked_at": "2025-01-01T10:00:00Z",
            },
            indent=2,
        )
    )
    assert _run(drifted(), webhook, state) is None
    saved = read_state(state)
    assert saved is not None and saved.fingerprint == BEFORE_ACCOUNTS["drifted"]
    assert saved.alerted_at == "2025-01-01T10:00:00Z" and saved.accounts == ()
    assert _run(clean(), webhook, state) is AlertKind.RESOLVED


def test_the_same_drift_in_two_accounts_is_two_alerts(
    webhook: WebhookServer, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    runs = [
        (in_account(drifted(), PROD), AlertKind.DRIFT),
        (in_account(drifted(), PROD), None),
        (in_account(drifted(), STAGING), AlertKind.DRIFT),  # same names, another account
        (in_both(drifted()), AlertKind.DRIFT),
        (in_both(drifted()), None),
    ]
    for number, (plan, expected) in enumerate(runs, 1):
        assert _run(plan, webhook, state) is expected, f"run {number}"
    body = webhook.requests[-1].json()
    assert [a["account"] for a in body["accounts"]] == ["111111111111", "222222222222"]
    assert len(body["changes"]) == 6
    saved = read_state(state)
    assert saved is not None and saved.accounts == (PROD, STAGING)
    assert _run(in_both(clean()), webhook, state) is AlertKind.RESOLVED
    assert (
        webhook.requests[-1]
        .json()["text"]
        .startswith("*driftcheck: drift resolved in prod and staging, us-east-1*")
    )
