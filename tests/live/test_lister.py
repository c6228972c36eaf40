"""Listing configuration sets: every page, on both APIs, against the emulator over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from driftcheck.emulator import Emulator, Faults
from driftcheck.errors import CredentialsError
from driftcheck.live.clients import ClientSettings, make_clients
from driftcheck.live.lister import ListError, list_all, list_configuration_sets
from driftcheck.model import Api

LIST = "ListConfigurationSets"

pytestmark = pytest.mark.usefixtures("aws_env")


def client(emulator: Emulator, api: Api, region: str = "us-east-1", **settings: Any) -> Any:
    config = ClientSettings(endpoint_url=emulator.url, **settings)
    return make_clients([("", api, region)], config)[("", api, region)]


@pytest.mark.parametrize("api", list(Api))
def test_every_page_is_listed(emulator: Emulator, api: Api) -> None:
    names = [f"set-{i:03d}" for i in range(250)]  # the emulator's default page holds 100
    emulator.reset({"version": 1, "regions": {"us-east-1": {n: {} for n in reversed(names)}}})
    assert list_configuration_sets(client(emulator, api), api) == names
    assert emulator.stats().calls == {LIST: 3}


def test_sesv2_has_no_botocore_paginator_so_the_token_loop_is_ours(emulator: Emulator) -> None:
    # the premise of the NextToken loop: if botocore ever registers one, it is used instead
    assert not client(emulator, Api.SESV2).can_paginate("list_configuration_sets")
    assert client(emulator, Api.PINPOINT_EMAIL).can_paginate("list_configuration_sets")


def test_regions_are_listed_apart(emulator: Emulator) -> None:
    emulator.reset(
        {"version": 1, "regions": {"us-east-1": {"a": {}, "b": {}}, "eu-west-1": {"c": {}}}}
    )
    settings = ClientSettings(endpoint_url=emulator.url)
    listed = list_all(
        [(Api.SESV2, "us-east-1"), (Api.PINPOINT_EMAIL, "eu-west-1"), (Api.SESV2, "ap-south-1")],
        settings,
    )
    assert listed == {
        (Api.PINPOINT_EMAIL, "eu-west-1"): ("c",),
        (Api.SESV2, "ap-south-1"): (),
        (Api.SESV2, "us-east-1"): ("a", "b"),
    }


def test_a_page_that_keeps_failing_is_one_list_error(emulator: Emulator) -> None:
    emulator.set_faults(Faults(throttle_rate=1.0))
    with pytest.raises(ListError, match=r"us-east-1 \(sesv2\): TooManyRequestsException") as info:
        list_configuration_sets(client(emulator, Api.SESV2, max_attempts=1), Api.SESV2)
    assert info.value.failure.code == "TooManyRequestsException"
    assert emulator.stats().calls == {LIST: 1}


def test_rejected_credentials_stop_the_listing(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "EXPIREDKEY")
    with pytest.raises(CredentialsError, match="have expired"):
        list_configuration_sets(client(emulator, Api.PINPOINT_EMAIL), Api.PINPOINT_EMAIL)


class _LoopingClient:
    """A service that answers the same NextToken forever (the emulator never does)."""

    class meta:  # mimics botocore's client.meta
        region_name = "us-east-1"

    def __init__(self) -> None:
        self.calls = 0

    def can_paginate(self, operation: str) -> bool:
        return False

    def list_configuration_sets(self, **params: Any) -> dict[str, Any]:
        self.calls += 1
        return {"ConfigurationSets": [f"s{self.calls}"], "NextToken": "same"}


def test_a_repeated_next_token_stops_the_loop() -> None:
    looping = _LoopingClient()
    with pytest.raises(ListError, match="RepeatedNextToken: the same NextToken came back twice"):
        list_configuration_sets(looping, Api.SESV2)
    assert looping.calls == 2
