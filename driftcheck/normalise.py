"""What "equal" means: the canonical form of an event destination definition.

Two definitions are equal exactly when their normalised forms are ``==``:

- ``Enabled`` is a bool; a missing ``Enabled`` is ``False`` (what SES stores when it is omitted).
- ``MatchingEventTypes`` is a set: duplicates dropped, sorted (the API returns it sorted).
- Enum values use the API's upper snake case; the SES v1 / CloudFormation camelCase
  spellings (``renderingFailure``, ``messageTag``...) are mapped to it.
- ``CloudWatchDestination.DimensionConfigurations`` is identified by ``DimensionName``:
  sorted by it.
- ``Name`` is not part of a definition (it is the destination's key).

Normalising is idempotent (``N(N(x)) == N(x)``) and respects ``==`` (``x == y`` gives
``N(x) == N(y)``): no step looks at a value through ``str()``, ``repr()`` or its type in a
way that tells equal values apart. ``driftcheck.plan`` relies on both to skip normalising a
live definition that is already ``==`` to the spec's normalised one; property tests hold them.

Pure functions only: no I/O, no boto3.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from driftcheck.model import Api, Definition
from driftcheck.service_model import (
    COMMON_MEMBERS,
    destination_blocks,
    event_types,
    member_shape,
)

CLOUDWATCH = "CloudWatchDestination"
DIMENSIONS = "DimensionConfigurations"
DIMENSION_NAME = "DimensionName"
DIMENSION_SOURCE = "DimensionValueSource"

_CAMEL = re.compile(r"^[a-z][a-zA-Z]*$")
_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")
# Spellings found in stale API prose that do not follow the camelCase rule.
STALE_SPELLINGS = {"linkTags": "LINK_TAG"}


def canonical_enum(value: str, allowed: Iterable[str]) -> str | None:
    """``value`` in the API's spelling, or None when it is not one of ``allowed``.

    ``BOUNCE`` and ``bounce`` and ``renderingFailure`` are accepted; ``BOUNCES`` is not.
    """
    allowed_set = allowed if isinstance(allowed, frozenset) else frozenset(allowed)
    if value in allowed_set:
        return value
    candidate = STALE_SPELLINGS.get(value)
    if candidate is None and _CAMEL.match(value):
        candidate = _CAMEL_BOUNDARY.sub("_", value).upper()
    return candidate if candidate in allowed_set else None


def _canonical_or_same(value: Any, allowed: frozenset[str]) -> Any:
    if isinstance(value, str) and value not in allowed:
        return canonical_enum(value, allowed) or value
    return value


def _is_mapping(value: Any) -> bool:
    # a dict first: isinstance against the Mapping ABC is ten times slower, on every value
    return isinstance(value, (dict, Mapping))


def _sorted_mapping(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with its members in name order (names are unique: values are never compared)."""
    return dict(sorted(mapping.items()))


def _normalise_dimension(dimension: Any) -> Any:
    if not _is_mapping(dimension):
        return dimension
    out = _sorted_mapping(dimension)
    if DIMENSION_SOURCE in out:
        out[DIMENSION_SOURCE] = _canonical_or_same(out[DIMENSION_SOURCE], _dimension_sources())
    return out


def _dimension_sort_key(dimension: Any) -> tuple[int, str]:
    """Dimensions by name; anything else (no name a string can be: a spec error) after them,
    in its own order. Never ``str()`` or ``repr()`` of a value: equal values (``1``, ``1.0``,
    ``True``) must sort alike, so that normalising respects ``==`` (see the module's doc)."""
    if _is_mapping(dimension):
        name = dimension.get(DIMENSION_NAME, "")
        if isinstance(name, str):
            return (0, name)
    return (1, "")


def _normalise_block(name: str, block: Any) -> Any:
    if not _is_mapping(block):
        return block
    out = _sorted_mapping(block)
    if name == CLOUDWATCH and isinstance(out.get(DIMENSIONS), list):
        dimensions = [_normalise_dimension(d) for d in out[DIMENSIONS]]
        out[DIMENSIONS] = sorted(dimensions, key=_dimension_sort_key)
    return out


@cache
def _all_event_types() -> frozenset[str]:
    return frozenset(t for api in Api for t in event_types(api))


@cache
def _dimension_sources() -> frozenset[str]:
    _, source_shape = member_shape(Api.SESV2, "CloudWatchDimensionConfiguration", DIMENSION_SOURCE)
    return frozenset(source_shape["enum"])


def normalise_definition(definition: Definition) -> dict[str, Any]:
    """The canonical form of a definition (from a spec or from the API)."""
    enabled = definition.get("Enabled", False)
    out: dict[str, Any] = {
        "Enabled": enabled if isinstance(enabled, bool) else bool(enabled),
        "MatchingEventTypes": _normalise_event_types(definition.get("MatchingEventTypes") or []),
    }
    for name in sorted(definition):
        if name in COMMON_MEMBERS or name == "Name":
            continue
        out[name] = _normalise_block(name, definition[name])
    return out


def _normalise_event_types(matching: Any) -> list[Any]:
    known = _all_event_types()
    try:
        unique = set(matching)
    except TypeError:  # unhashable members: keep only the strings
        unique = {t for t in matching if isinstance(t, str)}
    if not unique <= known:  # the rare path: camelCase spellings, unknown values
        unique = {_canonical_or_same(t, known) for t in unique if isinstance(t, str)}
    return sorted(unique)


def unreadable_type_note(api: Api, definition: Definition) -> str | None:
    """Explain a live destination that has no destination type the chosen API can show.

    botocore silently drops members its model does not know, so an EventBridge destination
    read through pinpoint-email arrives with no destination block at all.
    """
    if any(block in definition for block in destination_blocks(api)):
        return None
    if api is Api.PINPOINT_EMAIL:
        return (
            "the live destination has no destination type that pinpoint-email can show "
            "(probably an EventBridgeDestination, which only sesv2 reads; use `api: sesv2`)"
        )
    return f"the live destination has no destination type that {api.value} can show"
