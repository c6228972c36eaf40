"""The accounts of the emulated estate: who they are, their roles, and who may list them.

Declared under ``accounts`` in a state document (see :mod:`driftcheck.emulator.state`). The
defaults, chosen so that a fleet test needs to declare only what it is about:

- **Trust.** An account without ``roles`` has every role: any caller may assume
  ``arn:aws:iam::ACCOUNT:role/ANY-NAME`` with no ExternalId (the usual cross-account
  ``driftcheck-read`` role whose trust policy names the caller's account). An account with
  ``roles`` has exactly those: another name is refused, as AWS refuses a role that does not
  exist. A role may require an ExternalId (its trust policy's ``sts:ExternalId`` condition) or
  be ``denied`` (its trust policy does not name the caller). A role of an account that is not
  in the state, or not ACTIVE (SUSPENDED, PENDING_CLOSURE), is refused. The default account
  (:data:`DEFAULT_ACCOUNT`) is always in the state.
- **Organization.** Enabled when any account is declared, managed by the default account, and
  its members are the declared accounts (declare the management account too to list it, as
  AWS lists it). The management account and the delegated administrators may call
  ``ListAccounts``; another member is refused (AccessDeniedException); an account outside the
  organization gets AWSOrganizationsNotInUseException.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from driftcheck.emulator.identity import DEFAULT_ACCOUNT

ACCOUNT_ID = re.compile(r"\d{12}")
# arn:aws:iam::ACCOUNT:role/NAME or role/PATH/NAME (IAM: path of printable ASCII, name [\w+=,.@-])
ROLE_ARN = re.compile(r"arn:aws:iam::(\d{12}):role/(?:[!-~]*/)?([\w+=,.@-]{1,64})")
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
# Organizations' Account.Status (the Status enum of the organizations model)
STATUSES = ("ACTIVE", "SUSPENDED", "PENDING_CLOSURE")  # the first is the default
JOINED_METHODS = ("CREATED", "INVITED")  # the first is the default
DEFAULT_JOINED = datetime(2020, 1, 1, tzinfo=timezone.utc)
# IAM's default MaxSessionDuration of a role; AssumeRole's DurationSeconds defaults to it too.
DEFAULT_SESSION_SECONDS = 3600


@dataclass(frozen=True)
class Role:
    """One IAM role's trust: what AssumeRole demands of the caller."""

    external_id: str | None = None  # the ExternalId the trust policy requires
    denied: bool = False  # the trust policy does not name the caller: always AccessDenied
    max_session_seconds: int = DEFAULT_SESSION_SECONDS  # IAM MaxSessionDuration (3600-43200)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.external_id is not None:
            out["external_id"] = self.external_id
        if self.denied:
            out["denied"] = True
        if self.max_session_seconds != DEFAULT_SESSION_SECONDS:
            out["max_session_seconds"] = self.max_session_seconds
        return out


ANY_ROLE = Role()


@dataclass(frozen=True)
class Account:
    """An account as Organizations describes it, and its roles."""

    id: str
    name: str
    email: str
    status: str = "ACTIVE"
    joined_method: str = "CREATED"
    joined_timestamp: datetime = DEFAULT_JOINED
    roles: Mapping[str, Role] | None = None  # None: every role exists and trusts every caller

    def role(self, name: str) -> Role | None:
        """The role called ``name``; None when the account has no such role."""
        return ANY_ROLE if self.roles is None else self.roles.get(name)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "email": self.email,
            "status": self.status,
            "joined_method": self.joined_method,
            "joined_timestamp": self.joined_timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if self.roles is not None:
            out["roles"] = {name: role.to_json() for name, role in sorted(self.roles.items())}
        return out


def default_account(account_id: str) -> Account:
    return Account(account_id, f"account-{account_id}", f"aws+{account_id}@example.com")


@dataclass(frozen=True)
class Organization:
    """Who may call Organizations ``ListAccounts``; the members are the declared accounts."""

    enabled: bool = True
    management_account: str = DEFAULT_ACCOUNT
    delegated_administrators: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        """A stable organization id (``o-`` and 10 characters, as AWS's pattern wants)."""
        return "o-" + hashlib.sha256(self.management_account.encode()).hexdigest()[:10]

    def account_arn(self, account_id: str) -> str:
        return f"arn:aws:organizations::{self.management_account}:account/{self.id}/{account_id}"

    def may_list(self, account_id: str) -> bool:
        return account_id == self.management_account or account_id in self.delegated_administrators

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "management_account": self.management_account,
            "delegated_administrators": sorted(self.delegated_administrators),
        }
