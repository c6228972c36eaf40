"""``deliver_alerts``: decide from the state what to send, send it everywhere, remember it.

Every target is tried even when one fails; the state is written only when all succeeded,
so a failed alert is sent again by the next run (a target that did get it may get it
twice: delivery is at least once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from driftcheck.alerts.content import Alert, AlertKind, build_alert, current_kind, fingerprint
from driftcheck.alerts.state import AlertState, decide, read_state, write_state
from driftcheck.alerts.targets import AlertTarget, SnsTarget
from driftcheck.errors import AlertError, DeliveryError, DriftcheckError
from driftcheck.logger import get_logger
from driftcheck.plan_model import Plan
from driftcheck.wording import plural

logger = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    webhook_timeout: float = 10.0  # seconds per connect and per read
    attempts: int = 3  # per target, the first included
    backoff: float = 0.5  # seconds before the first retry, doubled for each next one


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    sent: AlertKind | None  # the alert sent to every target, or None
    delivered: tuple[str, ...]  # the targets (redacted) that got it
    reason: str  # one sentence for the log: what was sent, or why nothing was

    def __str__(self) -> str:
        return self.reason


def deliver_alerts(
    plan: Plan,
    targets: Sequence[AlertTarget],
    *,
    state_file: Path | None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    settings: DeliverySettings = DeliverySettings(),
) -> AlertOutcome:
    """Send what ``plan`` calls for to every target; remember it in ``state_file``.

    Without ``state_file``: a "drift" (or "error") alert for every plan with drift (or
    unreadable sets), nothing for a clean one. With it: an alert only when that differs
    from the outstanding one, one "resolved" when a complete plan without drift follows
    it, nothing otherwise. ``endpoint_url`` is the SNS endpoint (None: boto3's, which
    honours ``AWS_ENDPOINT_URL_SNS``). Raises :class:`DeliveryError` naming every failed
    target after trying all, and :class:`AlertError` for an unusable state file (read
    before anything is sent).
    """
    if not targets:
        return AlertOutcome(None, (), "no alert target was given")
    previous = read_state(state_file) if state_file is not None else None
    kind_now, fingerprint_now = current_kind(plan), fingerprint(plan)
    to_send = decide(kind_now, fingerprint_now, previous, stateful=state_file is not None)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if to_send is None:
        reason = _quiet_reason(kind_now, previous)
        if state_file is not None:  # keeps checked_at fresh and proves the file writable
            write_state(state_file, _checked(previous, now))
        logger.info("%s", reason)
        return AlertOutcome(None, (), reason)

    alert = build_alert(
        plan,
        to_send,
        resolved_regions=previous.regions if previous is not None else (),
        resolved_accounts=previous.accounts if previous is not None else (),
    )
    delivered: list[str] = []
    failures: list[tuple[str, str]] = []
    for target in targets:
        try:
            _send(target, alert, profile=profile, endpoint_url=endpoint_url, settings=settings)
        except DriftcheckError as error:
            logger.warning("%s: the %s alert was not delivered: %s", target, to_send, error)
            failures.append((str(target), str(error)))
        else:
            logger.info("%s: sent the %s alert", target, to_send)
            delivered.append(str(target))
    if failures:
        listed = "; ".join(f"{target} ({reason})" for target, reason in failures)
        raise DeliveryError(
            f"the {to_send} alert could not be delivered to {len(failures)} of "
            f"{plural(len(targets), 'target')}: {listed}",
            tuple(failures),
            tuple(delivered),
        )
    if state_file is not None:
        write_state(state_file, _alerted(to_send, fingerprint_now, alert, now))
    count = plural(len(delivered), "target")
    return AlertOutcome(to_send, tuple(delivered), f"sent the {to_send} alert to {count}")


def check_state_file(state_file: Path) -> None:
    """Raise AlertError now if ``state_file`` exists and is unusable (call before planning)."""
    read_state(state_file)


def _send(
    target: AlertTarget,
    alert: Alert,
    *,
    profile: str | None,
    endpoint_url: str | None,
    settings: DeliverySettings,
) -> None:
    if isinstance(target, SnsTarget):
        from driftcheck.alerts import sns

        sns.publish(
            target, alert, profile=profile, endpoint_url=endpoint_url, attempts=settings.attempts
        )
    else:
        from driftcheck.alerts import webhook

        webhook.post(
            target,
            alert,
            timeout=settings.webhook_timeout,
            attempts=settings.attempts,
            backoff=settings.backoff,
        )


def _quiet_reason(kind_now: AlertKind | None, previous: AlertState | None) -> str:
    if kind_now is None:
        return "no alert: no drift"
    since = f" since {previous.alerted_at}" if previous and previous.alerted_at else ""
    return f"no alert: the {kind_now} is unchanged{since}"


def _checked(previous: AlertState | None, now: str) -> AlertState:
    if previous is None:
        return AlertState(checked_at=now)
    return replace(previous, checked_at=now)


def _alerted(kind: AlertKind, fingerprint_now: str | None, alert: Alert, now: str) -> AlertState:
    if kind is AlertKind.RESOLVED:
        return AlertState(None, kind, (), now, now)
    accounts = tuple((a["account"], a["account_name"] or "") for a in alert.document["accounts"])
    return AlertState(
        fingerprint_now, kind, tuple(alert.document["regions"]), now, now, accounts=accounts
    )


__all__ = ["AlertError", "AlertOutcome", "DeliverySettings", "check_state_file", "deliver_alerts"]
