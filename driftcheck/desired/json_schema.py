"""The JSON Schema of a spec file, for editors, generated from the model that validates specs.

    python -m driftcheck.desired.json_schema > driftcheck/desired/schema.json

The committed ``schema.json`` is checked by the tests to equal what this module builds. It
comes from the same sources as validation: botocore's service models, walked as
:mod:`.definition` walks them (members, types, enums, required members, lengths), and the
rules of :mod:`.document`, :mod:`.definition` and :mod:`.ignore_changes` (names, limits,
dimension characters, exactly one destination block, ``IgnoreChanges`` paths). Validation
never imports this module (nor the ``jsonschema`` package).

The spec's ``api`` decides the destination schema: ``if``/``then`` on ``api`` applies the
pinpoint-email one when ``api`` is absent or ``pinpoint-email`` and the sesv2 one for
``sesv2``, so ``EventBridgeDestination`` and ``DELIVERY_DELAY`` are flagged exactly where
``driftcheck validate`` flags them. (A union of both APIs would accept what validate rejects.)

The contract: the schema accepts every spec that ``driftcheck validate`` accepts, and rejects
a part of what it rejects. A string holding a ``${...}`` reference is only checked to be a
string, since its value is known once resolved. What the schema cannot check:

- ARNs beyond being strings (the service, region and account of ``TopicArn``...);
- whether variables resolve (``vars``, ``--var``, ``${env:...}``);
- repetitions that only normalisation reveals (``BOUNCE`` and ``bounce``), and dimensions
  repeating a ``DimensionName`` with other members;
- the same configuration set declared twice (in one directory, across files or APIs);
- `accounts` names: whether the accounts file has them, and ``"*"`` mixed with names;
- ``account_id`` and ``account`` as ``vars`` names: built in only under ``--accounts``;
- a ``Name`` member equal to the destination's key;
- the length of a dimension name inside an ``IgnoreChanges`` path;
- with ``api: ${...}``, anything below ``event_destinations``;
- YAML itself: duplicate keys, tags, alias bombs (JSON Schema sees the loaded data).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from driftcheck.desired.definition import (
    ARN_KINDS,
    ARN_SHAPE,
    GENERIC_ARN,
    IGNORE_CHANGES,
    ITEM_KEYS,
    MAX_ITEMS,
    TEXT_RULES,
)
from driftcheck.desired.document import (
    DEFAULT_API,
    EVERY_ACCOUNT,
    MAX_DESTINATIONS,
    NAME,
    REGION,
    SET_KEYS,
    TOP_LEVEL_KEYS,
    VERSION,
)
from driftcheck.desired.ignore_changes import keyed_lists, static_paths
from driftcheck.desired.variables import VARIABLE_NAME
from driftcheck.errors import DriftcheckError
from driftcheck.model import Api
from driftcheck.normalise import STALE_SPELLINGS, canonical_enum
from driftcheck.service_model import COMMON_MEMBERS, DEFINITION_SHAPE, destination_blocks, shape

SCHEMA_FILE = Path(__file__).with_name("schema.json")
REGENERATE = "python -m driftcheck.desired.json_schema > driftcheck/desired/schema.json"
DRAFT = "http://json-schema.org/draft-07/schema#"

Schema = dict[str, Any]

# The model's scalar types (those :mod:`.definition` accepts) as JSON Schema types.
JSON_TYPES = {
    "boolean": "boolean",
    "integer": "integer",
    "long": "integer",
    "float": "number",
    "double": "number",
}
_REFERENCE = {"$ref": "#/definitions/reference"}
_NAME = {"$ref": "#/definitions/name"}

_DESCRIPTIONS = {
    "Enabled": "Required: whether the destination receives events (true or false).",
    "MatchingEventTypes": (
        "Required, not empty: the event types sent to this destination, in any order "
        "(upper snake case, or the camelCase spelling of SES v1 / CloudFormation)."
    ),
    "Name": "Optional: the destination's name, equal to its key (as in pasted API output).",
    IGNORE_CHANGES: (
        "driftcheck: differences at or under these paths are shown but are not drift. "
        "Paths are dotted member names; a dimension is addressed by name: "
        "CloudWatchDestination.DimensionConfigurations[NAME].DefaultDimensionValue."
    ),
}


def build_schema() -> Schema:
    """The JSON Schema (draft-07) of a spec file."""
    top: Schema = {
        "version": {"type": "integer", "const": VERSION, "description": "Required: must be 1."},
        "api": _expandable(
            {"enum": [api.value for api in Api]},
            description=(
                f"The API to read the destinations with (default {DEFAULT_API.value}); "
                "sesv2 adds EventBridgeDestination, DELIVERY_DELAY and SUBSCRIPTION."
            ),
            default=DEFAULT_API.value,
        ),
        "region": _expandable(
            {"pattern": json_pattern(REGION)},
            description=(
                "The AWS region of every set in the file; else --region or AWS config "
                "(with --accounts, each account's regions)."
            ),
        ),
        "regions": {
            "type": "array",
            "description": "Instead of `region`: the sets are declared in each of these regions.",
            "minItems": 1,
            "uniqueItems": True,
            "items": _expandable({"pattern": json_pattern(REGION)}),
        },
        "accounts": {
            "description": (
                "With --accounts: the accounts (names in the accounts file) to declare the sets "
                'in, or "*" (the default) for every account of the run.'
            ),
            "anyOf": [
                {"const": EVERY_ACCOUNT},
                {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"type": "string", "minLength": 1},
                },
            ],
        },
        "vars": {
            "type": "object",
            "description": (
                "Variables: ${name} is replaced in any string value (an account's vars, then "
                "--var, win); ${region}, ${account_id} and ${account} are built in, and with "
                "--accounts cannot be redefined."
            ),
            "propertyNames": {
                "pattern": json_pattern(VARIABLE_NAME),
            },
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        },
        "configuration_sets": {
            "type": "object",
            "description": "Required: configuration set name -> its event destinations.",
            "propertyNames": _NAME,
            "additionalProperties": {"$ref": "#/definitions/configuration_set"},
        },
    }
    check_keys(top, TOP_LEVEL_KEYS)
    event_destinations: Schema = {
        "event_destinations": {
            "type": "object",
            "description": "Required: destination name -> definition; {} for none.",
            "maxProperties": MAX_DESTINATIONS,
            "propertyNames": _NAME,
            "additionalProperties": {"type": "object"},
        }
    }
    check_keys(event_destinations, SET_KEYS)
    definitions: Schema = {
        "reference": {
            "type": "string",
            "pattern": r"\$\{",
            "description": "A string with a ${...} reference, checked once it is resolved.",
        },
        "name": {"type": "string", "pattern": json_pattern(NAME)},
        "configuration_set": {
            "type": "object",
            "additionalProperties": False,
            "required": list(SET_KEYS),
            "properties": event_destinations,
        },
    }
    for api in Api:
        definitions[f"destination.{api.value}"] = _ShapeWalk(api).destination()
    return {
        "$schema": DRAFT,
        "title": "driftcheck spec",
        "description": (
            "Event destinations of SES configuration sets, as driftcheck compares them with "
            "the live ones. Generated from botocore's service models; `driftcheck validate` "
            "checks more (ARNs, variables, duplicates)."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["version", "configuration_sets"],
        "not": {"required": ["region", "regions"]},
        "properties": top,
        "allOf": [_api_branch(api) for api in Api],
        "definitions": definitions,
    }


def render() -> str:
    """The schema as committed: indented, keys sorted, ending with a newline."""
    return json.dumps(build_schema(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    sys.stdout.write(render())


# --- the destination schema of one API ---------------------------------------------------


class _ShapeWalk:
    """The schema of a definition of one API, walking its model like DefinitionChecker."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def destination(self) -> Schema:
        out = self.structure(DEFINITION_SHAPE, COMMON_MEMBERS)
        out["properties"]["Name"] = {"type": "string", "description": _DESCRIPTIONS["Name"]}
        out["properties"][IGNORE_CHANGES] = self.ignore_changes()
        out["oneOf"] = [{"required": [block]} for block in destination_blocks(self.api)]
        out["description"] = (
            "An event destination: Enabled, MatchingEventTypes and exactly one of "
            + ", ".join(destination_blocks(self.api))
            + "."
        )
        return out

    def value(self, shape_name: str, member: str) -> Schema:
        shape_ = shape(self.api, shape_name)
        kind = shape_["type"]
        if kind == "structure":
            return self.structure(shape_name)
        if kind == "list":
            return self.sequence(shape_name, shape_, member)
        if kind == "string":
            return self.string(shape_name, shape_, member)
        if kind not in JSON_TYPES:
            raise DriftcheckError(f"the service model has a {kind} shape that specs cannot hold")
        return {"type": JSON_TYPES[kind]}

    def structure(self, shape_name: str, also_required: tuple[str, ...] = ()) -> Schema:
        shape_ = shape(self.api, shape_name)
        required = [*also_required, *shape_.get("required", ())]
        properties: Schema = {}
        for member, ref in shape_["members"].items():
            schema = self.value(ref["shape"], member)
            if member in required and schema.get("type") == "array":
                schema["minItems"] = 1
            if member in _DESCRIPTIONS:
                schema["description"] = _DESCRIPTIONS[member]
            properties[member] = schema
        out: Schema = {"type": "object", "additionalProperties": False, "properties": properties}
        if required:
            out["required"] = required
        return out

    def sequence(self, shape_name: str, shape_: Schema, member: str) -> Schema:
        item_shape = shape_["member"]["shape"]
        out: Schema = {"type": "array", "items": self.value(item_shape, member)}
        if shape_name in MAX_ITEMS:
            out["maxItems"] = MAX_ITEMS[shape_name]
        if shape_name in ITEM_KEYS or "enum" in shape(self.api, item_shape):
            out["uniqueItems"] = True  # the validator's check is stricter (after normalising)
        return out

    def string(self, shape_name: str, shape_: Schema, member: str) -> Schema:
        if "enum" in shape_:
            return self.enum(shape_["enum"])
        constraints: Schema = {}
        maximums = [shape_["max"]] if "max" in shape_ else []
        if "min" in shape_:
            constraints["minLength"] = shape_["min"]
        description = None
        rule = TEXT_RULES.get((self.api, shape_name))
        if shape_name == ARN_SHAPE and member.endswith("Arn"):
            kind = ARN_KINDS.get(member)
            description = f"An ARN like {kind.example if kind else GENERIC_ARN}."
        elif rule is not None:
            constraints["pattern"] = json_pattern(rule.pattern)
            maximums.append(rule.max_length)
            description = f"Only {rule.allowed}; at most {rule.max_length} characters."
        if maximums:
            constraints["maxLength"] = min(maximums)
        return _expandable(constraints, description=description)

    def enum(self, allowed: list[str]) -> Schema:
        """The API's values (offered by editors), or their camelCase spellings (accepted)."""
        aliases = [alias for value in allowed for alias in _aliases(value, allowed)]
        choices: list[Schema] = [{"enum": list(allowed)}]
        if aliases:
            alternatives = "|".join(re.escape(alias) for alias in aliases)
            choices.append(
                {"pattern": f"^(?:{alternatives})$", "description": "camelCase spellings"}
            )
        return {"type": "string", "anyOf": [*choices, _REFERENCE]}

    def ignore_changes(self) -> Schema:
        keyed = [
            re.escape(k.path)
            + r"\["
            + (_pattern_body(k.key_rule.pattern) if k.key_rule else r"[^\[\]]+")
            + r"\]"
            + f"(?:\\.(?:{'|'.join(re.escape(m) for m in k.item_members)}))?"
            for k in keyed_lists(self.api)
        ]
        choices: list[Schema] = [{"enum": list(static_paths(self.api))}]
        if keyed:
            choices.append({"pattern": f"^(?:{'|'.join(keyed)})$"})
        return {
            "type": "array",
            "uniqueItems": True,
            "description": _DESCRIPTIONS[IGNORE_CHANGES],
            "items": {"type": "string", "anyOf": [*choices, _REFERENCE]},
        }


# --- helpers -----------------------------------------------------------------------------


def _api_branch(api: Api) -> Schema:
    """Applies ``api``'s destination schema when the spec's ``api`` is (or defaults to) it."""
    condition: Schema = {"properties": {"api": {"const": api.value}}}
    if api is not DEFAULT_API:
        condition["required"] = ["api"]
    destinations = {"additionalProperties": {"$ref": f"#/definitions/destination.{api.value}"}}
    return {
        "if": condition,
        "then": {
            "properties": {
                "configuration_sets": {
                    "additionalProperties": {
                        "properties": {"event_destinations": destinations},
                    }
                }
            }
        },
    }


def _expandable(constraints: Schema, description: str | None = None, **extra: Any) -> Schema:
    """A string that meets ``constraints``, unless it holds a ``${...}`` reference."""
    out: Schema = {"type": "string", **extra}
    if constraints:
        out["anyOf"] = [constraints, _REFERENCE]
    if description:
        out["description"] = description
    return out


def _aliases(value: str, allowed: list[str]) -> list[str]:
    """The other spellings of enum ``value`` that validation accepts (``renderingFailure``)."""
    first, *rest = value.lower().split("_")
    candidates = [first + "".join(part.capitalize() for part in rest)]
    candidates += [stale for stale, canonical in STALE_SPELLINGS.items() if canonical == value]
    return [c for c in candidates if c != value and canonical_enum(c, allowed) == value]


def _pattern_body(regex: re.Pattern[str]) -> str:
    """The body of a pattern used with ``match`` and ending in ``\\Z``."""
    if not regex.pattern.endswith(r"\Z"):
        raise DriftcheckError(f"cannot express the pattern {regex.pattern!r} in the schema")
    return regex.pattern[: -len(r"\Z")]


def json_pattern(regex: re.Pattern[str]) -> str:
    """``regex`` (used with ``match``, ending in ``\\Z``) as an anchored JSON Schema pattern."""
    return f"^(?:{_pattern_body(regex)})$"


def check_keys(schema: Schema, keys: tuple[str, ...]) -> None:
    if tuple(schema) != keys:
        raise DriftcheckError(f"the schema has keys {tuple(schema)}, validation {keys}")


if __name__ == "__main__":
    main()
