"""The service's own rules for writes, beyond what the model's types say.

They apply to API writes and to seed state alike, so that the emulator never holds a
definition the real service would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from driftcheck.emulator.schema import ApiSchema
from driftcheck.emulator.wire import BAD_REQUEST, ServiceError

MAX_CONFIGURATION_SETS = 10_000  # per account and region
MAX_DESTINATIONS = 10  # per configuration set
MAX_DIMENSIONS = 10  # per CloudWatch destination

ONE_DESTINATION_MESSAGE = "Please provide only one destination with each request"

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DIMENSION_TEXT = re.compile(r"[A-Za-z0-9_-]+")
# arn:partition:service:region:account:resource (region and account may be empty).
_ARN = re.compile(r"arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:.+")


def is_valid_name(name: str) -> bool:
    """True for a configuration-set or event-destination name the service accepts."""
    return _NAME.fullmatch(name) is not None


def check_name(kind: str, name: str) -> None:
    """Raise BadRequestException unless ``name`` is 1-64 letters, digits, ``-`` or ``_``."""
    if not is_valid_name(name):
        raise ServiceError(
            BAD_REQUEST,
            f"Invalid {kind} name {name!r}: use 1 to 64 letters, digits, hyphens (-) "
            "and underscores (_).",
        )


def clean_definition(schema: ApiSchema, definition: Mapping[str, Any]) -> dict[str, Any]:
    """The definition as the service stores it, or BadRequestException.

    ``definition`` must already fit the model's ``EventDestinationDefinition`` shape. Exactly one
    destination block; event types and dimension sources from the API's enums; ``Enabled``
    defaults to false; ``MatchingEventTypes`` is stored sorted without duplicates.
    """
    blocks = [name for name in schema.destination_blocks if name in definition]
    if len(blocks) != 1:
        raise ServiceError(BAD_REQUEST, ONE_DESTINATION_MESSAGE)
    block_name = blocks[0]
    block: Mapping[str, Any] = definition[block_name]
    event_types = list(definition.get("MatchingEventTypes", []))
    _check_enum("MatchingEventTypes", event_types, schema.event_types)
    for member, value in block.items():
        if member.endswith("Arn"):
            _check_arn(f"{block_name}.{member}", value)
    if "DimensionConfigurations" in block:
        _check_dimensions(schema, block["DimensionConfigurations"])
    return {
        "Enabled": bool(definition.get("Enabled", False)),
        "MatchingEventTypes": sorted(set(event_types)),
        block_name: _plain_copy(block),
    }


def _check_enum(member: str, values: list[str], allowed: frozenset[str]) -> None:
    for value in values:
        if value not in allowed:
            raise ServiceError(
                BAD_REQUEST,
                f"Value {value!r} at {member!r} failed to satisfy constraint: Member must "
                f"satisfy enum value set: [{', '.join(sorted(allowed))}]",
            )


def _check_arn(member: str, value: str) -> None:
    if _ARN.fullmatch(value) is None:
        raise ServiceError(BAD_REQUEST, f"Invalid ARN {value!r} at {member!r}.")


def _check_dimensions(schema: ApiSchema, dimensions: list[Mapping[str, Any]]) -> None:
    if len(dimensions) > MAX_DIMENSIONS:
        raise ServiceError(
            BAD_REQUEST,
            f"A CloudWatch destination can have at most {MAX_DIMENSIONS} dimension "
            f"configurations; got {len(dimensions)}.",
        )
    limit = schema.dimension_max_length
    for dimension in dimensions:
        for member in ("DimensionName", "DefaultDimensionValue"):
            text = dimension[member]
            if len(text) > limit or _DIMENSION_TEXT.fullmatch(text) is None:
                raise ServiceError(
                    BAD_REQUEST,
                    f"Invalid {member} {text!r}: use 1 to {limit} letters, digits, "
                    "hyphens (-) and underscores (_).",
                )
        _check_enum(
            "DimensionValueSource", [dimension["DimensionValueSource"]], schema.dimension_sources
        )


def _plain_copy(value: Any) -> Any:
    """A deep copy of JSON-like data (stored definitions are never shared with callers)."""
    if isinstance(value, Mapping):
        return {key: _plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_copy(item) for item in value]
    return value
