"""The steps of a plan, wired together once for every command that plans (plan, apply).

[accounts file → its fleet (an organization listed) →] specs → DesiredState (selected by
--target) → [credentials per account →] live reads → ``plan()`` → ignore patterns →
--target restriction. The CLI turns flags into :class:`PlanRequest` and prints the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from driftcheck.desired import load_specs
from driftcheck.errors import UsageError
from driftcheck.ignore import (
    Pattern,
    Target,
    apply_ignores,
    find_ignore_file,
    load_patterns,
    restrict_plan,
    select_targets,
)
from driftcheck.live import ClientSettings, default_region, read_live_state
from driftcheck.live.sessions import (
    ROLE_SESSION_NAME,
    AccountSessions,
    connect_accounts,
    fleet_of,
)
from driftcheck.model import DesiredState, LiveState, SetKey
from driftcheck.plan import plan
from driftcheck.plan_model import Plan
from driftcheck.targets import Account, load_accounts
from driftcheck.wording import plural

if TYPE_CHECKING:
    from driftcheck.events.lookup import Lookup

Progress = Callable[[int], AbstractContextManager[Callable[[], None] | None]]


def _no_progress(total: int) -> AbstractContextManager[Callable[[], None] | None]:
    return nullcontext(None)


@dataclass(frozen=True)
class PlanRequest:
    paths: Sequence[Path]
    settings: ClientSettings
    cli_vars: Mapping[str, str] = field(default_factory=dict)
    region: str | None = None
    targets: Sequence[Target] = ()
    ignore_patterns: Sequence[str] = ()
    ignore_file: Path | None = None  # None: find_ignore_file (next to the specs, or in .)
    include_unmanaged: bool = False
    strict: bool = False
    accounts_file: Path | None = None  # --accounts: every account and region it lists
    role_session_name: str = ROLE_SESSION_NAME
    max_rps: float | None = None  # reads a second per (account, region); None: unpaced
    # who changed each drifted row (CloudTrail LookupEvents) within the window; None: do not look
    attribution_window: timedelta | None = None


@dataclass(frozen=True)
class PlanRun:
    desired: DesiredState
    live: LiveState
    plan: Plan
    ignore_file: Path | None  # the ignore file whose patterns were applied
    patterns: Sequence[Pattern] = ()  # the patterns applied (the file's and --ignore's)
    sessions: AccountSessions | None = None  # the accounts' credentials (--accounts)
    lookup: Lookup | None = None  # the attribution lookup (its cost), when one was asked for


def load_fleet(request: PlanRequest) -> tuple[Account, ...] | None:
    """The accounts to cover (None without --accounts); lists the organization if any."""
    if request.accounts_file is None:
        return None
    return fleet_of(load_accounts(request.accounts_file), request.settings)


def connect(
    request: PlanRequest, fleet: tuple[Account, ...] | None, keys: Sequence[SetKey]
) -> AccountSessions | None:
    """The credentials of every account of ``fleet`` that ``keys`` name (one AssumeRole each
    for roles); None without an accounts file."""
    if fleet is None:
        return None
    wanted = {key.account for key in keys}
    return connect_accounts(
        [a for a in fleet if a.account_id in wanted],
        request.settings,
        role_session_name=request.role_session_name,
    )


def connect_saved(request: PlanRequest, saved: Plan) -> AccountSessions | None:
    """The credentials of the accounts a saved plan covers, from ``--accounts``; UsageError
    when the plan covers accounts and the flag is missing or its file lacks some."""
    accounts = sorted({s.key.account for s in saved.sets if s.key.account})
    if not accounts:
        return None
    if request.accounts_file is None:
        raise UsageError(
            f"the saved plan covers {plural(len(accounts), 'account')} ({', '.join(accounts)}): "
            "pass the accounts file with --accounts FILE"
        )
    fleet = load_fleet(request)
    assert fleet is not None
    missing = sorted(set(accounts) - {a.account_id for a in fleet})
    if missing:
        raise UsageError(
            f"{request.accounts_file} does not list {plural(len(missing), 'account')} of the "
            f"saved plan: {', '.join(missing)}"
        )
    return connect(request, fleet, [s.key for s in saved.sets])


def run_plan(request: PlanRequest, progress: Progress = _no_progress) -> PlanRun:
    """Everything ``driftcheck plan`` does before printing; DriftcheckError on bad input."""
    ignore_file = request.ignore_file or find_ignore_file(request.paths)
    patterns = load_patterns(ignore_file, request.ignore_patterns)
    fleet = load_fleet(request)
    region = request.region or default_region(request.settings.profile)
    desired = load_specs(
        request.paths,
        cli_vars=request.cli_vars,
        default_region=region,
        require_region=True,
        fleet=fleet,
    )
    desired = select_targets(desired, request.targets)
    keys = [s.key for s in desired.sets]
    sessions = connect(request, fleet, keys)
    with progress(len(keys)) as advance:
        live = read_live_state(
            keys,
            request.settings,
            on_read=advance,
            # unmanaged sets would be cut from a targeted plan: do not list them
            list_sets=request.include_unmanaged and not request.targets,
            sessions=sessions,
            max_rps=request.max_rps,
        )
    result = plan_of(desired, live, patterns, request)
    lookup = None
    if request.attribution_window is not None:
        from driftcheck.events.lookup import attribute_plan

        result, lookup = attribute_plan(
            result,
            request.settings,
            window=request.attribution_window,
            session_for=None if sessions is None else sessions.session,
        )
    return PlanRun(desired, live, result, ignore_file, patterns, sessions, lookup)


def plan_of(
    desired: DesiredState, live: LiveState, patterns: Sequence[Pattern], request: PlanRequest
) -> Plan:
    """The plan of ``live`` against ``desired``, ignore patterns and --target applied
    (``driftcheck watch`` calls it again whenever it re-read some sets)."""
    result = plan(desired, live, strict=request.strict)
    # a partial plan (targeted, or with unreadable sets) cannot tell a stale pattern from
    # one about a set it did not see
    complete = not request.targets and not result.failed_sets
    result = apply_ignores(result, patterns, warn_stale=complete)
    return restrict_plan(result, request.targets)
