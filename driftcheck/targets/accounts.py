"""The accounts file (``--accounts FILE``): the AWS accounts and regions that one run covers.

Modelled on cloud-custodian's ``c7n-org`` accounts file (account id, role or profile, external
id, regions, vars per account), with the same standard as specs: every problem at once, at
``FILE:LINE:COLUMN``, unknown keys refused with a suggestion.

```yaml
version: 1                        # required, must be 1
defaults:                         # optional: merged into every account, listed or discovered
  role: arn:aws:iam::${account_id}:role/driftcheck-read   # a role to assume with STS
  external_id: ${env:DRIFTCHECK_EXTERNAL_ID}             # optional, only with a role
  regions: [us-east-1]
accounts:                         # NAME: ACCOUNT; a name is 1 to 64 letters, digits, _ or -
  prod:
    account_id: "111111111111"    # required: exactly 12 digits, unique in the file
    regions: [us-east-1, eu-west-1]
    vars: {env: prod}             # spec variables for this account
  staging:
    account_id: "222222222222"
    profile: staging              # a named AWS profile instead of a role
organization:                     # optional: every ACTIVE account of the caller's organization
  role: arn:aws:iam::${account_id}:role/driftcheck-read
  regions: [us-east-1]
  exclude: ["333333333333"]       # account ids left out
```

- ``defaults`` takes ``role``, ``external_id``, ``profile``, ``regions`` and ``vars``; an
  account takes those and ``account_id``; ``organization`` takes ``role``, ``external_id``,
  ``regions`` and ``exclude``. The file needs at least one account or ``organization``.
- Merging: a value an account gives replaces the one of ``defaults``, except ``vars``, merged
  name by name (the account's win). ``organization`` merges with ``defaults`` the same way,
  and its accounts get the ``vars`` of ``defaults``.
- Credentials: each account has exactly one of ``role`` (assumed with STS ``AssumeRole``) and
  ``profile`` (a named profile of the AWS configuration). An account's ``profile`` replaces
  the ``role`` of ``defaults`` and its ``role`` replaces the ``profile`` of ``defaults``;
  one mapping giving both is a problem. ``external_id`` goes with a role (an account using a
  profile ignores the one of ``defaults``); it is a shared secret, never shown in messages
  nor in ``repr``. The accounts of ``organization`` need a role.
- ``role`` is an IAM role ARN, ``arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME``, whose
  ACCOUNT is the account's own 12-digit id or ``${account_id}``: credentials of a role in
  another account would read that other account. ``organization``'s role uses
  ``${account_id}``. ``external_id`` is 2 to 1,224 characters of ``[A-Za-z0-9_+=,.@:/-]``
  (STS's ``ExternalId``: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
- Variables: ``${env:NAME}`` (an environment variable) in any string value, and
  ``${account_id}`` (each account's id) in ``role``, ``external_id`` and ``profile``, as in
  specs (``$${`` is a literal ``${``, but none of those three can hold one, so there
  ``$${account_id}`` is replaced too); ``vars`` values are used as written, and cannot
  define the built-in spec variables ``account_id``, ``account`` and ``region``.
- ``regions``: a non-empty list of region names without repetition; an account without
  ``regions`` takes those of ``defaults``, and one without either is a problem.
- Account ids are exactly 12 digits: quote them. Unquoted, an id is a number to YAML, and a
  leading zero changes it: YAML 1.2 (most editors) reads ``012345678901`` as 12345678901,
  and YAML 1.1 (PyYAML) reads ``012345670123`` (no digit above 7) as the *octal* number
  1402433619. This module reads the digits as written, so an unquoted id still means what
  it says here, but other tools may not.
- Accounts that ``organization`` lists and that ``accounts`` names (same id) are read with
  the settings of ``accounts``; ``exclude`` leaves out accounts the organization lists
  (:meth:`AccountsFile.fleet`).

Parsing is pure and offline: it reads the file and the environment, and makes no API call
(this module never imports boto3 or botocore).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from driftcheck.desired.checker import Checker, closest
from driftcheck.desired.document import read_regions, read_vars
from driftcheck.desired.variables import BUILT_IN, ENV_PREFIX, Unresolved, Variables
from driftcheck.desired.yaml_loader import MapNode, Node, ScalarNode, load_yaml
from driftcheck.errors import Problem, SpecError
from driftcheck.files import read_bytes
from driftcheck.model import Source

VERSION = 1
TOP_LEVEL_KEYS = ("version", "defaults", "accounts", "organization")
DEFAULTS_KEYS = ("role", "external_id", "profile", "regions", "vars")
ACCOUNT_KEYS = ("account_id", *DEFAULTS_KEYS)
ORGANIZATION_KEYS = ("role", "external_id", "regions", "exclude")

ACCOUNT_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
ACCOUNT_ID = re.compile(r"[0-9]{12}\Z")
ACCOUNT_ID_VARIABLE = "account_id"
ACCOUNT_ID_REFERENCE = "${account_id}"
# Group 1: the role's account. IAM names: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
ROLE_ARN = re.compile(
    r"arn:aws[-a-z]*:iam::([0-9]{12}|\$\{account_id\}):role/"
    r"(?:[A-Za-z0-9_+=,.@-]+/)*[A-Za-z0-9_+=,.@-]{1,64}\Z"
)
EXTERNAL_ID = re.compile(r"[A-Za-z0-9_+=,.@:/-]{2,1224}\Z")
EXAMPLE_ID = '"012345678901"'
EXAMPLE_ROLE = "arn:aws:iam::${account_id}:role/NAME"


@dataclass(frozen=True)
class Account:
    """One account to read, with the credentials to read it and its regions."""

    name: str
    account_id: str  # 12 digits
    regions: tuple[str, ...]
    source: Source  # where the account is declared (``organization:`` for listed ones)
    role: str | None = None  # the ARN of the role to assume, ``${account_id}`` replaced
    profile: str | None = None  # or the named profile whose credentials to use
    external_id: str | None = field(default=None, repr=False)  # a secret: never shown
    vars: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    # listed by ``organization`` at run time, not named under ``accounts``: a spec's
    # ``accounts`` cannot name it (``"*"`` covers it), so offline ``validate`` agrees with plan
    from_organization: bool = False


@dataclass(frozen=True)
class OrganizationSource:
    """Every ACTIVE account of the caller's organization but ``exclude``, listed at run time."""

    role: str  # holds ``${account_id}``
    regions: tuple[str, ...]
    source: Source
    exclude: frozenset[str] = frozenset()
    external_id: str | None = field(default=None, repr=False)  # may hold ``${account_id}``
    vars: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def account(self, account_id: str, name: str) -> Account:
        """The account that the organization lists as ``account_id``, named ``name``."""
        external_id = self.external_id
        return Account(
            name,
            account_id,
            self.regions,
            self.source,
            role=_for_account(self.role, account_id),
            external_id=None if external_id is None else _for_account(external_id, account_id),
            vars=self.vars,
            from_organization=True,
        )


@dataclass(frozen=True)
class AccountsFile:
    file: str
    accounts: tuple[Account, ...]  # in file order
    organization: OrganizationSource | None = None

    def account(self, name: str) -> Account | None:
        """The account named ``name`` under ``accounts``, if any."""
        return next((a for a in self.accounts if a.name == name), None)

    def fleet(self, listed: Iterable[tuple[str, str]] = ()) -> tuple[Account, ...]:
        """Every account to read: those under ``accounts``, then those of the organization.

        ``listed`` holds the (account id, name) of each ACTIVE account that the organization
        lists (how they are named is the caller's choice). Left out: those that ``exclude``
        names, and those that ``accounts`` lists (their own settings win). Without
        ``organization``, ``listed`` is ignored.
        """
        organization = self.organization
        if organization is None:
            return self.accounts
        known = {account.account_id for account in self.accounts} | organization.exclude
        found = []
        for account_id, name in listed:
            if account_id not in known:
                known.add(account_id)
                found.append(organization.account(account_id, name))
        return (*self.accounts, *found)


def load_accounts(path: str | Path, *, environ: Mapping[str, str] | None = None) -> AccountsFile:
    """Read and validate the accounts file ``path``; SpecError with every problem found.

    ``${env:NAME}`` reads ``environ`` (default: the process environment).
    """
    file = os.fspath(path)
    try:
        data = read_bytes(Path(path), what="an accounts file")
    except OSError as error:
        message = f"cannot read the file: {error.strerror or error}"
        raise SpecError([Problem(file, 1, 1, message)]) from error
    return parse_accounts(data, file, environ=environ)


def parse_accounts(
    data: bytes, file: str, *, environ: Mapping[str, str] | None = None
) -> AccountsFile:
    """Validate the accounts file ``file`` (a name for messages) whose bytes are ``data``."""
    loaded = load_yaml(data, file)
    problems = list(loaded.problems)
    result = None
    if loaded.root is None:
        if not problems:
            problems.append(
                Problem(
                    file, 1, 1, "the accounts file is empty; it needs `version: 1` and `accounts`"
                )
            )
    else:
        checker = Checker(file, _FileVariables(os.environ if environ is None else environ))
        result = _Reader(checker).read(loaded.root)
        problems.extend(checker.problems)
    if problems or result is None:
        # Problems inside an aliased node are found once per alias: report them once.
        raise SpecError(list(dict.fromkeys(problems)))
    return result


def _empty_mapping(node: Node) -> bool:
    return isinstance(node, MapNode) and not node.entries


def _for_account(template: str, account_id: str) -> str:
    return template.replace(ACCOUNT_ID_REFERENCE, account_id)


class _FileVariables(Variables):
    """``${env:NAME}`` resolved; ``${account_id}`` kept as written, replaced per account."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        super().__init__({ACCOUNT_ID_VARIABLE: ACCOUNT_ID_REFERENCE}, environ)

    def lookup(self, name: str) -> str | Unresolved:
        found = super().lookup(name)
        if not isinstance(found, Unresolved) or not name or name.startswith(ENV_PREFIX):
            return found
        message = (
            f"unknown variable `${{{name}}}`; the accounts file knows only "
            f"`{ACCOUNT_ID_REFERENCE}` and `${{env:NAME}}`"
        )
        if closest(name, [ACCOUNT_ID_VARIABLE]):
            message += f" (did you mean `{ACCOUNT_ID_REFERENCE}`?)"
        return Unresolved(message)


@dataclass(frozen=True)
class _Text:
    value: str  # ``${env:...}`` resolved, ``${account_id}`` kept
    node: Node


@dataclass
class _Settings:
    """What ``defaults``, an account or ``organization`` gives; a value is None if invalid."""

    given: dict[str, ScalarNode] = field(default_factory=dict)  # key -> its key node
    role: _Text | None = None
    external_id: _Text | None = None
    profile: _Text | None = None
    regions: tuple[str, ...] | None = None
    vars: dict[str, str] = field(default_factory=dict)
    exclude: frozenset[str] | None = None
    valid: bool = True  # no problem in a value given

    def pick(self, defaults: _Settings, *names: str) -> _Settings:
        """Whichever of ``self`` and ``defaults`` gives one of ``names`` (``self`` first)."""
        return self if any(n in self.given for n in names) else defaults


class _Reader:
    def __init__(self, checker: Checker) -> None:
        self.checker = checker

    def read(self, root: Node) -> AccountsFile | None:
        checker = self.checker
        top = checker.mapping(
            root, "the accounts file", "a mapping with `version: 1` and `accounts`"
        )
        if top is None:
            return None
        entries = top.entries
        checker.unknown_keys(top, "the accounts file", TOP_LEVEL_KEYS)
        if "version" in entries:
            checker.version(entries["version"][1], VERSION, "accounts file")
        else:
            checker.report(top, "the accounts file is missing `version` (write `version: 1`)")
        defaults = _Settings()
        if "defaults" in entries:
            defaults = self.settings(entries["defaults"][1], "`defaults`", DEFAULTS_KEYS)
        accounts: list[Account] = []
        if "accounts" in entries:
            accounts = self.accounts(entries["accounts"][1], defaults)
        organization = None
        if "organization" in entries:
            organization = self.organization(*entries["organization"], defaults)
        elif "accounts" not in entries or _empty_mapping(entries["accounts"][1]):
            where = entries["accounts"][1] if "accounts" in entries else top
            checker.report(
                where,
                "the accounts file has no account: list some under `accounts`, "
                "or add `organization`",
            )
        return AccountsFile(checker.file, tuple(accounts), organization)

    # --- accounts ------------------------------------------------------------------------

    def accounts(self, node: Node, defaults: _Settings) -> list[Account]:
        checker = self.checker
        body = checker.mapping(node, "`accounts`", "a mapping of account names to accounts")
        if body is None:
            return []
        accounts = []
        first_of: dict[str, tuple[str, ScalarNode, Node]] = {}  # id -> (name, key, id node)
        for name, (key, value) in body.entries.items():
            valid_name = ACCOUNT_NAME.match(name) is not None
            if not valid_name:
                checker.report(
                    key, f"account name `{name}` must be 1 to 64 letters, digits, `_` or `-`"
                )
            label = f"account `{name}`"
            account = checker.mapping(value, label, "a mapping with `account_id`")
            if account is None:
                continue
            own = self.settings(account, label, ACCOUNT_KEYS)
            account_id = None
            if "account_id" not in account.entries:
                checker.report(key, f"{label} is missing `account_id`")
            else:
                id_node = account.entries["account_id"][1]
                account_id = self.account_id(id_node, "`account_id`")
                if account_id is not None:
                    first_name, first_key, first_node = first_of.setdefault(
                        account_id, (name, key, id_node)
                    )
                    if first_name != name:
                        checker.report(
                            key if id_node is first_node else id_node,
                            f"account id {account_id} is also the id of account `{first_name}` "
                            f"(line {first_key.line}, column {first_key.column}); list each "
                            "account once",
                        )
                        continue
            merged = self.merge(name, key, account_id, own, defaults)
            if valid_name and merged is not None:
                accounts.append(merged)
        return accounts

    def merge(
        self,
        name: str,
        key: ScalarNode,
        account_id: str | None,
        own: _Settings,
        defaults: _Settings,
    ) -> Account | None:
        """The account ``name`` (declared at ``key``): its settings merged into ``defaults``."""
        checker = self.checker
        label = f"account `{name}`"
        credentials = own.pick(defaults, "role", "profile")
        if not credentials.given.keys() & {"role", "profile"}:
            checker.report(
                key,
                f"{label} has no credentials: give it a `role` to assume or a `profile`, "
                "or give one under `defaults`",
            )
            return None
        uses_role = "role" in credentials.given
        external_id = own.pick(defaults, "external_id").external_id if uses_role else None
        if not uses_role and "external_id" in own.given and credentials is defaults:
            checker.report(
                own.given["external_id"],
                f"`external_id` goes with a role, and {label} uses the `profile` of `defaults`",
            )
            return None
        regions = self.merged_regions(key, label, own.pick(defaults, "regions"))
        if not (own.valid and defaults.valid) or account_id is None or regions is None:
            return None
        role = profile = None
        if external_id is not None:
            external_id = _Text(_for_account(external_id.value, account_id), external_id.node)
        if credentials.role is not None:
            role = _for_account(credentials.role.value, account_id)
            self.check_role_account(credentials.role, account_id, label)
        if credentials.profile is not None:
            profile = _for_account(credentials.profile.value, account_id)
        return Account(
            name,
            account_id,
            regions,
            Source(checker.file, key.line, key.column),
            role=role,
            profile=profile,
            external_id=external_id.value if external_id else None,
            vars=MappingProxyType({**defaults.vars, **own.vars}),
        )

    def merged_regions(
        self, key: ScalarNode, label: str, settings: _Settings
    ) -> tuple[str, ...] | None:
        if "regions" not in settings.given:
            self.checker.report(
                key, f"{label} has no regions: give it `regions`, or give them under `defaults`"
            )
        return settings.regions

    def check_role_account(self, role: _Text, account_id: str, label: str) -> None:
        match = ROLE_ARN.match(role.value)
        assert match is not None  # only valid roles are kept
        written = match.group(1)
        if written not in (ACCOUNT_ID_REFERENCE, account_id):
            self.checker.report(
                role.node,
                f"the role of {label} ({account_id}) is in account {written}, whose credentials "
                f"would read account {written}; write `{ACCOUNT_ID_REFERENCE}` for the "
                "account's own id",
            )

    # --- organization --------------------------------------------------------------------

    def organization(
        self, key: ScalarNode, node: Node, defaults: _Settings
    ) -> OrganizationSource | None:
        checker = self.checker
        body = checker.mapping(node, "`organization`")
        if body is None:
            return None
        own = self.settings(body, "`organization`", ORGANIZATION_KEYS)
        credentials = own.pick(defaults, "role")
        if "role" not in credentials.given:
            checker.report(
                key,
                "the accounts of `organization` need a `role` to assume: give it one, "
                "or give one under `defaults`",
            )
            return None
        role = credentials.role
        if role is not None:
            match = ROLE_ARN.match(role.value)
            assert match is not None  # only valid roles are kept
            if match.group(1) != ACCOUNT_ID_REFERENCE:
                checker.report(
                    role.node,
                    f"the role of `organization` is in account {match.group(1)}; write "
                    f"`{ACCOUNT_ID_REFERENCE}` to assume it in each account of the organization",
                )
                return None
        external_id = own.pick(defaults, "external_id").external_id
        regions = self.merged_regions(key, "`organization`", own.pick(defaults, "regions"))
        if not (own.valid and defaults.valid) or role is None or regions is None:
            return None
        return OrganizationSource(
            role.value,
            regions,
            Source(checker.file, key.line, key.column),
            exclude=own.exclude or frozenset(),
            external_id=None if external_id is None else external_id.value,
            vars=MappingProxyType(dict(defaults.vars)),
        )

    # --- values --------------------------------------------------------------------------

    def settings(self, node: Node, label: str, keys: tuple[str, ...]) -> _Settings:
        """The settings that the mapping ``node`` (``label`` in messages) gives."""
        checker = self.checker
        body = checker.mapping(node, label)
        if body is None:
            return _Settings(valid=False)
        settings = _Settings({text: key for text, (key, _) in body.entries.items() if text in keys})
        before = len(checker.problems)
        checker.unknown_keys(body, label, keys)
        for text, (_, value) in body.entries.items():
            if text == "role":
                settings.role = self.role(value)
            elif text == "external_id":
                settings.external_id = self.external_id(value)
            elif text == "profile":
                settings.profile = self.profile(value)
            elif text == "regions":
                settings.regions = self.regions(value)
            elif text == "vars":
                settings.vars = read_vars(checker, value, reserved=BUILT_IN)
            elif text == "exclude":
                settings.exclude = self.exclude(value)
        given = settings.given
        if "role" in given and "profile" in given:
            checker.report(
                given["profile"],
                f"{label} gives both `role` and `profile`; give one: a role to assume, "
                "or a profile to use",
            )
        elif "profile" in given and "external_id" in given:
            checker.report(given["external_id"], "`external_id` goes with a role, not a profile")
        settings.valid = len(checker.problems) == before
        return settings

    def role(self, node: Node) -> _Text | None:
        text = self.checker.string(node, "`role`")
        if text is None:
            return None
        if not ROLE_ARN.match(text):
            self.checker.report(
                node, f"`role` must be an IAM role ARN like {EXAMPLE_ROLE}, got `{text}`"
            )
            return None
        return _Text(text, node)

    def external_id(self, node: Node) -> _Text | None:
        text = self.checker.string(node, "`external_id`")
        if text is None:
            return None
        # Every account id has 12 digits: checking with any of them checks them all.
        if not EXTERNAL_ID.match(_for_account(text, "0" * 12)):
            # The value is a secret: not shown.
            self.checker.report(
                node,
                "`external_id` must be 2 to 1,224 letters, digits or `_+=,.@:/-`, as STS requires",
            )
            return None
        return _Text(text, node)

    def profile(self, node: Node) -> _Text | None:
        text = self.checker.string(node, "`profile`")
        if text is None:
            return None
        if not text.strip():
            self.checker.report(node, "`profile` must name an AWS profile, got an empty string")
            return None
        return _Text(text, node)

    def regions(self, node: Node) -> tuple[str, ...] | None:
        return read_regions(self.checker, node)

    def exclude(self, node: Node) -> frozenset[str] | None:
        checker = self.checker
        items = checker.sequence(node, "`exclude`")
        if items is None:
            return None
        ids: dict[str, Node] = {}
        for item in items.items:
            account_id = self.account_id(item, "an account id in `exclude`")
            if account_id is None:
                continue
            if account_id in ids:
                checker.repeated(item, ids[account_id], f"account id {account_id}", "exclude")
            else:
                ids[account_id] = item
        return frozenset(ids)

    def account_id(self, node: Node, label: str) -> str | None:
        """The 12 digits of ``node`` as written, quoted or not (see the module's docstring)."""
        if (
            isinstance(node, ScalarNode)
            and isinstance(node.value, (str, int))
            and not isinstance(node.value, bool)
            and ACCOUNT_ID.match(node.text)
        ):
            return node.text
        if isinstance(node, ScalarNode) and node.text:
            self.checker.report(
                node, f"{label} must be exactly 12 digits, like {EXAMPLE_ID}; got `{node.text}`"
            )
        else:
            self.checker.wrong_type(node, label, f"exactly 12 digits, like {EXAMPLE_ID}")
        return None
