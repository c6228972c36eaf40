"""The emulated estate: account → region → configuration set → destination name → definition.

:class:`State` holds one account's sets; :class:`Fleet` holds every account's :class:`State`
and the estate's configuration (accounts, roles, organization, STS credential lifetime). Each
is thread-safe with one lock, held only for dictionary work (never while sleeping or encoding
JSON). Stored definitions are never mutated in place (an update replaces the whole
definition), so a reader may serialise what it got after releasing the lock.

A state document (seed file, ``reset`` body, :meth:`Fleet.dump`) has this shape::

    {"version": 1,
     "regions": {"us-east-1": {"<set>": {"<destination>": {<definition>}}}},
     "accounts": {"111111111111": {"name": "prod", "email": "prod@example.com",
                                   "status": "ACTIVE", "joined_method": "CREATED",
                                   "joined_timestamp": "2020-01-01T00:00:00Z",
                                   "regions": {...},
                                   "roles": {"driftcheck-read": {"external_id": "s3cret"},
                                             "locked": {"denied": true}}}},
     "organization": {"enabled": true, "management_account": "123456789012",
                      "delegated_administrators": []},
     "sts": {"credential_lifetime_seconds": 3600}}

where a definition is an ``EventDestinationDefinition`` as the API returns it, without ``Name``.
Only ``version`` is required. The top-level ``regions`` are the sets of the default account
(``identity.DEFAULT_ACCOUNT``, the account of every key nobody registered), so a document
without ``accounts`` is the single-account format of before. Every member of an account entry
is optional (defaults: name ``account-<id>``, ACTIVE, CREATED, 2020-01-01, no sets, every role:
see :mod:`driftcheck.emulator.accounts` for the trust and organization defaults). ``sts``:
see :mod:`driftcheck.emulator.sts`.

The other options of a configuration set (``Tags``, ``SendingOptions``... as given to
CreateConfigurationSet) are kept for GetConfigurationSet, but are not part of state documents:
driftcheck reads event destinations only, and seeds describe those.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from driftcheck.emulator.accounts import (
    ACCOUNT_ID,
    DEFAULT_SESSION_SECONDS,
    JOINED_METHODS,
    ROLE_NAME,
    STATUSES,
    Account,
    Organization,
    Role,
    default_account,
)
from driftcheck.emulator.identity import DEFAULT_ACCOUNT
from driftcheck.emulator.rules import (
    MAX_CONFIGURATION_SETS,
    MAX_DESTINATIONS,
    check_name,
    clean_definition,
)
from driftcheck.emulator.schema import api_schema
from driftcheck.emulator.wire import (
    ALREADY_EXISTS,
    LIMIT_EXCEEDED,
    NOT_FOUND,
    ServiceError,
)
from driftcheck.errors import EmulatorError
from driftcheck.model import Api

STATE_VERSION = 1
DEFAULT_REGION = "us-east-1"

Definition = dict[str, Any]
Sets = dict[str, dict[str, Definition]]  # set name -> destination name -> definition
Regions = dict[str, Sets]


class State:
    """Every configuration set of every region of one account, shared by both APIs."""

    def __init__(self, regions: Regions | None = None) -> None:
        self._lock = threading.Lock()
        self._regions: Regions = {}
        self._sorted: dict[str, list[str]] = {}  # region -> sorted set names (a cache)
        self._options: dict[tuple[str, str], dict[str, Any]] = {}  # (region, set) -> options
        self.replace(regions or {})

    def replace(self, regions: Regions) -> None:
        """Drop everything and hold ``regions`` (already validated, e.g. by :func:`parse_state`)."""
        with self._lock:
            self._regions = {
                region: {name: dict(dests) for name, dests in sets.items()}
                for region, sets in regions.items()
            }
            self._sorted = {}
            self._options = {}

    def dump(self) -> dict[str, Any]:
        """A state document of everything held (empty regions left out)."""
        with self._lock:
            regions = {
                region: {name: dict(dests) for name, dests in sorted(sets.items())}
                for region, sets in sorted(self._regions.items())
                if sets
            }
        # Definitions are immutable once stored: a JSON round trip copies them outside the lock.
        copied: dict[str, Any] = json.loads(json.dumps(regions))
        return {"version": STATE_VERSION, "regions": copied}

    # --- configuration sets --------------------------------------------------------------

    def create_set(self, region: str, name: str, options: Mapping[str, Any] | None = None) -> None:
        """Create an empty set; ``options`` (validated JSON-like data) are kept as given."""
        with self._lock:
            sets = self._regions.setdefault(region, {})
            if name in sets:
                raise ServiceError(ALREADY_EXISTS, f"Configuration set {name} already exists.")
            if len(sets) >= MAX_CONFIGURATION_SETS:
                raise ServiceError(
                    LIMIT_EXCEEDED,
                    f"Maximum number of configuration sets ({MAX_CONFIGURATION_SETS}) "
                    f"reached in {region}.",
                )
            sets[name] = {}
            self._sorted.pop(region, None)
            if options:
                self._options[region, name] = json.loads(json.dumps(options))

    def delete_set(self, region: str, name: str) -> None:
        with self._lock:
            self._set(region, name)
            del self._regions[region][name]
            self._sorted.pop(region, None)
            self._options.pop((region, name), None)

    def set_options(self, region: str, name: str) -> dict[str, Any]:
        """The options the set was created with (a copy); NotFoundException when it is missing."""
        with self._lock:
            self._set(region, name)
            options = self._options.get((region, name), {})
        copied: dict[str, Any] = json.loads(json.dumps(options))  # never mutated once stored
        return copied

    def list_sets(
        self, region: str, after: str | None, limit: int, contains: str | None = None
    ) -> tuple[list[str], bool]:
        """Up to ``limit`` set names sorted, those after ``after``; and whether more follow."""
        with self._lock:
            names = self._sorted.get(region)
            if names is None:
                names = self._sorted[region] = sorted(self._regions.get(region, {}))
        # The cached list is replaced, never mutated: safe to read without the lock.
        start = 0 if after is None else bisect.bisect_right(names, after)
        page: list[str] = []
        for name in names[start:] if contains is None else _containing(names[start:], contains):
            if len(page) == limit:
                return page, True
            page.append(name)
        return page, False

    # --- event destinations --------------------------------------------------------------

    def destinations(self, region: str, set_name: str) -> list[Definition]:
        """The destinations of a set, each as the API returns it (with ``Name``), in order."""
        with self._lock:
            dests = self._set(region, set_name)
            return [{"Name": name, **definition} for name, definition in dests.items()]

    def create_destination(
        self, region: str, set_name: str, name: str, definition: Definition
    ) -> None:
        with self._lock:
            dests = self._set(region, set_name)
            if name in dests:
                raise ServiceError(
                    ALREADY_EXISTS,
                    f"Event destination {name} already exists in configuration set {set_name}.",
                )
            if len(dests) >= MAX_DESTINATIONS:
                raise ServiceError(
                    LIMIT_EXCEEDED,
                    f"Maximum number of event destinations ({MAX_DESTINATIONS}) reached "
                    f"for configuration set {set_name}.",
                )
            dests[name] = definition

    def update_destination(
        self, region: str, set_name: str, name: str, definition: Definition
    ) -> None:
        with self._lock:
            dests = self._destination(region, set_name, name)
            dests[name] = definition

    def delete_destination(self, region: str, set_name: str, name: str) -> None:
        with self._lock:
            dests = self._destination(region, set_name, name)
            del dests[name]

    # --- lookups (the caller holds the lock) ---------------------------------------------

    def _set(self, region: str, name: str) -> dict[str, Definition]:
        dests = self._regions.get(region, {}).get(name)
        if dests is None:
            raise ServiceError(NOT_FOUND, f"Configuration set {name} does not exist.")
        return dests

    def _destination(self, region: str, set_name: str, name: str) -> dict[str, Definition]:
        dests = self._set(region, set_name)
        if name not in dests:
            raise ServiceError(
                NOT_FOUND,
                f"Event destination {name} does not exist in configuration set {set_name}.",
            )
        return dests


def _containing(names: list[str], text: str) -> list[str]:
    return [name for name in names if text in name]


# --- every account ------------------------------------------------------------------------


@dataclass(frozen=True)
class FleetConfig:
    """What a state document says besides the sets: accounts, organization, STS."""

    accounts: Mapping[str, Account] = field(default_factory=dict)  # declared under "accounts"
    organization_setting: Organization | None = None  # None: the default (accounts.py)
    credential_lifetime: int | None = None  # seconds; None: as AssumeRole asks (sts.py)

    @property
    def organization(self) -> Organization:
        if self.organization_setting is not None:
            return self.organization_setting
        return Organization(enabled=bool(self.accounts))

    def account(self, account_id: str) -> Account | None:
        """The account ``account_id`` if it is in the state (the default account always is)."""
        found = self.accounts.get(account_id)
        if found is None and account_id == DEFAULT_ACCOUNT:
            return default_account(account_id)
        return found

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.organization_setting is not None:
            out["organization"] = self.organization_setting.to_json()
        if self.credential_lifetime is not None:
            out["sts"] = {"credential_lifetime_seconds": self.credential_lifetime}
        return out


@dataclass(frozen=True)
class StateDocument:
    """A validated state document: each account's sets, and the configuration."""

    sets: Mapping[str, Regions] = field(default_factory=dict)  # account id -> its regions
    config: FleetConfig = field(default_factory=FleetConfig)


class Fleet:
    """Every account's :class:`State` (made on first use), and the :class:`FleetConfig`."""

    def __init__(self, document: StateDocument | None = None) -> None:
        self._lock = threading.Lock()
        self.replace(document or StateDocument())

    def replace(self, document: StateDocument) -> None:
        """Drop everything and hold ``document`` (validated, e.g. by :func:`parse_state`)."""
        states = {account_id: State(regions) for account_id, regions in document.sets.items()}
        with self._lock:
            self._states = states
            self._config = document.config

    @property
    def config(self) -> FleetConfig:
        return self._config  # immutable, replaced whole

    def account(self, account_id: str) -> State:
        """The sets of ``account_id`` (an account first used is empty)."""
        with self._lock:
            found = self._states.get(account_id)
            if found is None:
                found = self._states[account_id] = State()
            return found

    def dump(self) -> dict[str, Any]:
        """A state document of everything held (empty regions and accounts left out).

        An account that was not declared but got sets (a registered key of another account
        wrote them) is dumped with its sets only; reloaded, it is a declared account.
        """
        with self._lock:
            states = dict(self._states)
            config = self._config
        default = states.pop(DEFAULT_ACCOUNT, None)
        document: dict[str, Any] = {
            "version": STATE_VERSION,
            "regions": {} if default is None else default.dump()["regions"],
        }
        accounts: dict[str, Any] = {}
        for account_id in sorted(set(config.accounts) | set(states)):
            regions = states[account_id].dump()["regions"] if account_id in states else {}
            declared = config.accounts.get(account_id)
            entry = {} if declared is None else declared.to_json()
            if regions:
                entry["regions"] = regions
            if entry:
                accounts[account_id] = entry
        if accounts:
            document["accounts"] = accounts
        return {**document, **config.to_json()}


# --- state documents ---------------------------------------------------------------------


def parse_state(document: Any, origin: str) -> StateDocument:
    """Validate a state document with the rules of API writes; EmulatorError names ``origin``.

    Seeds are checked against sesv2 (the larger model) because the state is shared by both APIs.
    """
    try:
        return _parse_document(document)
    except _Invalid as e:
        raise EmulatorError(f"{origin} is invalid: {e}.") from None


def read_state_file(path: str | Path) -> StateDocument:
    """The validated content of a state file; EmulatorError naming the file otherwise."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise EmulatorError(f"Cannot read emulator state file {path}: {reason}.") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise EmulatorError(
            f"Emulator state file {path} is not valid JSON: {e.msg} at line {e.lineno}, "
            f"column {e.colno}."
        ) from None
    return parse_state(document, f"Emulator state file {path}")


class _Invalid(Exception):
    """A problem in a state document, with the dotted location in it."""


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Invalid(f"{where} must be a JSON object")
    return value


def _parse_document(document: Any) -> StateDocument:
    root = _mapping(document, "the document")
    _known(root, _TOP_LEVEL, "top-level key")
    if root.get("version") != STATE_VERSION:
        raise _Invalid(f'"version" must be {STATE_VERSION}')
    sets = {DEFAULT_ACCOUNT: _parse_regions(root.get("regions", {}), "regions")}
    accounts: dict[str, Account] = {}
    for account_id, entry in _mapping(root.get("accounts", {}), '"accounts"').items():
        where = f"accounts.{account_id}"
        if not ACCOUNT_ID.fullmatch(account_id):
            raise _Invalid(f"{where}: an account id is 12 digits")
        entry = _mapping(entry, where)
        _known(entry, _ACCOUNT_KEYS, f"key of {where}")
        if "regions" in entry:
            if account_id == DEFAULT_ACCOUNT:
                raise _Invalid(f"{where}: the default account's sets go in the top-level regions")
            sets[account_id] = _parse_regions(entry["regions"], f"{where}.regions")
        accounts[account_id] = _parse_account(account_id, entry, where)
    organization = None
    if "organization" in root:
        organization = _parse_organization(_mapping(root["organization"], '"organization"'))
    lifetime = None
    if "sts" in root:
        sts = _mapping(root["sts"], '"sts"')
        _known(sts, {"credential_lifetime_seconds"}, "key of sts")
        if "credential_lifetime_seconds" in sts:
            lifetime = _integer(sts, "credential_lifetime_seconds", "sts", 0, minimum=1)
    return StateDocument(sets, FleetConfig(accounts, organization, lifetime))


_TOP_LEVEL = {"version", "regions", "accounts", "organization", "sts"}
_ACCOUNT_KEYS = {"name", "email", "status", "joined_method", "joined_timestamp", "regions", "roles"}
_ROLE_KEYS = {"external_id", "denied", "max_session_seconds"}
_ORGANIZATION_KEYS = {"enabled", "management_account", "delegated_administrators"}


def _known(entry: Mapping[str, Any], keys: set[str], what: str) -> None:
    unknown = sorted(set(entry) - keys)
    if unknown:
        raise _Invalid(f"unknown {what} {unknown[0]!r}; known: {', '.join(sorted(keys))}")


def _string(entry: Mapping[str, Any], key: str, where: str, default: str) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or not value:
        raise _Invalid(f"{where}.{key} must be a non-empty string")
    return value


def _choice(entry: Mapping[str, Any], key: str, where: str, choices: tuple[str, ...]) -> str:
    value = entry.get(key, choices[0])
    if value not in choices:
        raise _Invalid(f"{where}.{key} must be one of {', '.join(choices)}, not {value!r}")
    return str(value)


def _integer(entry: Mapping[str, Any], key: str, where: str, default: int, minimum: int) -> int:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _Invalid(f"{where}.{key} must be an integer >= {minimum}, not {value!r}")
    return value


def _parse_account(account_id: str, entry: Mapping[str, Any], where: str) -> Account:
    default = default_account(account_id)
    joined = _string(entry, "joined_timestamp", where, "2020-01-01T00:00:00Z")
    try:
        timestamp = datetime.fromisoformat(joined.replace("Z", "+00:00"))
    except ValueError:
        timestamp = None
    if timestamp is None or timestamp.tzinfo is None:
        raise _Invalid(
            f"{where}.joined_timestamp must be an ISO 8601 time with a zone, not {joined!r}"
        )
    roles = None
    if "roles" in entry:
        roles = {
            name: _parse_role(_mapping(role, f"{where}.roles.{name}"), f"{where}.roles.{name}")
            for name, role in _mapping(entry["roles"], f"{where}.roles").items()
        }
        bad = next((name for name in roles if not ROLE_NAME.fullmatch(name)), None)
        if bad is not None:
            raise _Invalid(f"{where}.roles: {bad!r} is not a valid IAM role name")
    return Account(
        id=account_id,
        name=_string(entry, "name", where, default.name),
        email=_string(entry, "email", where, default.email),
        status=_choice(entry, "status", where, STATUSES),
        joined_method=_choice(entry, "joined_method", where, JOINED_METHODS),
        joined_timestamp=timestamp.astimezone(timezone.utc),
        roles=roles,
    )


def _parse_role(entry: Mapping[str, Any], where: str) -> Role:
    _known(entry, _ROLE_KEYS, f"key of {where}")
    external_id = entry.get("external_id")
    if external_id is not None and (not isinstance(external_id, str) or not external_id):
        raise _Invalid(f"{where}.external_id must be a non-empty string")
    denied = entry.get("denied", False)
    if not isinstance(denied, bool):
        raise _Invalid(f"{where}.denied must be true or false")
    seconds = _integer(entry, "max_session_seconds", where, DEFAULT_SESSION_SECONDS, minimum=3600)
    if seconds > 43200:
        raise _Invalid(f"{where}.max_session_seconds must be at most 43200 (12 hours)")
    return Role(external_id, denied, seconds)


def _parse_organization(entry: Mapping[str, Any]) -> Organization:
    _known(entry, _ORGANIZATION_KEYS, "key of organization")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _Invalid("organization.enabled must be true or false")
    management = _string(entry, "management_account", "organization", DEFAULT_ACCOUNT)
    administrators = entry.get("delegated_administrators", [])
    if not isinstance(administrators, list):
        raise _Invalid("organization.delegated_administrators must be a list of account ids")
    for account_id in [management, *administrators]:
        if not isinstance(account_id, str) or not ACCOUNT_ID.fullmatch(account_id):
            raise _Invalid(f"organization: {account_id!r} is not a 12-digit account id")
    return Organization(enabled, management, frozenset(administrators))


def _parse_regions(value: Any, where: str) -> Regions:
    regions: Regions = {}
    for region, sets in _mapping(value, f'"{where}"' if where == "regions" else where).items():
        if not region:
            raise _Invalid("a region name is empty")
        regions[region] = _parse_sets(_mapping(sets, f"{where}.{region}"), f"{where}.{region}")
    return regions


def _parse_sets(sets: Mapping[str, Any], where: str) -> Sets:
    if len(sets) > MAX_CONFIGURATION_SETS:
        raise _Invalid(f"{where} has more than {MAX_CONFIGURATION_SETS} configuration sets")
    schema = api_schema(Api.SESV2)
    parsed: Sets = {}
    for set_name, dests in sets.items():
        set_where = f"{where}.{set_name}"
        with _at(set_where):
            check_name("configuration set", set_name)
        dests = _mapping(dests, set_where)
        if len(dests) > MAX_DESTINATIONS:
            raise _Invalid(f"{set_where} has more than {MAX_DESTINATIONS} event destinations")
        parsed[set_name] = {}
        for dest_name, definition in dests.items():
            with _at(f"{set_where}.{dest_name}"):
                check_name("event destination", dest_name)
                schema.check_definition(definition)
                parsed[set_name][dest_name] = clean_definition(schema, definition)
    return parsed


@contextmanager
def _at(where: str) -> Iterator[None]:
    """Turn the API's rejection of a seed entry into a located :class:`_Invalid`."""
    try:
        yield
    except ServiceError as e:
        raise _Invalid(f"{where}: {e.message.rstrip('.')}") from None
