"""The top level of one spec file (format version 1), checked and turned into model types.

```yaml
version: 1                      # required, must be 1
api: pinpoint-email             # optional: pinpoint-email (default) | sesv2
region: us-east-1               # optional; or
regions: [us-east-1, eu-west-1] #   several regions (not both)
accounts: [prod, staging]       # optional, with --accounts: names in the accounts file,
                                #   or "*" (the default): every account of the run
vars: {name: value}             # optional; scalars only
configuration_sets:             # required
  SET-NAME:
    event_destinations:         # required; {} for a set without destinations
      DESTINATION-NAME: {...}   # an EventDestinationDefinition (see definition.py),
                                # plus IgnoreChanges: [PATH, ...] (see ignore_changes.py)
```

A file is read in two steps: its top level once (:func:`read_top`), then its
``configuration_sets`` once per account and region it covers (:meth:`Document.read_sets`),
with that target's variables (``${account_id}``, ``${account}``, ``${region}``, the account's
``vars``): the loader (:mod:`.loader`) decides the targets.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field

from driftcheck.desired.checker import Checker, closest, quoted_list
from driftcheck.desired.definition import DefinitionChecker
from driftcheck.desired.ignore_changes import read_ignore_changes
from driftcheck.desired.variables import (
    BUILT_IN,
    ENV_PREFIX,
    VARIABLE_NAME,
    Variables,
    redefined,
    references,
)
from driftcheck.desired.yaml_loader import ListNode, MapNode, Node, ScalarNode
from driftcheck.errors import Problem
from driftcheck.model import Api, DesiredDestination, Source
from driftcheck.normalise import normalise_definition

VERSION = 1
DEFAULT_API = Api.PINPOINT_EMAIL
TOP_LEVEL_KEYS = ("version", "api", "region", "regions", "accounts", "vars", "configuration_sets")
SET_KEYS = ("event_destinations",)
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
REGION = re.compile(r"[a-z0-9]+(-[a-z0-9]+)+\Z")
MAX_DESTINATIONS = 10
EVERY_ACCOUNT = "*"
NEEDS_ACCOUNTS = (
    "`accounts` names accounts of the accounts file: pass --accounts FILE "
    "(without it, the specs cover the credentials' own account)"
)


@dataclass(frozen=True)
class SetSpec:
    name: str
    source: Source
    destinations: tuple[DesiredDestination, ...]


@dataclass(frozen=True)
class FileSpec:
    """What one spec file declares for one target (``regions`` None: the file names none)."""

    api: Api
    regions: tuple[str, ...] | None
    sets: tuple[SetSpec, ...]


@dataclass(frozen=True)
class AccountName:
    """An account that a spec's ``accounts`` names, and where."""

    name: str
    source: Source


@dataclass(frozen=True)
class Document:
    """The top level of one spec file, read once; :meth:`read_sets` reads its sets."""

    file: str
    api: Api | None  # None: unknown (reported)
    regions: tuple[str, ...] | None  # None: the file names none (or they were reported)
    accounts: tuple[AccountName, ...] | None  # None: every account (``"*"``, or no `accounts`)
    vars: Mapping[str, str]
    sets_node: Node | None
    # The variable names that ``configuration_sets`` refers to (not ``env:``): the sets read
    # the same for two targets giving these the same values.
    references: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()  # of the top level
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    def read_sets(self, values: Mapping[str, str], unavailable: Mapping[str, str]) -> SetsRead:
        """The sets of ``configuration_sets`` with the variables ``values`` (those of
        ``unavailable`` have no value, for the reason given), and their problems."""
        checker = Checker(self.file, Variables(values, self.environ, unavailable))
        sets: list[SetSpec] = []
        if self.sets_node is not None:
            # With an unknown api (reported), check against sesv2's larger model: no noise.
            sets = _Sets(checker).sets(self.sets_node, self.api or Api.SESV2)
        return SetsRead(tuple(sets), tuple(checker.problems))


@dataclass(frozen=True)
class SetsRead:
    sets: tuple[SetSpec, ...]
    problems: tuple[Problem, ...]


def read_top(
    root: Node,
    file: str,
    cli_vars: Mapping[str, str],
    environ: Mapping[str, str],
    *,
    reserved: Collection[str] = (),
    with_accounts: bool = False,
) -> Document:
    """The top level of the document ``root`` of ``file``.

    ``reserved``: the built-in variables that ``vars`` cannot define; ``with_accounts``:
    whether the run has an accounts file (``accounts`` is a problem without one).
    """
    unavailable = {
        name: f"`${{{name}}}` has a value only inside `configuration_sets` ({meaning})"
        for name, meaning in BUILT_IN.items()
    }
    checker = Checker(file, Variables(cli_vars, environ, unavailable))
    return _Top(checker, cli_vars, reserved, with_accounts).read(root)


def read_document(
    root: Node, file: str, cli_vars: Mapping[str, str], environ: Mapping[str, str]
) -> tuple[FileSpec | None, list[Problem]]:
    """The sets that the document ``root`` of ``file`` declares with the variables
    ``cli_vars`` only (``${region}`` unresolved: a problem), and the problems in it."""
    document = read_top(root, file, cli_vars, environ)
    values = {**document.vars, **cli_vars}
    read = document.read_sets(values, {})
    problems = [*document.problems, *read.problems]
    if problems or document.api is None:
        return None, problems
    return FileSpec(document.api, document.regions, read.sets), []


def read_vars(checker: Checker, node: Node, reserved: Collection[str] = ()) -> dict[str, str]:
    """The variables of the ``vars`` mapping ``node``, as written (problems go to ``checker``).

    ``reserved``: built-in variable names that cannot be defined here."""
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
        elif name in reserved:
            checker.report(key, redefined(name) or name)
        elif not isinstance(value, ScalarNode) or isinstance(value.value, bytes):
            checker.wrong_type(value, f"variable `{name}`", "a string, number or boolean")
        elif value.value is None:
            checker.report(value, f"variable `{name}` has no value")
        else:
            values[name] = value.text
    return values


def read_regions(checker: Checker, node: Node, label: str = "`regions`") -> tuple[str, ...] | None:
    """The regions that the list ``node`` names: not empty, no repetition; None if reported."""
    items = checker.sequence(node, label)
    if items is None:
        return None
    if not items.items:
        checker.report(node, f"{label} must list at least one region")
        return None
    regions: dict[str, Node] = {}
    valid = True
    for item in items.items:
        text = region_name(checker, item, "a region")
        if text is None:
            valid = False
        elif text in regions:
            checker.repeated(item, regions[text], f"region `{text}`", label.strip("`"))
            valid = False
        else:
            regions[text] = item
    return tuple(regions) if valid else None


def region_name(checker: Checker, node: Node, label: str) -> str | None:
    """The region name ``node`` holds, ``${...}`` resolved; None after reporting why not."""
    text = checker.string(node, label)
    if text is not None and not REGION.match(text):
        checker.report(node, f"`{text}` is not an AWS region name (like us-east-1)")
        return None
    return text


def _strings(node: Node) -> Iterator[str]:
    """Every string value under ``node`` (not the keys)."""
    if isinstance(node, MapNode):
        for _, value in node.entries.values():
            yield from _strings(value)
    elif isinstance(node, ListNode):
        for item in node.items:
            yield from _strings(item)
    elif isinstance(node.value, str) and "$" in node.value:
        yield node.value


class _Top:
    def __init__(
        self,
        checker: Checker,
        cli_vars: Mapping[str, str],
        reserved: Collection[str],
        with_accounts: bool,
    ) -> None:
        self.checker = checker
        self.cli_vars = cli_vars
        self.reserved = reserved
        self.with_accounts = with_accounts

    def read(self, root: Node) -> Document:
        checker = self.checker
        file = checker.file
        environ = checker.variables.environ
        top = checker.mapping(
            root, "the spec", "a mapping with `version: 1` and `configuration_sets`"
        )
        if top is None:
            return Document(file, None, None, None, {}, None, problems=tuple(checker.problems))
        entries = top.entries
        checker.unknown_keys(top, "the spec", TOP_LEVEL_KEYS)
        for required in ("version", "configuration_sets"):
            if required not in entries:
                checker.report(top, f"the spec is missing `{required}`")
        file_vars: dict[str, str] = {}
        if "vars" in entries:
            file_vars = read_vars(checker, entries["vars"][1], self.reserved)
            variables = checker.variables
            checker.variables = Variables(
                {**file_vars, **self.cli_vars}, variables.environ, variables.unavailable
            )
        if "version" in entries:
            checker.version(entries["version"][1], VERSION, "spec")
        api = self.api(entries["api"][1]) if "api" in entries else DEFAULT_API
        regions = self.regions(entries)
        accounts = self.accounts(*entries["accounts"]) if "accounts" in entries else None
        sets_node = entries["configuration_sets"][1] if "configuration_sets" in entries else None
        used = frozenset(
            name
            for text in (_strings(sets_node) if sets_node is not None else ())
            for name in references(text)
            if not name.startswith(ENV_PREFIX)
        )
        return Document(
            file,
            api,
            regions,
            accounts,
            file_vars,
            sets_node,
            references=used,
            problems=tuple(checker.problems),
            environ=environ,
        )

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

    def regions(self, entries: dict[str, tuple[ScalarNode, Node]]) -> tuple[str, ...] | None:
        """``region`` as one region, or ``regions``; None when the file names none."""
        checker = self.checker
        if "region" in entries and "regions" in entries:
            checker.report(
                entries["regions"][0],
                "the spec gives both `region` and `regions`; give one (`regions` lists several)",
            )
            return None
        if "region" in entries:
            region = region_name(checker, entries["region"][1], "`region`")
            return None if region is None else (region,)
        if "regions" in entries:
            return read_regions(checker, entries["regions"][1])
        return None

    def accounts(self, key: ScalarNode, node: Node) -> tuple[AccountName, ...] | None:
        """The account names that ``accounts`` lists; None for every account (``"*"``)."""
        checker = self.checker
        if not self.with_accounts:
            checker.report(key, NEEDS_ACCOUNTS)
        if isinstance(node, ScalarNode) and node.value == EVERY_ACCOUNT:
            return None
        if not isinstance(node, ListNode):
            checker.wrong_type(
                node, "`accounts`", 'a list of account names, or "*" for every account'
            )
            return None
        if not node.items:
            checker.report(
                node, '`accounts` must list at least one account (or be "*" for every account)'
            )
            return None
        names: dict[str, Node] = {}
        for item in node.items:
            name = checker.string(item, "an account name")
            if name is None:
                continue
            if name in names:
                checker.repeated(item, names[name], f"account `{name}`", "accounts")
            elif name == EVERY_ACCOUNT and len(node.items) > 1:
                checker.report(
                    item, '`"*"` already means every account: list names, or write `"*"` alone'
                )
            names[name] = item
        if EVERY_ACCOUNT in names:
            return None
        return tuple(
            AccountName(name, Source(checker.file, item.line, item.column))
            for name, item in names.items()
        )


class _Sets:
    """The ``configuration_sets`` of a file, read with one target's variables."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker

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
