"""The JSON Schema of the accounts file, for editors, built from the rules of :mod:`.accounts`.

    python -m driftcheck.targets.json_schema > driftcheck/targets/accounts.schema.json

The committed ``accounts.schema.json`` is checked by the tests to equal what this module
builds, from the same keys and patterns as validation (which never imports this module).

The contract, as for the spec schema: the schema accepts every accounts file that validation
accepts, and rejects a part of what it rejects. A string holding a ``${...}`` reference is
only checked to be a string (its value is known once resolved), except that ``${account_id}``
is part of the role pattern. What the schema cannot check:

- whatever comes from merging ``defaults`` into each account: that every account ends up
  with exactly one of ``role`` and ``profile``, and with regions;
- that a role is in the account's own account, and that account ids are unique;
- unquoted account ids: an editor sees a number (``012345678901`` is 12345678901 in
  YAML 1.2), so any integer up to 12 digits is accepted, where validation reads the digits
  as written and wants 12;
- that variables resolve, and ``vars`` values that YAML reads as timestamps;
- YAML itself: duplicate keys, tags, alias bombs (JSON Schema sees the loaded data).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from driftcheck.desired.document import REGION
from driftcheck.desired.json_schema import DRAFT, check_keys, json_pattern
from driftcheck.desired.variables import VARIABLE_NAME
from driftcheck.targets.accounts import (
    ACCOUNT_ID,
    ACCOUNT_ID_REFERENCE,
    ACCOUNT_KEYS,
    ACCOUNT_NAME,
    DEFAULTS_KEYS,
    EXTERNAL_ID,
    ORGANIZATION_KEYS,
    ROLE_ARN,
    TOP_LEVEL_KEYS,
    VERSION,
)

SCHEMA_FILE = Path(__file__).with_name("accounts.schema.json")
REGENERATE = "python -m driftcheck.targets.json_schema > driftcheck/targets/accounts.schema.json"

Schema = dict[str, Any]

_ID = re.escape(ACCOUNT_ID_REFERENCE)  # ``\$\{account_id\}``, valid in ECMA patterns too
# A string with a reference other than ${account_id} (whose place the role pattern knows).
_OTHER_REFERENCE: Schema = {"pattern": r"\$\{(?!account_id\})"}
_ANY_REFERENCE: Schema = {"pattern": r"\$\{"}


def build_schema() -> Schema:
    """The JSON Schema (draft-07) of an accounts file."""
    settings: Schema = {
        "role": {
            "type": "string",
            "anyOf": [{"pattern": json_pattern(ROLE_ARN)}, _OTHER_REFERENCE],
            "description": (
                "An IAM role ARN to assume with STS, in the account itself: "
                "arn:aws:iam::${account_id}:role/NAME."
            ),
        },
        "external_id": {
            "type": "string",
            "anyOf": [{"pattern": json_pattern(EXTERNAL_ID)}, _ANY_REFERENCE],
            "description": "The ExternalId the role's trust policy requires (with a role only).",
        },
        "profile": {
            "type": "string",
            "pattern": r"\S",
            "description": "A named AWS profile whose credentials to use, instead of a role.",
        },
        "regions": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {
                "type": "string",
                "anyOf": [{"pattern": json_pattern(REGION)}, _ANY_REFERENCE],
            },
            "description": "The regions to read (replaces those of `defaults`).",
        },
        "vars": {
            "type": "object",
            "propertyNames": {"pattern": json_pattern(VARIABLE_NAME)},
            "additionalProperties": {"type": ["string", "number", "boolean"]},
            "description": "Spec variables for the account (merged with those of `defaults`).",
        },
    }
    check_keys(settings, DEFAULTS_KEYS)
    one_credential: list[Schema] = [
        {"not": {"required": ["role", "profile"]}},
        {"not": {"required": ["profile", "external_id"]}},
    ]
    account_properties: Schema = {
        "account_id": {"$ref": "#/definitions/account_id"},
        **settings,
    }
    check_keys(account_properties, ACCOUNT_KEYS)
    organization_properties: Schema = {
        "role": {
            "type": "string",
            "anyOf": [
                {"allOf": [{"pattern": json_pattern(ROLE_ARN)}, {"pattern": f"::{_ID}:"}]},
                _OTHER_REFERENCE,
            ],
            "description": (
                "The role to assume in each account of the organization: "
                "arn:aws:iam::${account_id}:role/NAME."
            ),
        },
        "external_id": settings["external_id"],
        "regions": settings["regions"],
        "exclude": {
            "type": "array",
            "uniqueItems": True,
            "items": {"$ref": "#/definitions/account_id"},
            "description": "Ids of accounts of the organization to leave out.",
        },
    }
    check_keys(organization_properties, ORGANIZATION_KEYS)
    top: Schema = {
        "version": {"type": "integer", "const": VERSION, "description": "Required: must be 1."},
        "defaults": {
            "type": "object",
            "additionalProperties": False,
            "properties": settings,
            "allOf": one_credential,
            "description": "Merged into every account (vars name by name).",
        },
        "accounts": {
            "type": "object",
            "propertyNames": {"pattern": json_pattern(ACCOUNT_NAME)},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["account_id"],
                "properties": account_properties,
                "allOf": one_credential,
            },
            "description": "Account name -> account (names as specs refer to them).",
        },
        "organization": {
            "type": "object",
            "additionalProperties": False,
            "properties": organization_properties,
            "description": "Also every ACTIVE account of the caller's AWS organization.",
        },
    }
    check_keys(top, TOP_LEVEL_KEYS)
    return {
        "$schema": DRAFT,
        "title": "driftcheck accounts file",
        "description": (
            "The AWS accounts and regions that driftcheck reads (--accounts FILE); "
            "`driftcheck validate` checks more (merged defaults, role accounts, unique ids)."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["version"],
        "properties": top,
        "anyOf": [
            {"required": ["accounts"], "properties": {"accounts": {"minProperties": 1}}},
            {"required": ["organization"]},
        ],
        "definitions": {
            "account_id": {
                "anyOf": [
                    {"type": "string", "pattern": json_pattern(ACCOUNT_ID)},
                    {"type": "integer", "minimum": 0, "maximum": 10**12 - 1},
                ],
                "description": 'Exactly 12 digits; quote them ("012345678901") to keep a '
                "leading zero.",
            },
        },
    }


def render() -> str:
    """The schema as committed: indented, keys sorted, ending with a newline."""
    return json.dumps(build_schema(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
