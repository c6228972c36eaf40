"""Drift alerts for scheduled runs: ``--alert sns:<topic-arn>|webhook:<url>`` and
``--alert-state FILE``.

- :mod:`~driftcheck.alerts.targets`: parse targets; redact webhook URLs (they are secrets).
- :mod:`~driftcheck.alerts.content`: the alert (subject, text, JSON summary, attributes,
  fingerprint) as pure functions of the plan.
- :mod:`~driftcheck.alerts.state`: what was last alerted, written atomically.
- :mod:`~driftcheck.alerts.sns` / :mod:`~driftcheck.alerts.webhook`: delivery (boto3 and
  ``urllib``, imported only when an alert is sent).
- :mod:`~driftcheck.alerts.deliver`: :func:`deliver_alerts`, which the CLI calls after the
  plan was written.

When the plan has unreadable sets, nothing can be said about them: such a plan is never
"resolved", and it alerts (kind ``error``, or ``drift`` with the errors listed) so that
drift hidden behind a failed read is not silently dropped.
"""

from driftcheck.alerts.content import Alert, AlertKind, build_alert, fingerprint
from driftcheck.alerts.deliver import (
    AlertOutcome,
    DeliverySettings,
    check_state_file,
    deliver_alerts,
)
from driftcheck.alerts.state import AlertState, read_state, write_state
from driftcheck.alerts.targets import AlertTarget, SnsTarget, WebhookTarget, parse_target, redact
from driftcheck.errors import AlertError, DeliveryError

__all__ = [
    "Alert",
    "AlertError",
    "AlertKind",
    "AlertOutcome",
    "AlertState",
    "AlertTarget",
    "DeliveryError",
    "DeliverySettings",
    "SnsTarget",
    "WebhookTarget",
    "build_alert",
    "check_state_file",
    "deliver_alerts",
    "fingerprint",
    "parse_target",
    "read_state",
    "redact",
    "write_state",
]
