"""Differences applied to a definition: the check that a plan's differences are the truth.

The plan's differences, applied to the spec side, give the live side (``driftcheck.plan``
trusts deepdiff's explanation only then); ``apply`` builds each update's definition the
same way. Paths are read with :mod:`driftcheck.diffpath`, the owner of their grammar.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from driftcheck.diffpath import KEYED_LISTS, SET_MEMBERS, Key, Path, keyed_items, parse_path
from driftcheck.model import Definition
from driftcheck.plan_model import Difference, DiffType


class PathNotFound(LookupError):
    """A difference whose path does not exist where it is applied."""


def apply_differences(definition: Definition, differences: Sequence[Difference]) -> Any:
    """A copy of the normalised ``definition`` with each difference applied: its path takes
    the difference's ``actual`` side (a removed member or item is dropped, an added one
    inserted, one item added to or removed from a set member).

    The plan's differences applied to the spec side give the live side. :class:`PathNotFound`
    when a path (above its last segment) names nothing in ``definition``.
    """
    result: Any = copy.deepcopy(dict(definition))
    for difference in differences:
        result = _apply(result, parse_path(difference.path), difference)
    return result


def _apply(node: Any, segments: Path, difference: Difference) -> Any:
    """``node`` with ``difference`` applied at ``segments`` below it."""
    if not segments:  # the whole value
        return copy.deepcopy(difference.actual)
    segment, rest = segments[0], segments[1:]
    if isinstance(segment, Key):
        raise PathNotFound(f"{difference.path}: [{segment.value}] is not under a keyed list")
    if not isinstance(node, dict):
        raise PathNotFound(f"{difference.path}: {segment.name} is not under a mapping")
    name = segment.name
    if rest and isinstance(rest[0], Key):
        node[name] = _apply_item(name, node.get(name), rest[0].value, rest[1:], difference)
    elif rest:
        if name not in node:
            raise PathNotFound(f"{difference.path}: no member {name}")
        node[name] = _apply(node[name], rest, difference)
    elif name in SET_MEMBERS and difference.type is not DiffType.NOT_EQUAL:
        items = set(node.get(name, ()))
        if difference.type is DiffType.ADD:
            items.add(difference.actual)
        else:
            items.discard(difference.expected)
        node[name] = sorted(items)
    elif difference.type is DiffType.REMOVE:
        node.pop(name, None)
    else:
        node[name] = copy.deepcopy(difference.actual)
    return node


def _apply_item(member: str, value: Any, key: str, rest: Path, difference: Difference) -> Any:
    items = keyed_items(member, value if value is not None else [])
    if items is None:
        raise PathNotFound(f"{difference.path}: {member} is not a keyed list")
    key_member = KEYED_LISTS[member]
    changed: dict[str, Any] = dict(items)
    if rest:
        if key not in changed:
            raise PathNotFound(f"{difference.path}: no item [{key}]")
        changed[key] = _apply(changed[key], rest, difference)
    elif difference.type is DiffType.REMOVE:
        changed.pop(key, None)
    else:
        changed[key] = copy.deepcopy(difference.actual)
    return sorted(changed.values(), key=lambda item: str(item.get(key_member, "")))
