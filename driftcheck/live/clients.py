"""boto3 clients, one per (account, api, region), shared by every reader thread.

botocore clients are thread-safe once created; sessions are not, so every client is created
up front on the calling thread. Retries use botocore's *adaptive* mode, which absorbs
throttling (HTTP 429) with a client-side rate limiter; ``max_attempts`` counts attempts
(botocore's ``total_max_attempts``), not retries.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ProfileNotFound

from driftcheck import __version__
from driftcheck.errors import ApiError
from driftcheck.interrupt import StopFlag
from driftcheck.live.stopping import refuse_requests_after
from driftcheck.model import Api, SetKey

if TYPE_CHECKING:
    from driftcheck.live.sessions import AccountSessions

# (account id, api, region): "" for the account of the caller's own credentials
ClientKey = tuple[str, Api, str]

CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class ClientSettings:
    profile: str | None = None
    endpoint_url: str | None = None  # None: boto3's own resolution (AWS_ENDPOINT_URL_* ...)
    max_attempts: int = 5
    concurrency: int = 8
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS
    read_timeout: float = READ_TIMEOUT_SECONDS
    # once set, the clients send no request (driftcheck.live.stopping); None: never stopped
    stop: StopFlag | None = field(default=None, compare=False)
    # called with every client made (``driftcheck watch`` counts its requests); None: nothing
    on_client: Callable[[Any], None] | None = field(default=None, compare=False)


def session(profile: str | None) -> Any:
    """A boto3 session for ``profile``, or ApiError when the profile does not exist."""
    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound as error:
        raise ApiError(f"the AWS profile {profile!r} is not configured") from error


def default_region(profile: str | None) -> str | None:
    """The region boto3 would use (AWS_DEFAULT_REGION, the profile's config), else AWS_REGION.

    boto3 ignores AWS_REGION, which the AWS CLI v2 and the other SDKs honour: so do we.
    """
    region: str | None = session(profile).region_name
    return region or os.environ.get("AWS_REGION") or None


def client_key(key: SetKey) -> ClientKey:
    """The client that reads and writes the set ``key``."""
    return (key.account, key.api, key.region)


def client_config(settings: ClientSettings) -> Config:
    """Adaptive retries, timeouts and a pool for ``settings.concurrency`` threads."""
    return Config(
        retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
        max_pool_connections=max(settings.concurrency, 10),
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        user_agent_extra=f"driftcheck/{__version__}",
    )


class Clients:
    """One client per (account, api, region), made on first use, by any thread.

    Account ``""`` uses the caller's credentials (``settings.profile``); the others, their
    session in ``sessions`` (every account asked for must have one). Clients are made one at
    a time (botocore sessions are not thread-safe); made on first use, the clients of a fleet
    are made while the workers wait for the tokens of the targets already started.
    ``on_new(key, client)`` is called once for each new client (to register hooks).
    """

    def __init__(
        self,
        settings: ClientSettings,
        sessions: AccountSessions | None = None,
        on_new: Callable[[ClientKey, Any], None] | None = None,
    ) -> None:
        self._settings, self._sessions, self._on_new = settings, sessions, on_new
        self._config = client_config(settings)
        self._lock = threading.Lock()
        self._caller: Any = None
        self._made: dict[ClientKey, Any] = {}

    def __getitem__(self, key: ClientKey) -> Any:
        found = self._made.get(key)
        if found is not None:
            return found
        with self._lock:
            if key not in self._made:
                self._made[key] = self._make(key)
            return self._made[key]

    def _make(self, key: ClientKey) -> Any:
        settings = self._settings
        account, api, region = key
        if account:
            assert self._sessions is not None, "a set of an account needs that account's session"
            create = self._sessions.session(account).create_client
        else:
            self._caller = self._caller or session(settings.profile)
            create = self._caller.client
        try:
            client = create(
                api.value,
                region_name=region,
                endpoint_url=settings.endpoint_url,
                config=self._config,
            )
        except (BotoCoreError, ValueError) as error:
            raise ApiError(f"cannot create the {api.value} client for {region}: {error}") from error
        if settings.stop is not None:
            refuse_requests_after(settings.stop, client, settings.max_attempts)
        if self._on_new is not None:
            self._on_new(key, client)
        if self._settings.on_client is not None:
            self._settings.on_client(client)
        return client


def make_clients(
    keys: Iterable[ClientKey], settings: ClientSettings, sessions: AccountSessions | None = None
) -> dict[ClientKey, Any]:
    """One client per distinct (account, api, region), made now (see :class:`Clients`)."""
    clients = Clients(settings, sessions)
    return {key: clients[key] for key in sorted(set(keys))}
