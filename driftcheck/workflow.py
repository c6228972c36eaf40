"""The steps of a plan, wired together once for every command that plans (plan, apply).

specs → DesiredState (selected by --target) → live reads → ``plan()`` → ignore patterns →
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
from driftcheck.model import DesiredState, LiveState, Plan
from driftcheck.plan import plan

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
    # who changed each drifted row (CloudTrail LookupEvents) within the window; None: do not look
    attribution_window: timedelta | None = None


@dataclass(frozen=True)
class PlanRun:
    desired: DesiredState
    live: LiveState
    plan: Plan
    ignore_file: Path | None  # the ignore file whose patterns were applied
    lookup: Lookup | None = None  # the attribution lookup (its cost), when one was asked for


def run_plan(request: PlanRequest, progress: Progress = _no_progress) -> PlanRun:
    """Everything ``driftcheck plan`` does before printing; DriftcheckError on bad input."""
    ignore_file = request.ignore_file or find_ignore_file(request.paths)
    patterns = load_patterns(ignore_file, request.ignore_patterns)
    region = request.region or default_region(request.settings.profile)
    desired = load_specs(
        request.paths, cli_vars=request.cli_vars, default_region=region, require_region=True
    )
    desired = select_targets(desired, request.targets)
    keys = [s.key for s in desired.sets]
    with progress(len(keys)) as advance:
        live = read_live_state(
            keys,
            request.settings,
            on_read=advance,
            # unmanaged sets would be cut from a targeted plan: do not list them
            list_sets=request.include_unmanaged and not request.targets,
        )
    result = plan_of(desired, live, patterns, request)
    lookup = None
    if request.attribution_window is not None:
        from driftcheck.events.lookup import attribute_plan

        result, lookup = attribute_plan(result, request.settings, window=request.attribution_window)
    return PlanRun(desired, live, result, ignore_file, lookup)


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
