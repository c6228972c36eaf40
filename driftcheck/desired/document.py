"""The top level of one spec file (format version 1), checked and turned into model types.

```yaml
version: 1                      # required, must be 1
api: pinpoint-email             # optional: pinpoint-email (default) | sesv2
region: us-east-1               # optional
vars: {name: value}             # optional; scalars only
configuration_sets:             # required
  SET-NAME:
    event_destinations:         # required; {} for a set without destinations
      DESTINATION-NAME: {...}   # an EventDestinationDefinition (see definition.py),
                                # plus IgnoreChanges: [PATH, ...] (see ignore_changes.py)
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from driftcheck.desired.checker import Checker, closest, quoted_list
from driftcheck.desired.definition import DefinitionChecker
from driftcheck.desired.ignore_changes import read_ignore_changes
from driftcheck.desired.variables import VARIABLE_NAME, Variables
from driftcheck.desired.yaml_loader import Node, ScalarNode
from driftcheck.errors import Problem
from driftcheck.model import Api, DesiredDestination, Source
from driftcheck.normalise import normalise_definition

VERSION = 1
DEFAULT_API = Api.PINPOINT_EMAIL
TOP_LEVEL_KEYS = ("version", "api", "region", "vars", "configuration_sets")
SET_KEYS = ("event_destinations",)
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
REGION = re.compile(r"[a-z0-9]+(-[a-z0-9]+)+\Z")
MAX_DESTINATIONS = 10


@dataclass(frozen=True)
class SetSpec:
    name: str
    source: Source
    destinations: tuple[DesiredDestination, ...]


@dataclass(frozen=True)
class FileSpec:
    """What one spec file declares (its region is None when the file does not say)."""

    api: Api
    region: str | None
    sets: tuple[SetSpec, ...]


def read_document(
    root: Node, file: str, cli_vars: Mapping[str, str], environ: Mapping[str, str]
) -> tuple[FileSpec | None, list[Problem]]:
    """The sets that the document ``root`` of ``file`` declares, and the problems in it."""
    checker = Checker(file, Variables(cli_vars, environ))
    spec = _Document(checker, cli_vars).read(root)
    if checker.problems:
        return None, checker.problems
    return spec, []


def read_vars(checker: Checker, node: Node) -> dict[str, str]:
    """The variables of the ``vars`` mapping ``node``, as written (problems go to ``checker``)."""
    body = checker.mapping(node, "`vars`")
    if body is None:
        return {}
    values: dict[str, str] = {}
    for name, (key, value) in body.entries.items():
        if not VARIABLE_NAME.match(name):
            checker.report(
                key,
                f"variable name `{name}` must start with a letter or `_` and contain only "
                "letters, digits, `_` and `-`",
            )
        elif not isinstance(value, ScalarNode) or isinstance(value.value, bytes):
            checker.wrong_type(value, f"variable `{name}`", "a string, number or boolean")
        elif value.value is None:
            checker.report(value, f"variable `{name}` has no value")
        else:
            values[name] = value.text
    return values


class _Document:
    def __init__(self, checker: Checker, cli_vars: Mapping[str, str]) -> None:
        self.checker = checker
        self.cli_vars = cli_vars

    def read(self, root: Node) -> FileSpec | None:
        checker = self.checker
        top = checker.mapping(
            root, "the spec", "a mapping with `version: 1` and `configuration_sets`"
        )
        if top is None:
            return None
        entries = top.entries
        checker.unknown_keys(top, "the spec", TOP_LEVEL_KEYS)
        for required in ("version", "configuration_sets"):
            if required not in entries:
                checker.report(top, f"the spec is missing `{required}`")
        if "vars" in entries:
            file_vars = read_vars(checker, entries["vars"][1])
            checker.variables = Variables({**file_vars, **self.cli_vars}, checker.variables.environ)
        if "version" in entries:
            checker.version(entries["version"][1], VERSION, "spec")
        api = self.api(entries["api"][1]) if "api" in entries else DEFAULT_API
        region = self.region(entries["region"][1]) if "region" in entries else None
        sets: list[SetSpec] = []
        if "configuration_sets" in entries:
            # With an unknown api (reported), check against sesv2's larger model: no noise.
            sets = self.sets(entries["configuration_sets"][1], api or Api.SESV2)
        if api is None:
            return None
        return FileSpec(api, region, tuple(sets))

    # --- top-level values ----------------------------------------------------------------

    def api(self, node: Node) -> Api | None:
        text = self.checker.string(node, "`api`")
        if text is None:
            return None
        for api in Api:
            if api.value == text:
                return api
        names = [api.value for api in Api]
        suggestion = closest(text, names)
        hint = f"did you mean `{suggestion}`?" if suggestion else f"use {quoted_list(names)}"
        self.checker.report(node, f"unknown api `{text}`; {hint}")
        return None

    def region(self, node: Node) -> str | None:
        text = self.checker.string(node, "`region`")
        if text is not None and not REGION.match(text):
            self.checker.report(node, f"`{text}` is not an AWS region name (like us-east-1)")
            return None
        return text

    # --- configuration sets --------------------------------------------------------------

    def name(self, key: ScalarNode, what: str) -> bool:
        if NAME.match(key.text):
            return True
        self.checker.report(
            key,
            f"{what} name `{key.text}` must be 1 to 64 letters, digits, `_` or `-`",
        )
        return False

    def sets(self, node: Node, api: Api) -> list[SetSpec]:
        body = self.checker.mapping(node, "`configuration_sets`")
        if body is None:
            return []
        definitions = DefinitionChecker(self.checker, api)
        sets = []
        for name, (key, value) in body.entries.items():
            valid_name = self.name(key, "configuration set")
            destinations = self.set_body(value, name, definitions)
            if valid_name and destinations is not None:
                source = Source(self.checker.file, key.line, key.column)
                sets.append(SetSpec(name, source, destinations))
        return sets

    def set_body(
        self, node: Node, name: str, definitions: DefinitionChecker
    ) -> tuple[DesiredDestination, ...] | None:
        label = f"configuration set `{name}`"
        body = self.checker.mapping(
            node,
            label,
            "a mapping with `event_destinations`",
            "; write `event_destinations: {}` for a set without destinations",
        )
        if body is None:
            return None
        self.checker.unknown_keys(body, label, SET_KEYS)
        if "event_destinations" not in body.entries:
            self.checker.report(
                body,
                f"{label} is missing `event_destinations` (`{{}}` for a set without destinations)",
            )
            return None
        key, value = body.entries["event_destinations"]
        destinations = self.checker.mapping(
            value,
            "`event_destinations`",
            "a mapping of destination names to definitions",
            "; write `{}` for a set without destinations",
        )
        if destinations is None:
            return None
        if len(destinations.entries) > MAX_DESTINATIONS:
            self.checker.report(
                key,
                f"{label} has {len(destinations.entries)} event destinations; "
                f"SES allows at most {MAX_DESTINATIONS}",
            )
        out = []
        for dest_name, (dest_key, dest_value) in destinations.entries.items():
            valid_name = self.name(dest_key, "event destination")
            definition = definitions.definition(dest_value, dest_name)
            ignore_changes = read_ignore_changes(self.checker, definitions.api, dest_value)
            if valid_name and definition is not None and ignore_changes is not None:
                source = Source(self.checker.file, dest_key.line, dest_key.column)
                normalised = normalise_definition(definition)
                out.append(DesiredDestination(dest_name, normalised, source, ignore_changes))
        out.sort(key=lambda d: d.name)
        return tuple(out)
