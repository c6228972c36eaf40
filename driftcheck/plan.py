"""Compare the desired state with the live state: ``plan(desired, live) -> Plan``.

Pure: no boto3, no printing. Definitions are normalised first (see :mod:`driftcheck.normalise`)
and compared with ``==``; deepdiff runs only on the pairs that still differ, which is what keeps
100,000 destinations fast. deepdiff's tree is translated here into our own
:class:`~driftcheck.model.Difference` values and never leaves this module.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import NotPresent

from driftcheck.model import (
    Action,
    Definition,
    DesiredDestination,
    DesiredSet,
    DesiredState,
    DestinationPlan,
    Difference,
    DiffType,
    LiveSet,
    LiveState,
    Plan,
    ReadFailure,
    SetKey,
    SetPlan,
    SetStatus,
    Status,
)
from driftcheck.normalise import (
    CLOUDWATCH,
    DIMENSION_NAME,
    DIMENSIONS,
    normalise_definition,
    unreadable_type_note,
)

NOT_READ = ReadFailure("NotRead", "the configuration set was not read")

# deepdiff report type -> our difference type (t1 is the spec, t2 the live side).
_REPORT_TYPES = {
    "values_changed": DiffType.NOT_EQUAL,
    "type_changes": DiffType.NOT_EQUAL,
    "dictionary_item_added": DiffType.ADD,
    "dictionary_item_removed": DiffType.REMOVE,
    "iterable_item_added": DiffType.ADD,
    "iterable_item_removed": DiffType.REMOVE,
    "set_item_added": DiffType.ADD,
    "set_item_removed": DiffType.REMOVE,
}
_TYPE_ORDER = {DiffType.REMOVE: 0, DiffType.ADD: 1, DiffType.NOT_EQUAL: 2}


def plan(desired: DesiredState, live: LiveState, *, strict: bool = False) -> Plan:
    """The plan that would bring ``live`` to ``desired``, sorted by api, region, set, name.

    Sets that ``live.listed`` shows in a declared (api, region) but no spec declares are
    unmanaged; with ``strict`` they count as drift.
    """
    sets: list[SetPlan] = []
    destinations: list[DestinationPlan] = []
    for desired_set in sorted(desired.sets, key=lambda s: s.key):
        live_set = live.sets.get(desired_set.key) or LiveSet(
            desired_set.key, SetStatus.ERROR, error=NOT_READ
        )
        actual = _normalised(live_set)
        sets.append(
            SetPlan(
                desired_set.key,
                live_set.status,
                desired_set.source,
                live_set.error,
                fingerprint=_fingerprint(live_set.status, actual),
            )
        )
        if live_set.status is SetStatus.PRESENT:
            destinations.extend(_plan_present_set(desired_set, actual))
        elif live_set.status is SetStatus.MISSING:
            destinations.extend(_missing(desired_set, d) for d in desired_set.destinations)
    sets.extend(_unmanaged(desired, live))
    sets.sort(key=lambda s: s.key)
    return Plan(sets=tuple(sets), destinations=tuple(destinations), strict=strict)


def _unmanaged(desired: DesiredState, live: LiveState) -> list[SetPlan]:
    """Listed sets no spec declares. Both APIs act on the same SES sets, so a set declared
    through either API is managed, and a region listed through both reports a set once."""
    declared = {(s.key.region, s.key.name) for s in desired.sets}
    found: dict[tuple[str, str], SetKey] = {}
    for (api, region), names in sorted(live.listed.items()):
        for name in names:
            if (region, name) not in declared:
                found.setdefault((region, name), SetKey(api, region, name))
    return [SetPlan(key, SetStatus.UNMANAGED, source=None) for key in found.values()]


def mark_ignored(row: DestinationPlan, ignores: Callable[[str], bool]) -> DestinationPlan:
    """``row`` with the differences whose path ``ignores`` accepts marked ignored.

    A misconfigured destination whose differences are all ignored is in sync: nothing
    would be done to it, and its differences stay visible.
    """
    if not row.differences:
        return row
    differences = tuple(
        replace(d, ignored=True) if not d.ignored and ignores(d.path) else d
        for d in row.differences
    )
    if differences == row.differences:
        return row
    if all(d.ignored for d in differences) and row.status is Status.MISCONFIGURED:
        return replace(row, differences=differences, status=Status.IN_SYNC, action=Action.NOOP)
    return replace(row, differences=differences)


def _covered(prefixes: tuple[str, ...], path: str) -> bool:
    return any(path_covers(prefix, path) for prefix in prefixes)


def path_covers(prefix: str, path: str) -> bool:
    """Whether ``prefix`` names ``path`` or a member above it (``SnsDestination`` covers
    ``SnsDestination.TopicArn``; ``...DimensionConfigurations[d]`` covers its fields)."""
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def fingerprint(live_set: LiveSet) -> str | None:
    """A hash of what was read of a set: equal exactly when a re-read finds the same state.

    The normalised destinations of a present set, or the fact that the set is missing;
    None for a set that could not be read. ``apply`` compares these to refuse stale plans.
    """
    return _fingerprint(live_set.status, _normalised(live_set))


def _normalised(live_set: LiveSet) -> dict[str, dict[str, Any]]:
    return {name: normalise_definition(d) for name, d in live_set.destinations.items()}


def _fingerprint(status: SetStatus, normalised: Mapping[str, Definition]) -> str | None:
    if status is SetStatus.ERROR:
        return None
    content = dict(sorted(normalised.items())) if status is SetStatus.PRESENT else None
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()


def _missing(desired_set: DesiredSet, wanted: DesiredDestination) -> DestinationPlan:
    return DestinationPlan(
        key=desired_set.key,
        name=wanted.name,
        status=Status.MISSING,
        action=Action.CREATE,
        expected=wanted.definition,
        actual=None,
        source=wanted.source,
    )


def _plan_present_set(
    desired_set: DesiredSet, live: Mapping[str, Definition]
) -> list[DestinationPlan]:
    """Rows of a present set; ``live`` holds its normalised live definitions by name."""
    key = desired_set.key
    wanted = {d.name: d for d in desired_set.destinations}
    rows: list[DestinationPlan] = []
    actual: Definition
    for name in sorted(wanted.keys() | live.keys()):
        spec = wanted.get(name)
        if spec is None:
            actual = live[name]
            rows.append(
                DestinationPlan(
                    key=key,
                    name=name,
                    status=Status.EXTRA,
                    action=Action.DELETE,
                    expected=None,
                    actual=actual,
                    source=desired_set.source,
                    note=unreadable_type_note(key.api, actual),
                )
            )
        elif name not in live:
            rows.append(_missing(desired_set, spec))
        else:
            actual = live[name]
            differences = compare(spec.definition, actual)
            if not differences:
                actual = spec.definition  # equal: share one object, halve the memory
            row = DestinationPlan(
                key=key,
                name=name,
                status=Status.MISCONFIGURED if differences else Status.IN_SYNC,
                action=Action.UPDATE if differences else Action.NOOP,
                expected=spec.definition,
                actual=actual,
                differences=differences,
                source=spec.source,
                note=unreadable_type_note(key.api, actual) if differences else None,
            )
            if spec.ignore_changes:
                row = mark_ignored(row, partial(_covered, spec.ignore_changes))
            rows.append(row)
    return rows


def compare(expected: Definition, actual: Definition) -> tuple[Difference, ...]:
    """The field-level differences between two *normalised* definitions (none when equal)."""
    if expected == actual:
        return ()
    # threshold_to_diff_deeper=0: never collapse a mostly-different mapping into one change.
    tree = DeepDiff(_diffable(expected), _diffable(actual), view="tree", threshold_to_diff_deeper=0)
    differences: list[Difference] = []
    for report, levels in tree.items():
        if report not in _REPORT_TYPES:
            raise AssertionError(f"deepdiff reported {report!r}, which driftcheck cannot map")
        differences.extend(
            Difference(
                path=_path(level.path(output_format="list")),
                type=_REPORT_TYPES[report],
                expected=_value(level.t1),
                actual=_value(level.t2),
            )
            for level in levels
        )
    return tuple(sorted(differences, key=_difference_order))


def _diffable(definition: Definition) -> dict[str, Any]:
    """A definition in the form whose deepdiff paths read naturally.

    Event types become a set (order never matters) and dimensions a mapping keyed by
    ``DimensionName``, so that a dimension is addressed by its name, not its position.
    """
    out = dict(definition)
    out["MatchingEventTypes"] = frozenset(out.get("MatchingEventTypes", ()))
    cloudwatch = out.get(CLOUDWATCH)
    if isinstance(cloudwatch, Mapping) and isinstance(cloudwatch.get(DIMENSIONS), list):
        out[CLOUDWATCH] = {
            **cloudwatch,
            DIMENSIONS: {_dimension_key(d, i): d for i, d in enumerate(cloudwatch[DIMENSIONS])},
        }
    return out


def _dimension_key(dimension: Any, index: int) -> str:
    if isinstance(dimension, Mapping) and isinstance(dimension.get(DIMENSION_NAME), str):
        return str(dimension[DIMENSION_NAME])
    return f"#{index}"


def _path(parts: list[Any]) -> str:
    """``["CloudWatchDestination", "DimensionConfigurations", "d", "X"]`` -> ``...[d].X``."""
    path = ""
    for depth, part in enumerate(parts):
        if part is None:  # a set item: the path names the set itself
            continue
        in_dimensions = depth == 2 and parts[:2] == [CLOUDWATCH, DIMENSIONS]
        if in_dimensions or isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _value(value: Any) -> Any:
    """A deepdiff side back in plain normalised form (undoing :func:`_diffable`)."""
    if isinstance(value, NotPresent):
        return None
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Mapping) and isinstance(value.get(DIMENSIONS), Mapping):
        return {**value, DIMENSIONS: list(value[DIMENSIONS].values())}
    return value


def _difference_order(difference: Difference) -> tuple[str, int, str]:
    return (
        difference.path,
        _TYPE_ORDER[difference.type],
        repr(difference.expected or difference.actual),
    )
