"""The emulated account: region → configuration set → destination name → definition.

:class:`State` is thread-safe with one lock, held only for dictionary work (never while
sleeping or encoding JSON). Stored definitions are never mutated in place (an update replaces
the whole definition), so a reader may serialise what it got after releasing the lock.

A state document (seed file, ``reset`` body, :meth:`State.dump`) has this shape::

    {"version": 1, "regions": {"us-east-1": {"<set>": {"<destination>": {<definition>}}}}}

where a definition is an ``EventDestinationDefinition`` as the API returns it, without ``Name``.

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
from pathlib import Path
from typing import Any

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
    """Every configuration set of every region, shared by both APIs."""

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


# --- state documents ---------------------------------------------------------------------


def parse_state(document: Any, origin: str) -> Regions:
    """Validate a state document with the rules of API writes; EmulatorError names ``origin``.

    Seeds are checked against sesv2 (the larger model) because the state is shared by both APIs.
    """
    try:
        return _parse_regions(document)
    except _Invalid as e:
        raise EmulatorError(f"{origin} is invalid: {e}.") from None


def read_state_file(path: str | Path) -> Regions:
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


def _parse_regions(document: Any) -> Regions:
    root = _mapping(document, "the document")
    unknown = sorted(set(root) - {"version", "regions"})
    if unknown:
        raise _Invalid(f"unknown top-level key {unknown[0]!r}")
    if root.get("version") != STATE_VERSION:
        raise _Invalid(f'"version" must be {STATE_VERSION}')
    regions: Regions = {}
    for region, sets in _mapping(root.get("regions"), '"regions"').items():
        if not region:
            raise _Invalid("a region name is empty")
        regions[region] = _parse_sets(_mapping(sets, f"regions.{region}"), f"regions.{region}")
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
