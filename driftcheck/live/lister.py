"""List every configuration set of an (api, region): ``ListConfigurationSets``, all pages.

pinpoint-email has a botocore paginator; sesv2 has none registered in current botocore, so
its pages are followed on ``NextToken`` here (a paginator is used whenever botocore has one).
Listing is all or nothing: a failed page raises :class:`ListError` (a per-call failure such
as access denied) or the fatal errors of :mod:`driftcheck.live.failures`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from driftcheck.errors import ApiError
from driftcheck.live.clients import ClientSettings, make_clients
from driftcheck.live.failures import CALL_ERRORS, call_failure
from driftcheck.model import Api, ReadFailure

OPERATION = "list_configuration_sets"


class ListError(ApiError):
    """The configuration sets of one (api, region) could not be listed."""

    def __init__(self, api: Api, region: str, failure: ReadFailure) -> None:
        self.api, self.region, self.failure = api, region, failure
        super().__init__(
            f"cannot list the configuration sets of {region} ({api.value}): "
            f"{failure.code}: {failure.message}"
        )


def list_configuration_sets(client: Any, api: Api) -> list[str]:
    """Every configuration set name the client's region holds, sorted."""
    region = str(client.meta.region_name)
    names: list[str] = []
    try:
        for page in _pages(client, api, region):
            names.extend(str(name) for name in page.get("ConfigurationSets", []))
    except CALL_ERRORS as error:
        raise ListError(api, region, call_failure(error, api, region)) from error
    return sorted(set(names))


def list_all(
    pairs: Iterable[tuple[Api, str]], settings: ClientSettings
) -> Mapping[tuple[Api, str], tuple[str, ...]]:
    """The set names of every distinct (api, region) in ``pairs`` (one listing each), with
    the caller's credentials."""
    clients = make_clients((("", api, region) for api, region in pairs), settings)
    return {
        (api, region): tuple(list_configuration_sets(client, api))
        for (_, api, region), client in clients.items()
    }


def _pages(client: Any, api: Api, region: str) -> Iterator[Mapping[str, Any]]:
    if client.can_paginate(OPERATION):
        yield from client.get_paginator(OPERATION).paginate()
        return
    seen: set[str] = set()
    token: str | None = None
    while True:
        page: Mapping[str, Any] = (
            client.list_configuration_sets(NextToken=token)
            if token
            else client.list_configuration_sets()
        )
        yield page
        token = page.get("NextToken") or None
        if token is None:
            return
        if token in seen:  # a service answering the same token forever must not hang us
            raise ListError(
                api, region, ReadFailure("RepeatedNextToken", "the same NextToken came back twice")
            )
        seen.add(token)
