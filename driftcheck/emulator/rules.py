"""The service's own rules for writes, beyond what the model's types say.

They apply to API writes and to seed state alike, so that the emulator never holds a
definition the real service would refuse. Each refusal is a ``BadRequestException`` (HTTP 400),
the error both models declare for invalid input ("The input you provided is invalid"):

- exactly one destination block: the service's own message, :data:`ONE_DESTINATION_MESSAGE`
  (quoted by the Terraform AWS provider's issues and by floci's SES emulator, both captured
  from AWS);
- at least one event type (:data:`NO_EVENT_TYPES_MESSAGE`): SES refuses a destination that
  matches no event (SES v1's ``EventDestination`` marks ``MatchingEventTypes`` required; the v2
  models do not, but the service applies the same rule, and a destination that forwards
  nothing is not something AWS stores). The code and status are the models'; the wording of
  the message is ours, as no capture of AWS's own text was found. A write that leaves the
  member out is refused the same way, since an absent list and an empty one are one value on
  the wire;
- names of sets and destinations: 1 to 64 letters, digits, ``-`` and ``_`` (the models' prose);
- event types and dimension sources from the API's enums (the models; botocore does not check
  enums client-side);
- at most :data:`MAX_DIMENSIONS` dimensions, whose names and default values are letters, digits,
  ``_`` and ``-`` (sesv2 default values also ``.`` and ``@``), at most 256 (pinpoint-email
  prose) / 255 (sesv2 prose) characters: the members' documentation, shared with the spec
  checks through :data:`driftcheck.desired.definition.TEXT_RULES`;
- at most :data:`MAX_DESTINATIONS` destinations per set and :data:`MAX_CONFIGURATION_SETS`
  sets per region (``LimitExceededException``, in :mod:`driftcheck.emulator.state`); the SES
  quotas page lists both as not adjustable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from driftcheck.desired.definition import TEXT_RULES
from driftcheck.emulator.schema import ApiSchema
from driftcheck.emulator.wire import BAD_REQUEST, ServiceError

MAX_CONFIGURATION_SETS = 10_000  # per account and region
MAX_DESTINATIONS = 10  # per configuration set
MAX_DIMENSIONS = 10  # per CloudWatch destination

ONE_DESTINATION_MESSAGE = "Please provide only one destination with each request"
NO_EVENT_TYPES_MESSAGE = "MatchingEventTypes must contain at least one event type."

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
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
    defaults to false; at least one event type, stored sorted without duplicates.
    """
    blocks = [name for name in schema.destination_blocks if name in definition]
    if len(blocks) != 1:
        raise ServiceError(BAD_REQUEST, ONE_DESTINATION_MESSAGE)
    block_name = blocks[0]
    block: Mapping[str, Any] = definition[block_name]
    event_types = list(definition.get("MatchingEventTypes", []))
    if not event_types:
        raise ServiceError(BAD_REQUEST, NO_EVENT_TYPES_MESSAGE)
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
    for dimension in dimensions:
        for member in ("DimensionName", "DefaultDimensionValue"):
            # The same rules as specs: each model's prose (sesv2 default values allow . and @).
            rule = TEXT_RULES[schema.api, member]
            text = dimension[member]
            if len(text) > rule.max_length or rule.pattern.match(text) is None:
                raise ServiceError(
                    BAD_REQUEST,
                    f"Invalid {member} {text!r}: use 1 to {rule.max_length} {rule.allowed}.",
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
