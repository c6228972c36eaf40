"""Compare the desired state with the live state: ``plan(desired, live) -> Plan``.

Pure: no boto3, no printing. Definitions are normalised first (see :mod:`driftcheck.normalise`)
and compared with ``==``; deepdiff runs only on the pairs that still differ, which is what keeps
100,000 destinations fast. deepdiff's tree is translated here into our own
:class:`~driftcheck.plan_model.Difference` values and never leaves this module.

The invariant, held here and not left to a library: a declared and live pair is in sync
exactly when its normalised forms are ``==``; its ``actual`` is always the live definition;
its differences, applied to the spec side, give the live side, and each changes something.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import NotPresent

from driftcheck.differences import PathNotFound, apply_differences
from driftcheck.diffpath import (
    KEYED_LISTS,
    SET_MEMBERS,
    Key,
    Member,
    Path,
    Segment,
    covers,
    format_path,
    keyed_items,
)
from driftcheck.gc_pause import gc_paused
from driftcheck.model import (
    Definition,
    DesiredDestination,
    DesiredSet,
    DesiredState,
    LiveSet,
    LiveState,
    ReadFailure,
    SetKey,
    SetStatus,
)
from driftcheck.normalise import (
    CLOUDWATCH,
    DIMENSIONS,
    normalise_definition,
    unreadable_type_note,
)
from driftcheck.plan_model import (
    Action,
    DestinationPlan,
    Difference,
    DiffType,
    Plan,
    SetPlan,
    Status,
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
    with gc_paused():  # many small objects, no cycles: the collector's passes find nothing
        return _plan(desired, live, strict=strict)


def _plan(desired: DesiredState, live: LiveState, *, strict: bool) -> Plan:
    sets: list[SetPlan] = []
    destinations: list[DestinationPlan] = []
    for desired_set in sorted(desired.sets, key=lambda s: s.key):
        live_set = live.sets.get(desired_set.key) or LiveSet(
            desired_set.key, SetStatus.ERROR, error=NOT_READ
        )
        rows: list[DestinationPlan] = []
        if live_set.status is SetStatus.PRESENT:
            rows = _plan_present_set(desired_set, live_set.destinations)
        elif live_set.status is SetStatus.MISSING:
            rows = [_missing(desired_set, d) for d in desired_set.destinations]
        # every live destination has one row, whose `actual` is its normalised form
        actual = {row.name: row.actual for row in rows if row.actual is not None}
        sets.append(
            SetPlan(
                desired_set.key,
                live_set.status,
                desired_set.source,
                live_set.error,
                fingerprint=_fingerprint(live_set.status, actual),
            )
        )
        destinations.extend(rows)
    sets.extend(_unmanaged(desired, live))
    sets.sort(key=lambda s: s.key)
    return Plan(
        sets=tuple(sets),
        destinations=tuple(destinations),
        strict=strict,
        spec_files=len(desired.files),
    )


def _unmanaged(desired: DesiredState, live: LiveState) -> list[SetPlan]:
    """Listed sets no spec declares. Both APIs act on the same SES sets, so a set declared
    through either API is managed, and a region listed through both reports a set once.
    Each account is listed apart: a set of one account does not manage another's."""
    declared = {(s.key.account, s.key.region, s.key.name) for s in desired.sets}
    names = {s.key.account: s.key.account_name for s in desired.sets}
    found: dict[tuple[str, str, str], SetKey] = {}
    for (account, api, region), names_listed in sorted(live.listed.items()):
        for name in names_listed:
            where = (account, region, name)
            if where not in declared:
                key = SetKey(
                    api, region, name, account=account, account_name=names.get(account, "")
                )
                found.setdefault(where, key)
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
    return any(covers(prefix, path) for prefix in prefixes)


def fingerprint(live_set: LiveSet) -> str | None:
    """A hash of what was read of a set: equal exactly when a re-read finds the same state.

    The normalised destinations of a present set, or the fact that the set is missing;
    None for a set that could not be read. ``apply`` compares these to refuse stale plans.
    """
    return _fingerprint(live_set.status, _normalised(live_set))


def _normalised(live_set: LiveSet) -> dict[str, dict[str, Any]]:
    return {name: normalise_definition(d) for name, d in live_set.destinations.items()}


# compact JSON with every mapping's members in name order: equal states, equal texts
# (normalised definitions are JSON data without cycles: nothing to check for)
_FINGERPRINT_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), check_circular=False)


def _fingerprint(status: SetStatus, normalised: Mapping[str, Definition]) -> str | None:
    if status is SetStatus.ERROR:
        return None
    content = dict(normalised) if status is SetStatus.PRESENT else None
    encoded = _FINGERPRINT_JSON.encode(content)
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
    """Rows of a present set; ``live`` holds its live definitions (as read) by name."""
    key = desired_set.key
    wanted = {d.name: d for d in desired_set.destinations}
    rows: list[DestinationPlan] = []
    for name in sorted(wanted.keys() | live.keys()):
        spec = wanted.get(name)
        if spec is None:
            actual = normalise_definition(live[name])
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
            rows.append(_compared(key, spec, live[name]))
    return rows


def _compared(key: SetKey, spec: DesiredDestination, read: Definition) -> DestinationPlan:
    """The row of a destination that is both declared and live (``read`` as the API gave it).

    The verdict is the normalised forms' ``==`` and nothing else: a pair that differs is
    misconfigured even if no difference could be explained (which :func:`compare` rules
    out), and ``actual`` is the live definition, shared with the spec's only when equal.

    A live definition ``==`` to the spec's normalised one is in sync without being
    normalised itself (most live definitions are, and normalising them all was a third of a
    plan's time): normalising is idempotent and respects ``==`` (``driftcheck.normalise``,
    both property-tested), so ``read == N(spec)`` gives ``N(read) == N(N(spec)) == N(spec)``.
    """
    actual = spec.definition if read == spec.definition else normalise_definition(read)
    if actual == spec.definition:
        return DestinationPlan(
            key=key,
            name=spec.name,
            status=Status.IN_SYNC,
            action=Action.NOOP,
            expected=spec.definition,
            actual=spec.definition,  # equal: share one object, halve the memory
            source=spec.source,
        )
    row = DestinationPlan(
        key=key,
        name=spec.name,
        status=Status.MISCONFIGURED,
        action=Action.UPDATE,
        expected=spec.definition,
        actual=actual,
        differences=compare(spec.definition, actual),
        source=spec.source,
        note=unreadable_type_note(key.api, actual),
    )
    if spec.ignore_changes:
        row = mark_ignored(row, partial(_covered, spec.ignore_changes))
    return row


def compare(expected: Definition, actual: Definition) -> tuple[Difference, ...]:
    """The field-level differences between two *normalised* definitions: none exactly when
    they are ``==``, and never one that is not real.

    deepdiff explains the pair; its explanation is only trusted when the differences, applied
    to ``expected``, give ``actual`` (:func:`~driftcheck.differences.apply_differences`).
    Otherwise (an empty or partial diff, a report type driftcheck does not know) the plain
    structural comparison of :func:`structural_differences` explains it instead, so a pair
    that differs always has at least one difference.
    """
    if expected == actual:
        return ()
    differences = _deepdiff_differences(expected, actual)
    if differences is None or not _explains(expected, actual, differences):
        differences = structural_differences(expected, actual)
    return tuple(sorted(differences, key=_difference_order))


def _explains(expected: Definition, actual: Definition, differences: list[Difference]) -> bool:
    """Whether ``differences`` take ``expected`` to ``actual``, each one changing something."""
    try:
        return (
            bool(differences)
            and apply_differences(expected, differences) == actual
            and all(apply_differences(expected, [d]) != expected for d in differences)
        )
    except PathNotFound:
        return False


# Every DeepDiff option that can hide or merge a difference, set explicitly (deepdiff 8.0 and
# later accept all of them; their defaults have changed between majors before).
_DEEPDIFF_OPTIONS: dict[str, Any] = {
    # `__campaign` is a valid SES dimension name, and dimensions (by name) and event types (by
    # item) are mapping keys here:
    # the default (True) skips every mapping key that starts with "__".
    "ignore_private_variables": False,
    # `Campaign` and `campaign` are two dimension names; ARNs are case-sensitive.
    "ignore_string_case": False,
    # a type change is a change: "1" is not 1, 1.0 is not 1, True is not 1
    "ignore_type_in_groups": None,
    "ignore_numeric_type_changes": False,
    "ignore_string_type_changes": False,
    "ignore_type_subclasses": False,
    # numbers are compared exactly: no rounding, no tolerance, NaN is not equal to itself
    "significant_digits": None,
    "math_epsilon": None,
    "use_log_scale": False,
    "ignore_nan_inequality": False,
    "truncate_datetime": None,
    "ignore_encoding_errors": False,
    # nothing is excluded, nothing is only partially included
    "exclude_paths": None,
    "exclude_regex_paths": None,
    "exclude_types": None,
    "exclude_obj_callback": None,
    "exclude_obj_callback_strict": None,
    "include_paths": None,
    "include_obj_callback": None,
    "include_obj_callback_strict": None,
    "custom_operators": None,
    # order is made irrelevant by _diffable (event types and dimensions keyed), not by deepdiff:
    # its ignore_order pairs items by similarity and reports repetitions in its own way
    "ignore_order": False,
    "ignore_order_func": None,
    "report_repetition": False,
    "iterable_compare_func": None,
    "group_by": None,
    # a list is compared element by element, never zipped over its shorter length
    "zip_ordered_iterables": False,
    # never collapse a mostly-different mapping into one change, never stop early
    "threshold_to_diff_deeper": 0,
    "max_diffs": None,
    "max_passes": 10_000_000,
    "cutoff_distance_for_pairs": 0.3,
    "cutoff_intersection_for_pairs": 0.7,
    "get_deep_distance": False,
    "verbose_level": 1,
    "view": "tree",
}
# deepdiff 9.1 can spread ignore_order's pairing over processes: never (driftcheck does not
# ignore order, and a gate forks nothing behind the user's back). Workers fixed at 1, because
# with None each DeepDiff reads the CPU count from /sys again (a sixth of its setup here).
if "multiprocessing" in inspect.signature(DeepDiff.__init__).parameters:
    _DEEPDIFF_OPTIONS.update(multiprocessing=False, multiprocessing_workers=1)


def _deepdiff_differences(expected: Definition, actual: Definition) -> list[Difference] | None:
    """deepdiff's explanation in our terms; None when it reports something we cannot map
    (a report type driftcheck does not know, or an element of a list by position)."""
    # only the members that differ: deepdiff's paths start at a definition's members, so
    # leaving the equal ones out changes no path, and spares deepdiff hashing the event types
    # (a set) of every pair whose destination block alone changed
    differing = {
        name
        for name in expected.keys() | actual.keys()
        if name not in expected or name not in actual or expected[name] != actual[name]
    }
    tree = DeepDiff(
        _diffable({n: v for n, v in expected.items() if n in differing}),
        _diffable({n: v for n, v in actual.items() if n in differing}),
        **_DEEPDIFF_OPTIONS,
    )
    differences: list[Difference] = []
    for report, levels in tree.items():
        diff_type = _REPORT_TYPES.get(report)
        if diff_type is None:
            return None
        for level in levels:
            path = _path(level.path(output_format="list"))
            if path is None:
                return None
            differences.append(Difference(path, diff_type, _value(level.t1), _value(level.t2)))
    return differences


def structural_differences(expected: Any, actual: Any, path: Path = ()) -> list[Difference]:
    """The differences a plain recursive comparison finds between two normalised values,
    each at the closest path that holds it: a member added, removed or changed; an item of
    a keyed list (by key) added, removed or changed; any other value (a set, an unkeyed
    list, a scalar, the whole definition at worst) as one change. Applied to ``expected``,
    they give ``actual``."""
    if expected == actual:
        return []
    if not (isinstance(expected, Mapping) and isinstance(actual, Mapping)):
        return [Difference(format_path(path), DiffType.NOT_EQUAL, expected, actual)]
    differences: list[Difference] = []
    for name in sorted(expected.keys() | actual.keys(), key=str):
        member = (*path, Member(name))
        if name not in actual:
            differences.append(
                Difference(format_path(member), DiffType.REMOVE, expected[name], None)
            )
        elif name not in expected:
            differences.append(Difference(format_path(member), DiffType.ADD, None, actual[name]))
        else:
            differences.extend(_member_differences(name, expected[name], actual[name], member))
    return differences


def _member_differences(name: str, expected: Any, actual: Any, path: Path) -> list[Difference]:
    exp_items, act_items = keyed_items(name, expected), keyed_items(name, actual)
    if exp_items is None or act_items is None or exp_items == act_items:
        # not two keyed lists, or the same items in another order: one value
        return structural_differences(expected, actual, path)
    differences: list[Difference] = []
    for key in sorted(exp_items.keys() | act_items.keys()):
        item = (*path, Key(key))
        if key not in act_items:
            differences.append(Difference(format_path(item), DiffType.REMOVE, exp_items[key], None))
        elif key not in exp_items:
            differences.append(Difference(format_path(item), DiffType.ADD, None, act_items[key]))
        else:
            differences.extend(structural_differences(exp_items[key], act_items[key], item))
    return differences


def _diffable(definition: Definition) -> dict[str, Any]:
    """A definition in the form whose deepdiff paths read naturally.

    Event types become a mapping of each item to itself (order never matters; an item added
    or removed is reported on its own, and deepdiff compares mappings without hashing every
    item, as it does sets) and a keyed list (dimensions) a mapping keyed by
    ``DimensionName``, so that a dimension is addressed by its name, not its position. A
    list that cannot be keyed (a repeated or missing name) stays a list; deepdiff then
    reports positions, which :func:`_path` refuses, and the structural comparison
    explains the pair instead.
    """
    out = dict(definition)
    if "MatchingEventTypes" in out:
        out["MatchingEventTypes"] = _Items((item, item) for item in out["MatchingEventTypes"])
    cloudwatch = out.get(CLOUDWATCH)
    if isinstance(cloudwatch, Mapping):
        items = keyed_items(DIMENSIONS, cloudwatch.get(DIMENSIONS))
        if items is not None:
            out[CLOUDWATCH] = {**cloudwatch, DIMENSIONS: _Keyed(items)}
    return out


class _Keyed(dict[str, Any]):
    """A keyed list while deepdiff compares it (so that :func:`_value` can undo it)."""


class _Items(dict[Any, Any]):
    """A set member's items, each keyed by itself, while deepdiff compares them."""


def _path(parts: list[Any]) -> str | None:
    """deepdiff's path as ours: ``["CloudWatchDestination", "DimensionConfigurations", "d",
    "X"]`` -> ``...[d].X``; None for a path through a list position."""
    segments: list[Segment] = []
    keyed = False  # the previous part was a keyed list: this one is a key
    for index, part in enumerate(parts):
        if index == 1 and parts[0] in SET_MEMBERS:  # an item: the path names the set itself
            continue
        if not isinstance(part, str):
            return None
        segments.append(Key(part) if keyed else Member(part))
        keyed = not keyed and part in KEYED_LISTS
    return format_path(segments)


def _value(value: Any) -> Any:
    """A deepdiff side back in plain normalised form (undoing :func:`_diffable`)."""
    if isinstance(value, NotPresent):
        return None
    if isinstance(value, _Items):
        return sorted(value)
    if isinstance(value, _Keyed):
        return list(value.values())
    if isinstance(value, Mapping):
        return {k: _value(v) for k, v in value.items()}
    return value


def _difference_order(difference: Difference) -> tuple[str, int, str]:
    return (
        difference.path,
        _TYPE_ORDER[difference.type],
        repr(difference.expected or difference.actual),
    )
