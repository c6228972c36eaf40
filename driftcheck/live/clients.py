"""boto3 clients, one per (api, region), shared by every reader thread.

botocore clients are thread-safe once created; sessions are not, so every client is created
up front on the calling thread. Retries use botocore's *adaptive* mode, which absorbs
throttling (HTTP 429) with a client-side rate limiter; ``max_attempts`` counts attempts
(botocore's ``total_max_attempts``), not retries.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ProfileNotFound

from driftcheck import __version__
from driftcheck.errors import ApiError
from driftcheck.interrupt import StopFlag
from driftcheck.live.stopping import refuse_requests_after
from driftcheck.model import Api

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


def make_clients(
    keys: Iterable[tuple[Api, str]], settings: ClientSettings
) -> dict[tuple[Api, str], Any]:
    """One client per distinct (api, region)."""
    boto_session = session(settings.profile)
    config = Config(
        retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
        max_pool_connections=max(settings.concurrency, 10),
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        user_agent_extra=f"driftcheck/{__version__}",
    )
    clients: dict[tuple[Api, str], Any] = {}
    for api, region in sorted(set(keys)):
        try:
            clients[(api, region)] = boto_session.client(
                api.value, region_name=region, endpoint_url=settings.endpoint_url, config=config
            )
        except (BotoCoreError, ValueError) as error:
            raise ApiError(f"cannot create the {api.value} client for {region}: {error}") from error
        if settings.stop is not None:
            refuse_requests_after(settings.stop, clients[(api, region)], settings.max_attempts)
        if settings.on_client is not None:
            settings.on_client(clients[(api, region)])
    return clients
