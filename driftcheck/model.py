"""Domain objects of a plan's two inputs: the desired state and the live state.

Everything here is a frozen dataclass or an enum. Library types (YAML nodes, botocore
errors, deepdiff results) never appear here: each edge converts them to these.

A *definition* is an ``EventDestinationDefinition`` in the API's own member names
(``Enabled``, ``MatchingEventTypes``, ``SnsDestination``...), as JSON-compatible data.
Definitions held by :class:`DesiredDestination` and by the plan are *normalised*
(see :mod:`driftcheck.normalise`); the ones held by :class:`LiveSet` are as the API sent them.

The plan's own objects are in :mod:`driftcheck.plan_model`: loading specs (``validate``)
needs only these, and each frozen dataclass costs its share of a cold start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

Definition = Mapping[str, Any]
# (account, region): one rate bucket, one set of credentials (``SetKey.target``)
Target = tuple[str, str]


class Api(str, Enum):
    """The two APIs that expose configuration-set event destinations."""

    PINPOINT_EMAIL = "pinpoint-email"
    SESV2 = "sesv2"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True, slots=True)
class SetKey:
    """Identifies one configuration set: the same name in another account or region is another.

    ``account`` is the 12-digit account id and ``account_name`` its name in the accounts file
    (``--accounts``); both are empty in a run without one, where the credentials' own account
    holds every set. Keys sort by account first, so every output groups by account, then region.
    """

    account: str = field(default="", kw_only=True)
    account_name: str = field(default="", kw_only=True, compare=False)
    api: Api
    region: str
    name: str

    def __str__(self) -> str:
        where = f"{self.region}, {self.api.value}"
        if self.account:
            where = f"{self.account_name or self.account}, {where}"
        return f"{self.name} ({where})"

    @property
    def target(self) -> Target:
        """The (account, region) holding the set: one rate bucket, one set of credentials."""
        return (self.account, self.region)


@dataclass(frozen=True, order=True, slots=True)
class Source:
    """Where something was declared: a spec file and a 1-based line and column."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# --- desired state (from the specs) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DesiredDestination:
    name: str
    definition: Definition  # normalised
    source: Source
    # ``IgnoreChanges``: plan paths whose differences are shown but are not drift
    ignore_changes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DesiredSet:
    key: SetKey
    destinations: tuple[DesiredDestination, ...]
    source: Source


@dataclass(frozen=True, slots=True)
class DesiredState:
    sets: tuple[DesiredSet, ...] = ()
    files: tuple[str, ...] = ()  # the spec files read, as messages name them, in load order

    @property
    def destination_count(self) -> int:
        return sum(len(s.destinations) for s in self.sets)


# --- live state (from the API) -----------------------------------------------------------


class SetStatus(str, Enum):
    PRESENT = "present"
    MISSING = "missing"
    ERROR = "error"
    UNMANAGED = "unmanaged"  # live in a declared (api, region), declared in no spec


@dataclass(frozen=True, slots=True)
class ReadFailure:
    """Why a configuration set could not be read (after retries)."""

    code: str  # the API's error code, e.g. "AccessDeniedException", or a transport class name
    message: str


@dataclass(frozen=True, slots=True)
class LiveSet:
    key: SetKey
    status: SetStatus
    # destination name -> definition as the API returned it (without ``Name``)
    destinations: Mapping[str, Definition] = field(default_factory=dict)
    error: ReadFailure | None = None


@dataclass(frozen=True, slots=True)
class LiveState:
    sets: Mapping[SetKey, LiveSet] = field(default_factory=dict)
    # every live set name per (account, api, region), when they were listed
    # (--include-unmanaged); the account is "" without an accounts file, as in SetKey
    listed: Mapping[tuple[str, Api, str], tuple[str, ...]] = field(default_factory=dict)
