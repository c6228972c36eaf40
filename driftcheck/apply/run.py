"""``driftcheck apply`` end to end, once the plan exists: connect, check, write.

The CLI calls :func:`apply_plan` after showing the plan and getting approval, and, for a
saved plan, :func:`verify_saved_plan` first (it writes nothing and raises when stale).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from driftcheck.apply.actions import ApplyAction, build_actions
from driftcheck.apply.executor import ActionResult, OnResult, execute
from driftcheck.ignore import Target
from driftcheck.live.clients import ClientSettings, client_key
from driftcheck.live.reader import read_live_state
from driftcheck.live.writer import DEFAULT_MAX_RPS, Writer
from driftcheck.plan_model import Plan
from driftcheck.saved_plan import ensure_fresh, verify_keys

if TYPE_CHECKING:
    from driftcheck.live.sessions import AccountSessions


def apply_actions(
    actions: Sequence[ApplyAction],
    settings: ClientSettings,
    *,
    max_rps: float = DEFAULT_MAX_RPS,
    on_result: OnResult | None = None,
    sessions: AccountSessions | None = None,
) -> tuple[ActionResult, ...]:
    """Perform ``actions`` (see :func:`build_actions`) at most ``max_rps`` requests a second
    per target (account, region); ``sessions``: the credentials of the accounts they name.

    Once ``settings.stop`` is set, no action starts: see :func:`execute`.
    """
    if not actions:
        return ()
    writer = Writer.connect({client_key(a.key) for a in actions}, settings, max_rps, sessions)
    return execute(
        actions,
        writer,
        concurrency=settings.concurrency,
        on_result=on_result,
        stop=settings.stop,
    )


def apply_plan(
    plan: Plan,
    settings: ClientSettings,
    *,
    max_rps: float = DEFAULT_MAX_RPS,
    no_delete: bool = False,
    targets: Sequence[Target] = (),
    on_result: OnResult | None = None,
) -> tuple[ActionResult, ...]:
    """Build the actions of ``plan`` and perform them."""
    actions = build_actions(plan, no_delete=no_delete, targets=targets)
    return apply_actions(actions, settings, max_rps=max_rps, on_result=on_result)


def verify_saved_plan(
    saved: Plan, settings: ClientSettings, sessions: AccountSessions | None = None
) -> None:
    """Re-read the sets the saved plan recorded; StalePlanError when any changed."""
    keys = verify_keys(saved)
    if keys:
        ensure_fresh(saved, read_live_state(keys, settings, sessions=sessions))
