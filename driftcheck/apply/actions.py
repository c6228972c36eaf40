"""From a plan to the write actions that bring the live state to the specs. Pure.

- A missing configuration set is created (name only), then its destinations.
- A missing destination is created and a misconfigured one updated with its complete
  definition; an extra one is deleted unless ``no_delete``.
- Only declared sets (present or missing) are acted upon: never an unmanaged set, never a set
  that could not be read, never a configuration set deletion. Rows that are in sync (their
  differences all ignored included) or marked ignored are left alone.
- An update keeps the live value of every *ignored* difference (``IgnoreChanges``, ignore
  patterns with a field): an ignored field is never overwritten.

Within a set, updates and creates run before deletes (a renamed destination is never missing
in between), unless the creates would exceed the quota of 10 destinations per set: then the
deletes go first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from driftcheck.differences import PathNotFound, apply_differences
from driftcheck.errors import UsageError
from driftcheck.ignore import Target, restrict_plan
from driftcheck.json_data import to_json_data
from driftcheck.model import Definition, SetKey, SetStatus
from driftcheck.plan_model import DestinationPlan, Plan, Status
from driftcheck.wording import account_label

MAX_DESTINATIONS = 10  # per configuration set


class ActionKind(str, Enum):
    CREATE_SET = "create-set"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    def __str__(self) -> str:
        return self.value


_VERBS = {
    ActionKind.CREATE_SET: "create configuration set",
    ActionKind.CREATE: "create event destination",
    ActionKind.UPDATE: "update event destination",
    ActionKind.DELETE: "delete event destination",
}


@dataclass(frozen=True, slots=True)
class ApplyAction:
    """One write: ``destination`` is None for a configuration set's creation."""

    kind: ActionKind
    key: SetKey
    destination: str | None = None
    definition: Definition | None = None  # the complete definition a create or update sends

    @property
    def target(self) -> str:
        """``set`` or ``set/destination`` with its region and API, and its account if any:
        ``tx/a (us-east-1, sesv2) in account prod (111111111111)``."""
        name = self.key.name if self.destination is None else f"{self.key.name}/{self.destination}"
        where = f"{name} ({self.key.region}, {self.key.api.value})"
        if self.key.account:
            where += f" in account {account_label(self.key.account, self.key.account_name)}"
        return where

    def __str__(self) -> str:
        return f"{_VERBS[self.kind]} {self.target}"


def build_actions(
    plan: Plan, *, no_delete: bool = False, targets: Sequence[Target] = ()
) -> tuple[ApplyAction, ...]:
    """The actions of ``plan`` (restricted to ``targets``), grouped by set in plan order.

    UsageError for a target that names no set or destination of the plan.
    """
    for target in targets:
        if not any(target.selects(s.key) for s in plan.sets):
            raise UsageError(f"--target {target}: the plan has no such configuration set")
    plan = restrict_plan(plan, targets)
    managed = [s for s in plan.sets if s.status in (SetStatus.PRESENT, SetStatus.MISSING)]
    rows: dict[SetKey, list[DestinationPlan]] = {s.key: [] for s in managed}
    for row in plan.destinations:
        if row.key in rows:
            rows[row.key].append(row)
    actions: list[ApplyAction] = []
    for set_plan in managed:
        if set_plan.status is SetStatus.MISSING:
            actions.append(ApplyAction(ActionKind.CREATE_SET, set_plan.key))
        actions.extend(_set_actions(rows[set_plan.key], no_delete))
    return tuple(actions)


def _set_actions(rows: list[DestinationPlan], no_delete: bool) -> list[ApplyAction]:
    writes: list[ApplyAction] = []
    deletes: list[ApplyAction] = []
    for row in rows:
        if not row.drifted:
            continue
        if row.status is Status.MISCONFIGURED:
            writes.append(_destination_action(ActionKind.UPDATE, row, update_definition(row)))
        elif row.status is Status.MISSING and row.expected is not None:
            writes.append(_destination_action(ActionKind.CREATE, row, row.expected))
        elif row.status is Status.EXTRA and not no_delete:
            deletes.append(_destination_action(ActionKind.DELETE, row, None))
    live_count = sum(1 for row in rows if row.actual is not None)
    creates = sum(1 for action in writes if action.kind is ActionKind.CREATE)
    if live_count + creates > MAX_DESTINATIONS:
        return deletes + writes
    return writes + deletes


def _destination_action(
    kind: ActionKind, row: DestinationPlan, definition: Definition | None
) -> ApplyAction:
    return ApplyAction(kind, row.key, row.name, definition)


# --- ignored differences keep their live value ---------------------------------------------


def update_definition(row: DestinationPlan) -> dict[str, Any]:
    """The complete definition an update sends: the spec's, except that every ignored
    difference keeps the live side's value (the difference is applied to the spec's side)."""
    definition = row.expected or {}
    for difference in row.differences:
        if difference.ignored:
            try:
                definition = apply_differences(definition, (difference,))
            except PathNotFound:
                continue  # the path does not exist on the spec side: nothing to keep
    data: dict[str, Any] = to_json_data(definition)
    return data
