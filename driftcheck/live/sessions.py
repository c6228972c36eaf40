"""Credentials per account (``--accounts``): an assumed role or a named profile each.

- ``role``: one STS ``AssumeRole`` per account, with the caller's credentials (``--profile``
  or the default chain), session name ``driftcheck`` (``--role-session-name``) and the
  account's ``ExternalId`` when it has one. botocore does the work:
  :class:`~botocore.credentials.AssumeRoleCredentialFetcher` calls STS and
  :class:`~botocore.credentials.RefreshableCredentials` calls it again before the
  credentials expire, so a long run never signs with expired credentials. The refresh
  windows are botocore's (15 minutes ahead, blocking 10 minutes ahead) for credentials of an
  hour or more, and shrink with the credentials' lifetime (a quarter and a sixth of it), so
  that short-lived credentials are not refreshed before every call.
- ``profile``: that profile of the AWS configuration, as ``--profile`` would use it.

Roles are assumed up front, ``--concurrency`` at a time. An account whose role cannot be
assumed (access denied, a wrong external id) or whose profile gives no credentials is not
an error of the run: :class:`AccountSessions` records why (a
:class:`~driftcheck.model.ReadFailure`) and the reader makes every set of that account an
error, while the other accounts are read as usual.

The STS and Organizations clients are made without ``--endpoint-url`` (which names the SES
endpoint), so they honour the standard endpoint settings (``AWS_ENDPOINT_URL_STS``,
``AWS_ENDPOINT_URL_ORGANIZATIONS``, ``AWS_ENDPOINT_URL``, the profile's ``endpoint_url``:
https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html) and retry
throttling like every other call (botocore's adaptive retry mode).

Every account's botocore session shares one data loader and one event emitter holding
botocore's built-in handlers, so that the service models and endpoint rules are parsed, and
the ~300 handlers registered, once rather than once per account (each client still copies the
emitter, as botocore always does, so a handler added to one client stays on that client).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import botocore.session
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    RefreshableCredentials,
)
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound
from botocore.hooks import HierarchicalEmitter
from botocore.loaders import create_loader

from driftcheck.errors import ApiError, CredentialsError
from driftcheck.interrupt import leave_signals_to_the_main_thread
from driftcheck.live.clients import ClientSettings, client_config, session
from driftcheck.live.failures import error_code
from driftcheck.model import ReadFailure
from driftcheck.targets.accounts import ACCOUNT_NAME, Account, AccountsFile

ROLE_SESSION_NAME = "driftcheck"
# STS RoleSessionName: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
ROLE_SESSION_NAME_PATTERN = re.compile(r"[\w+=,.@-]{2,64}\Z", re.ASCII)
# botocore's refresh windows (credentials.py): refresh 15 minutes ahead, block 10 minutes ahead
ADVISORY_REFRESH_SECONDS = 15 * 60
MANDATORY_REFRESH_SECONDS = 10 * 60
ACTIVE = "ACTIVE"
# the region of the clients of global services (Organizations) when the caller has none
GLOBAL_REGION = "us-east-1"


@dataclass(frozen=True)
class RefreshWindows:
    """How long before expiry credentials are refreshed: ``advisory`` (if no other thread is
    refreshing) and ``mandatory`` (every thread waits for the new credentials)."""

    advisory: float
    mandatory: float

    @classmethod
    def for_lifetime(cls, seconds: float) -> RefreshWindows:
        """botocore's windows, or a quarter and a sixth of a shorter lifetime."""
        lifetime = max(seconds, 0.0)
        advisory = min(ADVISORY_REFRESH_SECONDS, lifetime / 4)
        return cls(advisory, min(MANDATORY_REFRESH_SECONDS, lifetime / 6))


class AccountSessions:
    """The botocore session of each account that could be reached; why the others could not.

    The caller's own session (``--profile``) is the one of account ``""``: a run without an
    accounts file reads only there.
    """

    def __init__(self, sessions: Mapping[str, Any], failures: Mapping[str, ReadFailure]) -> None:
        self.sessions = dict(sessions)  # account id -> botocore session
        self.failures = dict(failures)  # account id -> why it cannot be read

    def failure(self, account: str) -> ReadFailure | None:
        return self.failures.get(account)

    def session(self, account: str) -> Any:
        return self.sessions[account]


def connect_accounts(
    accounts: Sequence[Account],
    settings: ClientSettings,
    *,
    role_session_name: str = ROLE_SESSION_NAME,
) -> AccountSessions:
    """A session for every account (one ``AssumeRole`` each for roles), or why not.

    Raises :class:`CredentialsError` when a role is to be assumed and the caller has no
    credentials at all (every account would fail alike).
    """
    caller = session(settings.profile)
    shared = _Shared()
    assumer = _RoleAssumer(caller, settings, role_session_name)
    sessions: dict[str, Any] = {}
    failures: dict[str, ReadFailure] = {}

    def connect(account: Account) -> tuple[Account, Any]:
        if account.role is not None:
            return account, assumer.assume(account, shared)
        return account, _profile_session(account, shared)

    workers = max(1, min(settings.concurrency, len(accounts)))
    with ThreadPoolExecutor(
        max_workers=workers,
        thread_name_prefix="connect",
        initializer=leave_signals_to_the_main_thread,
    ) as pool:
        for account, found in pool.map(connect, accounts):
            if isinstance(found, ReadFailure):
                failures[account.account_id] = found
            else:
                sessions[account.account_id] = found
    return AccountSessions(sessions, failures)


def fleet_of(accounts: AccountsFile, settings: ClientSettings) -> tuple[Account, ...]:
    """Every account the accounts file covers: those it names, then, when it has an
    ``organization``, the ACTIVE accounts the organization lists (one ``ListAccounts``)."""
    if accounts.organization is None:
        return accounts.accounts
    listed = list_organization_accounts(settings)
    return accounts.fleet(name_listed_accounts(listed, (a.name for a in accounts.accounts)))


def list_organization_accounts(settings: ClientSettings) -> list[tuple[str, str]]:
    """(id, Organizations name) of every ACTIVE account of the caller's organization.

    ``ListAccounts`` with the caller's credentials, every page. An account's ``State``
    (``Status`` in older answers) must be ``ACTIVE``: suspended, closed, or pending accounts
    cannot be read. ApiError when the accounts cannot be listed.
    """
    caller = session(settings.profile)
    region = caller.region_name or GLOBAL_REGION
    try:
        client = caller.client("organizations", region_name=region, config=client_config(settings))
        found = []
        for page in client.get_paginator("list_accounts").paginate():
            for account in page.get("Accounts", []):
                state = account.get("State") or account.get("Status")
                if state == ACTIVE:
                    found.append((str(account["Id"]), str(account.get("Name") or "")))
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message") or str(error)
        raise ApiError(
            f"cannot list the accounts of the organization: {error_code(error)}: {message}"
        ) from error
    except BotoCoreError as error:
        raise ApiError(f"cannot list the accounts of the organization: {error}") from error
    return found


def name_listed_accounts(
    listed: Iterable[tuple[str, str]], taken: Iterable[str]
) -> list[tuple[str, str]]:
    """Names for the accounts an organization lists: the account's name when it is a valid
    account name not ``taken`` (nor given to an earlier listed account), else its id."""
    used = set(taken)
    named = []
    for account_id, name in listed:
        chosen = name if ACCOUNT_NAME.match(name) and name not in used else account_id
        used.add(chosen)
        named.append((account_id, chosen))
    return named


# --- credentials -------------------------------------------------------------------------


class _Given(CredentialProvider):  # type: ignore[misc]
    """A credential provider that gives the credentials it was made with."""

    METHOD = "driftcheck-assume-role"

    def __init__(self, credentials: Any) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Any:
        return self._credentials


class _Shared:
    """What every account's botocore session shares: the data loader, the event emitter."""

    def __init__(self) -> None:
        self.loader = create_loader()
        self.emitter = HierarchicalEmitter()
        # registers botocore's built-in handlers in the emitter, once
        botocore.session.Session(event_hooks=self.emitter)
        self._lock = threading.Lock()  # making a session reads the environment and files

    def session(self, profile: str | None = None) -> Any:
        with self._lock:
            made = botocore.session.Session(
                event_hooks=self.emitter, include_builtin_handlers=False, profile=profile
            )
            made.register_component("data_loader", self.loader)
        return made


def _session_with(credentials: Any, shared: _Shared) -> Any:
    """A botocore session that signs with ``credentials``."""
    account_session = shared.session()
    account_session.register_component(
        "credential_provider", CredentialResolver([_Given(credentials)])
    )
    return account_session


def _profile_session(account: Account, shared: _Shared) -> Any:
    """The session of the account's profile, or why it cannot be used."""
    assert account.profile is not None
    try:
        profile_session = shared.session(account.profile)
        credentials = profile_session.get_credentials()
    except ProfileNotFound:
        return ReadFailure(
            "ProfileNotFound", f"the AWS profile {account.profile!r} is not configured"
        )
    except BotoCoreError as error:  # an SSO session that ended...
        return ReadFailure(type(error).__name__, f"profile {account.profile!r}: {error}")
    if credentials is None:
        return ReadFailure(
            "NoCredentials", f"the AWS profile {account.profile!r} gives no credentials"
        )
    return profile_session


class _RoleAssumer:
    """Assumes each account's role with the caller's credentials (a boto3 session)."""

    def __init__(self, caller: Any, settings: ClientSettings, role_session_name: str) -> None:
        self._caller = caller
        self._config = client_config(settings)
        self._role_session_name = role_session_name
        self._lock = threading.Lock()  # botocore sessions are not thread-safe
        self._clients: dict[tuple[Any, ...], Any] = {}
        self._source: Any = None

    def _source_credentials(self) -> Any:
        with self._lock:
            if self._source is None:
                self._source = self._caller.get_credentials()
        if self._source is None:
            raise CredentialsError(
                "no AWS credentials found to assume the roles of the accounts file: set "
                "AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile"
            )
        return self._source

    def _sts_client(self, region: str) -> Any:
        """A client maker for the fetcher: one STS client per (credentials, region), reused."""

        def create(service: str, **credentials: Any) -> Any:
            cache_key = (service, region, *sorted(credentials.items()))
            with self._lock:
                client = self._clients.get(cache_key)
                if client is None:
                    client = self._clients[cache_key] = self._caller.client(
                        service, region_name=region, config=self._config, **credentials
                    )
            return client

        return create

    def assume(self, account: Account, shared: _Shared) -> Any:
        """The account's session, signing with its role's refreshed credentials; or a failure."""
        assert account.role is not None
        arguments: dict[str, Any] = {"RoleSessionName": self._role_session_name}
        if account.external_id is not None:
            arguments["ExternalId"] = account.external_id
        # the regional STS endpoint of the account's first region: in its partition
        create = self._sts_client(account.regions[0])
        source = self._source_credentials()
        cache: dict[str, Any] = {}
        try:
            first = AssumeRoleCredentialFetcher(
                create, source, account.role, extra_args=arguments, cache=cache
            ).fetch_credentials()
        except ClientError as error:
            message = error.response.get("Error", {}).get("Message") or str(error)
            return ReadFailure(
                error_code(error), f"cannot assume the role {account.role}: {message}"
            )
        except BotoCoreError as error:
            return ReadFailure(
                type(error).__name__, f"cannot assume the role {account.role}: {error}"
            )
        expiry = datetime.fromisoformat(first["expiry_time"].replace("Z", "+00:00"))
        windows = RefreshWindows.for_lifetime((expiry - datetime.now(timezone.utc)).total_seconds())
        # the same arguments and cache: the first answer is reused until it is due for refresh
        fetcher = AssumeRoleCredentialFetcher(
            create,
            source,
            account.role,
            extra_args=arguments,
            cache=cache,
            expiry_window_seconds=windows.advisory,
        )
        credentials = RefreshableCredentials.create_from_metadata(
            first,
            refresh_using=fetcher.fetch_credentials,
            method="assume-role",
            advisory_timeout=windows.advisory,
            mandatory_timeout=windows.mandatory,
        )
        return _session_with(credentials, shared)
