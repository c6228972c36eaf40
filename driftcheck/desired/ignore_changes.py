"""``IgnoreChanges``: the differences of one destination that are shown but are not drift.

```yaml
bounce-alerts:
  Enabled: true
  MatchingEventTypes: [BOUNCE]
  SnsDestination: {TopicArn: ...}
  IgnoreChanges: [Enabled, SnsDestination.TopicArn]
```

Each item is a path in the plan's syntax (the ``path`` of a difference): dotted member names
of the ``EventDestinationDefinition`` shape, and an item of a list that is identified by a
member (CloudWatch dimensions, by ``DimensionName``) addressed by that name in brackets:
``CloudWatchDestination.DimensionConfigurations[my-dim].DefaultDimensionValue``. A path
covers the differences at it and under it (``SnsDestination`` covers
``SnsDestination.TopicArn``); there are no wildcards.

Paths are checked by walking the file API's service model, like definitions: every member
must exist, a ``[name]`` is only valid on such a keyed list and must be a valid name for it.
``${...}`` references are resolved first, as in every string of a spec.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache, lru_cache

from driftcheck.desired.checker import Checker, closest, quoted_list
from driftcheck.desired.definition import (
    IGNORE_CHANGES,
    ITEM_KEYS,
    TEXT_RULES,
    TextRule,
    members_of,
)
from driftcheck.desired.yaml_loader import MapNode, Node
from driftcheck.diffpath import Key, Member, PathSyntaxError, child, parse_path, read_loosely
from driftcheck.model import Api
from driftcheck.service_model import DEFINITION_SHAPE, shape

_WILDCARDS = frozenset("*?")


@dataclass(frozen=True)
class KeyedList:
    """A list whose items are addressed by a member's value: ``path[value]``."""

    path: str  # e.g. ``CloudWatchDestination.DimensionConfigurations``
    key_member: str  # e.g. ``DimensionName``
    key_rule: TextRule | None  # the characters and length a key may have
    item_members: tuple[str, ...]  # the members below ``path[value]``


@dataclass(frozen=True)
class _Segment:
    member: str
    key: str | None
    start: int  # where the member name starts in the path
    end: int  # where it ends


def read_ignore_changes(checker: Checker, api: Api, destination: Node) -> tuple[str, ...] | None:
    """The ``IgnoreChanges`` paths of ``destination`` as written (``()`` when it has none),
    or None after reporting what is wrong with them."""
    if not isinstance(destination, MapNode) or IGNORE_CHANGES not in destination.entries:
        return ()
    label = f"`{IGNORE_CHANGES}`"
    node = checker.sequence(destination.entries[IGNORE_CHANGES][1], label)
    if node is None:
        return None
    paths: list[str] = []
    firsts: dict[str, Node] = {}
    valid = True
    for item in node.items:
        path = checker.string(item, f"an item of {label}")
        if path is None:
            valid = False
        elif not path:
            checker.report(item, f"an item of {label} must not be empty")
            valid = False
        elif (problem := path_problem(api, path)) is not None:
            checker.report(item, f"{label} path `{path}`: {problem}")
            valid = False
        elif (first := firsts.setdefault(path, item)) is not item:
            checker.repeated(item, first, f"`{path}`", IGNORE_CHANGES)
            valid = False
        else:
            paths.append(path)
    return tuple(paths) if valid else None


@lru_cache(maxsize=1024)  # specs repeat the same few paths on many destinations
def path_problem(api: Api, path: str) -> str | None:
    """Why ``path`` names no member of ``api``'s definition (None when it names one)."""
    segments = _segments(path)
    if segments is None:
        return f"not a path like {_examples(api)}"
    shape_name = DEFINITION_SHAPE
    walked = ""  # the path up to the current segment
    for segment in segments:
        shape_ = shape(api, shape_name)
        if shape_["type"] != "structure":
            if shape_name in ITEM_KEYS:
                key_member = ITEM_KEYS[shape_name]
                return (
                    f"the items of `{walked}` are addressed by their `{key_member}`: "
                    f"write `{walked}[NAME].{path[segment.start :]}`"
                )
            return f"`{walked}` has no member `{segment.member}`"
        members = shape_["members"]
        if segment.member not in members:
            return _unknown_member(api, path, shape_name, walked, segment)
        target = members[segment.member]["shape"]
        walked = child(walked, Member(segment.member))
        if segment.key is None:
            shape_name = target
            continue
        keyed = {k.path: k for k in keyed_lists(api)}
        if walked not in keyed:
            where = quoted_list(keyed, "or") if keyed else "a keyed list"
            return f"`[{segment.key}]` is only valid after {where}"
        problem = _key_problem(keyed[walked], segment.key)
        if problem is not None:
            return problem
        walked = child(walked, Key(segment.key))
        shape_name = shape(api, target)["member"]["shape"]
    try:  # read loosely above, for messages; the plan matches it strictly
        parse_path(path)
    except PathSyntaxError:
        return f"not a path like {_examples(api)}"
    return None


@cache
def static_paths(api: Api) -> tuple[str, ...]:
    """Every path without a ``[name]``, in model order: what a path may start with."""
    paths: list[str] = []

    def walk(shape_name: str, prefix: str) -> None:
        for member, ref in shape(api, shape_name)["members"].items():
            path = f"{prefix}.{member}" if prefix else member
            paths.append(path)
            if shape(api, ref["shape"])["type"] == "structure":
                walk(ref["shape"], path)

    walk(DEFINITION_SHAPE, "")
    return tuple(paths)


@cache
def keyed_lists(api: Api) -> tuple[KeyedList, ...]:
    """The lists of ``api``'s definition whose items a path addresses by name."""
    found: list[KeyedList] = []
    for path in static_paths(api):
        *parents, member = path.split(".")
        shape_name = DEFINITION_SHAPE
        for parent in parents:
            shape_name = shape(api, shape_name)["members"][parent]["shape"]
        target = shape(api, shape_name)["members"][member]["shape"]
        if target not in ITEM_KEYS:
            continue
        item = shape(api, shape(api, target)["member"]["shape"])
        key_member = ITEM_KEYS[target]
        key_shape = item["members"][key_member]["shape"]
        found.append(
            KeyedList(path, key_member, TEXT_RULES.get((api, key_shape)), tuple(item["members"]))
        )
    return tuple(found)


# --- helpers -----------------------------------------------------------------------------


def _segments(path: str) -> list[_Segment] | None:
    """The segments of ``path`` (see :mod:`driftcheck.diffpath`), each member with the key
    that follows it; None when it is not ``Member[key].Member...``."""
    try:
        spans = read_loosely(path)
    except PathSyntaxError:
        return None
    segments: list[_Segment] = []
    for segment, start, end in spans:
        if isinstance(segment, Member):
            segments.append(_Segment(segment.name, None, start, end))
        elif segments[-1].key is None:  # the grammar puts a member first
            segments[-1] = replace(segments[-1], key=segment.value)
        else:
            return None  # two keys in a row
    return segments or None


def _examples(api: Api) -> str:
    examples = ["`SnsDestination.TopicArn`"]
    examples += [f"`{k.path}[NAME].{k.item_members[-1]}`" for k in keyed_lists(api)]
    return " or ".join(examples)


def _unknown_member(api: Api, path: str, shape_name: str, walked: str, segment: _Segment) -> str:
    member = segment.member
    where = f"`{walked}`" if walked else "a destination"
    for other in Api:
        if other is not api and member in members_of(other, shape_name):
            return f"`{member}` is not available with api {api.value}; use `api: {other.value}`"
    members = list(members_of(api, shape_name))
    suggestion = closest(member, members)
    if suggestion is not None:
        fixed = path[: segment.start] + suggestion + path[segment.end :]
        return f"`{member}` is not a member of {where}; did you mean `{fixed}`?"
    if not walked:  # a member written without its block: `TopicArn`
        leaves = [p for p in static_paths(api) if p.endswith(f".{member}")]
        if leaves:
            fixed = leaves[0] + path[segment.end :]
            return f"`{member}` is not a member of {where}; did you mean `{fixed}`?"
    return f"`{member}` is not a member of {where}; expected {quoted_list(members)}"


def _key_problem(keyed: KeyedList, key: str) -> str | None:
    if not key:
        return f"the `{keyed.key_member}` in `{keyed.path}[]` is empty"
    rule = keyed.key_rule
    if rule is None:
        return None
    if not rule.pattern.match(key):
        hint = "; paths take no wildcards" if _WILDCARDS & set(key) else ""
        return (
            f"`{key}` is not a valid `{keyed.key_member}`: it may only contain {rule.allowed}{hint}"
        )
    if len(key) > rule.max_length:
        return f"a `{keyed.key_member}` has at most {rule.max_length} characters, got {len(key)}"
    return None
