"""Validation of one event destination definition, driven by botocore's service model.

The ``EventDestinationDefinition`` shape of the file's API is walked member by member: the
model gives the member names, types, enums, required members and lengths. On top of the model
(the service's own rules, which the model does not encode):

- ``Enabled`` and ``MatchingEventTypes`` are required (no silent default); required lists
  are not empty; enum lists do not repeat a value (after normalisation);
- exactly one destination block;
- ARNs look like ARNs of the right service (:data:`ARN_KINDS`);
- CloudWatch dimensions: at most 10, unique names, and the character and length rules of
  :data:`TEXT_RULES`.

A ``Name`` member (as in the API's read shape) is tolerated when it equals the destination's
name, so that live JSON can be pasted; a different one is an error. ``IgnoreChanges`` is
driftcheck's own key beside the members (checked in :mod:`.ignore_changes`): it is skipped
here and never part of the definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from driftcheck.desired.checker import Checker, closest, quoted_list
from driftcheck.desired.yaml_loader import ListNode, MapNode, Node, ScalarNode
from driftcheck.errors import DriftcheckError
from driftcheck.model import Api
from driftcheck.normalise import canonical_enum
from driftcheck.service_model import (
    COMMON_MEMBERS,
    DEFINITION_SHAPE,
    Shape,
    all_destination_blocks,
    destination_blocks,
    shape,
)
from driftcheck.wording import plural

ARN_SHAPE = "AmazonResourceName"
ARN = re.compile(
    r"arn:(?P<partition>aws(?:-cn|-us-gov|-iso(?:-[a-z])?|-eusc)?):(?P<service>[a-z0-9-]+)"
    r":(?P<region>[a-z0-9-]*):(?P<account>\d{12})?:(?P<resource>.+)\Z"
)


@dataclass(frozen=True)
class ArnKind:
    service: str
    example: str  # also tells whether the ARN has a region

    @property
    def regional(self) -> bool:
        return ":REGION:" in self.example


# Members ending in ``Arn`` whose service is known; others get the generic syntax check.
ARN_KINDS = {
    "TopicArn": ArnKind("sns", "arn:aws:sns:REGION:ACCOUNT:TOPIC"),
    "DeliveryStreamArn": ArnKind("firehose", "arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME"),
    "IamRoleArn": ArnKind("iam", "arn:aws:iam::ACCOUNT:role/NAME"),
    "EventBusArn": ArnKind("events", "arn:aws:events:REGION:ACCOUNT:event-bus/NAME"),
    "ApplicationArn": ArnKind("mobiletargeting", "arn:aws:mobiletargeting:REGION:ACCOUNT:apps/ID"),
}
GENERIC_ARN = "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"

IGNORE_CHANGES = "IgnoreChanges"
# Keys of a destination beside the model's members; only ``IgnoreChanges`` is suggested for
# a misspelt key (``Name`` is merely tolerated).
SPEC_KEYS = ("Name", IGNORE_CHANGES)
SUGGESTED_SPEC_KEYS = (IGNORE_CHANGES,)


@dataclass(frozen=True)
class TextRule:
    pattern: re.Pattern[str]
    allowed: str  # the allowed characters, for messages
    max_length: int


_DIMENSION_CHARS = "letters, digits, `_` and `-`"
_DIMENSION_TEXT = re.compile(r"[A-Za-z0-9_-]+\Z")
# The API documentation: 256 characters (pinpoint-email) or 255 (sesv2); the sesv2 member
# documentation also allows `.` and `@` in default values.
TEXT_RULES: dict[tuple[Api, str], TextRule] = {
    (Api.PINPOINT_EMAIL, "DimensionName"): TextRule(_DIMENSION_TEXT, _DIMENSION_CHARS, 256),
    (Api.PINPOINT_EMAIL, "DefaultDimensionValue"): TextRule(_DIMENSION_TEXT, _DIMENSION_CHARS, 256),
    (Api.SESV2, "DimensionName"): TextRule(_DIMENSION_TEXT, _DIMENSION_CHARS, 255),
    (Api.SESV2, "DefaultDimensionValue"): TextRule(
        re.compile(r"[A-Za-z0-9_.@-]+\Z"), "letters, digits, `_`, `-`, `.` and `@`", 255
    ),
}
# List shapes with a service limit on their length, and lists of structures identified by a
# member (a repeated value of that member is an error).
MAX_ITEMS = {"CloudWatchDimensionConfigurations": 10}
ITEM_KEYS = {"CloudWatchDimensionConfigurations": "DimensionName"}


class _Invalid:
    """Marks a value that was reported as wrong."""


INVALID = _Invalid()


class DefinitionChecker:
    """Checks definitions for one API, reporting to a file's :class:`Checker`."""

    def __init__(self, checker: Checker, api: Api) -> None:
        self.checker = checker
        self.api = api

    def definition(self, node: Node, name: str) -> dict[str, Any] | None:
        """The definition of destination ``name`` as plain data, or None if it is invalid."""
        label = f"destination `{name}`"
        body = self.checker.mapping(node, label)
        if body is None:
            return None
        entries = body.entries
        if "Name" in entries:
            self.name_member(entries["Name"][1], name)
        value = self.structure(body, DEFINITION_SHAPE, label, COMMON_MEMBERS, SPEC_KEYS)
        blocks = sorted(
            (entries[b][0] for b in all_destination_blocks() if b in entries),
            key=lambda key: (key.line, key.column),
        )
        if not blocks and not self.misspelt_block(entries):
            self.checker.report(
                body,
                f"{label} has no destination block; add one of "
                f"{quoted_list(destination_blocks(self.api))}",
            )
        elif len(blocks) > 1:
            self.checker.report(
                blocks[1],
                f"{label} has {len(blocks)} destination blocks "
                f"({quoted_list((b.text for b in blocks), 'and')}); SES takes exactly one",
            )
        return value if isinstance(value, dict) else None

    def misspelt_block(self, entries: dict[str, Any]) -> bool:
        """Whether an unknown key looks like a destination block (already reported)."""
        members = shape(self.api, DEFINITION_SHAPE)["members"]
        unknown = (key for key in entries if key not in members and key not in SPEC_KEYS)
        return any(closest(key, all_destination_blocks()) for key in unknown)

    def name_member(self, node: Node, name: str) -> None:
        text = self.checker.string(node, "`Name`")
        if text is not None and text != name:
            self.checker.report(
                node,
                f"`Name` is `{text}` but the destination is declared as `{name}`; "
                "remove `Name` or make them equal",
            )

    # --- the model walk ------------------------------------------------------------------

    def value(self, node: Node, shape_name: str, member: str, label: str) -> Any:
        """``node`` as the JSON value of shape ``shape_name``, or INVALID after reporting.

        ``member`` is the structure member that holds the value (or the list of it).
        """
        shape_ = shape(self.api, shape_name)
        kind = shape_["type"]
        if kind == "structure":
            return self.structure(node, shape_name, label)
        if kind == "list":
            return self.sequence(node, shape_name, shape_, member, label)
        if kind == "string":
            return self.string(node, shape_name, shape_, member, label)
        if kind not in _SCALAR_TYPES:
            raise DriftcheckError(f"the service model has a {kind} shape that specs cannot hold")
        expected, python_types = _SCALAR_TYPES[kind]
        if isinstance(node, ScalarNode):
            value = node.value
            if isinstance(value, python_types) and (kind == "boolean") == isinstance(value, bool):
                return value
        self.checker.wrong_type(node, label, expected)
        return INVALID

    def structure(
        self,
        node: Node,
        shape_name: str,
        label: str,
        also_required: tuple[str, ...] = (),
        spec_keys: tuple[str, ...] = (),
    ) -> Any:
        """``spec_keys``: keys beside the members, read elsewhere (skipped here)."""
        body = self.checker.mapping(node, label)
        if body is None:
            return INVALID
        shape_ = shape(self.api, shape_name)
        members: dict[str, Any] = shape_["members"]
        known = [*members, *(k for k in spec_keys if k in SUGGESTED_SPEC_KEYS)]
        out: dict[str, Any] = {}
        for key_text, (key, value_node) in body.entries.items():
            if key_text in spec_keys:
                continue
            if key_text not in members:
                self.unknown_member(key, value_node, shape_name, label, known)
                continue
            value = self.value(value_node, members[key_text]["shape"], key_text, f"`{key_text}`")
            if value is not INVALID:
                out[key_text] = value
        required = (*also_required, *shape_.get("required", ()))
        missing = [m for m in required if m not in body.entries]
        if missing:
            self.checker.report(body, f"{label} is missing {quoted_list(missing, 'and')}")
        for member in required:
            entry = body.entries.get(member)
            if entry is not None and isinstance(entry[1], ListNode) and not entry[1].items:
                self.checker.report(entry[1], f"`{member}` must not be empty")
        return out

    def unknown_member(
        self, key: ScalarNode, value: Node, shape_name: str, label: str, known: list[str]
    ) -> None:
        for other in Api:
            if other is not self.api and key.text in members_of(other, shape_name):
                self.checker.report(
                    key,
                    f"`{key.text}` is not available with api {self.api.value}; "
                    f"use `api: {other.value}`",
                )
                self.checker.check_variables(value)
                return
        self.checker.unknown_key(key, value, label, known)

    def sequence(self, given: Node, shape_name: str, shape_: Shape, member: str, label: str) -> Any:
        node = self.checker.sequence(given, label)
        if node is None:
            return INVALID
        limit = MAX_ITEMS.get(shape_name)
        if limit is not None and len(node.items) > limit:
            self.checker.report(
                node.items[limit],
                f"`{member}` has {len(node.items)} items; SES allows at most {limit}",
            )
        item_shape = shape_["member"]["shape"]
        item_key = ITEM_KEYS.get(shape_name)
        unique = item_key is not None or "enum" in shape(self.api, item_shape)
        out = []
        firsts: dict[Any, Node] = {}
        for item in node.items:
            value = self.value(item, item_shape, member, f"an item of `{member}`")
            if value is INVALID:
                continue
            out.append(value)
            if not unique:
                continue
            identity, where, what = value, item, f"`{value}`"
            if item_key is not None:
                if item_key not in value:
                    continue
                assert isinstance(item, MapNode)
                identity, where = value[item_key], item.entries[item_key][1]
                what = f"`{item_key}` `{identity}`"
            first = firsts.setdefault(identity, where)
            if first is not where:
                self.checker.repeated(where, first, what, member)
        return out

    def string(self, node: Node, shape_name: str, shape_: Shape, member: str, label: str) -> Any:
        text = self.checker.string(node, label)
        if text is None:
            return INVALID
        if "enum" in shape_:
            return self.enum(node, text, shape_name, shape_["enum"], label)
        minimum, maximum = shape_.get("min"), shape_.get("max")
        if minimum is not None and len(text) < minimum:
            self.checker.report(node, f"{label} must have at least {plural(minimum, 'character')}")
            return INVALID
        if maximum is not None and len(text) > maximum:
            self.checker.report(node, f"{label} must have at most {maximum} characters")
            return INVALID
        if shape_name == ARN_SHAPE and member.endswith("Arn"):
            return text if self.arn(node, text, member) else INVALID
        rule = TEXT_RULES.get((self.api, shape_name))
        if rule is not None and not self.text_rule(node, text, rule, label):
            return INVALID
        return text

    def enum(self, node: Node, text: str, shape_name: str, allowed: list[str], label: str) -> Any:
        canonical = canonical_enum(text, allowed)
        if canonical is not None:
            return canonical
        for other in Api:
            if other is not self.api and canonical_enum(text, _enum(other, shape_name)):
                self.checker.report(
                    node,
                    f"`{text}` is not available with api {self.api.value}; "
                    f"use `api: {other.value}`",
                )
                return INVALID
        suggestion = closest(text.upper(), allowed)
        hint = f"did you mean `{suggestion}`?" if suggestion else f"expected {quoted_list(allowed)}"
        self.checker.report(node, f"`{text}` is not a valid value for {label}; {hint}")
        return INVALID

    def arn(self, node: Node, text: str, member: str) -> bool:
        kind = ARN_KINDS.get(member)
        example = kind.example if kind else GENERIC_ARN
        match = ARN.match(text)
        if match is None:
            self.checker.report(node, f"`{member}` must be an ARN like {example}, got `{text}`")
            return False
        problem = None if kind is None else _arn_mismatch(match, kind)
        if problem is not None:
            self.checker.report(node, f"`{member}` must be an ARN like {example}: {problem}")
        return problem is None

    def text_rule(self, node: Node, text: str, rule: TextRule, label: str) -> bool:
        if not rule.pattern.match(text):
            self.checker.report(node, f"{label} may only contain {rule.allowed}, got `{text}`")
            return False
        if len(text) > rule.max_length:
            self.checker.report(
                node, f"{label} must have at most {rule.max_length} characters, got {len(text)}"
            )
            return False
        return True


_SCALAR_TYPES: dict[str, tuple[str, tuple[type, ...]]] = {
    "boolean": ("true or false", (bool,)),
    "integer": ("an integer", (int,)),
    "long": ("an integer", (int,)),
    "float": ("a number", (int, float)),
    "double": ("a number", (int, float)),
}


def _arn_mismatch(match: re.Match[str], kind: ArnKind) -> str | None:
    if match["service"] != kind.service:
        return f"the service is `{match['service']}`, not `{kind.service}`"
    if kind.regional and not match["region"]:
        return "the region is missing"
    if not kind.regional and match["region"]:
        return f"{kind.service} ARNs have no region"
    if match["account"] is None:
        return "the 12-digit account ID is missing"
    return None


def members_of(api: Api, shape_name: str) -> dict[str, Any]:
    """The members of structure ``shape_name`` in ``api``'s model (none without that shape)."""
    try:
        members: dict[str, Any] = shape(api, shape_name).get("members", {})
    except KeyError:
        return {}
    return members


def _enum(api: Api, shape_name: str) -> list[str]:
    try:
        values: list[str] = shape(api, shape_name).get("enum", [])
    except KeyError:
        return []
    return values
