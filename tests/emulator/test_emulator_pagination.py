"""ListConfigurationSets pages: pinpoint-email's botocore paginator, sesv2's NextToken loop."""

from __future__ import annotations

import math
from typing import Any

import pytest

from driftcheck.emulator import Emulator
from tests.emulator.helpers import api_error, document

NAMES = sorted(f"set-{i:02d}" for i in range(25))


@pytest.fixture
def seeded(emulator: Emulator) -> Emulator:
    emulator.reset(document({"us-east-1": {name: {} for name in reversed(NAMES)}}))
    return emulator


@pytest.mark.parametrize("page_size", [1, 7, 24, 25, 26, 1000])
def test_pinpoint_email_paginator(seeded: Emulator, pinpoint: Any, page_size: int) -> None:
    paginator = pinpoint.get_paginator("list_configuration_sets")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": page_size}))

    assert [name for page in pages for name in page["ConfigurationSets"]] == NAMES
    assert len(pages) == math.ceil(len(NAMES) / page_size)
    assert all(len(page["ConfigurationSets"]) <= page_size for page in pages)
    assert "NextToken" not in pages[-1]


def sesv2_pages(client: Any, token: str | None = None, **kwargs: Any) -> list[list[str]]:
    """Every page of sesv2's ListConfigurationSets, starting at ``token``."""
    pages: list[list[str]] = []
    while True:
        page = client.list_configuration_sets(**kwargs, **({"NextToken": token} if token else {}))
        pages.append(page["ConfigurationSets"])
        token = page.get("NextToken")
        if token is None:
            return pages


@pytest.mark.parametrize("page_size", [1, 10, 25, 100])
def test_sesv2_next_token_loop(seeded: Emulator, sesv2: Any, page_size: int) -> None:
    pages = sesv2_pages(sesv2, PageSize=page_size)

    assert [name for page in pages for name in page] == NAMES
    assert len(pages) == math.ceil(len(NAMES) / page_size)


def test_default_page_size_is_100(emulator: Emulator, sesv2: Any) -> None:
    emulator.reset(document({"us-east-1": {f"s{i:03d}": {} for i in range(150)}}))
    pages = sesv2_pages(sesv2)
    assert [len(page) for page in pages] == [100, 50]


def test_listing_continues_after_a_deleted_set(seeded: Emulator, sesv2: Any) -> None:
    first = sesv2.list_configuration_sets(PageSize=5)
    assert first["ConfigurationSets"] == NAMES[:5]
    sesv2.delete_configuration_set(ConfigurationSetName=NAMES[4])
    sesv2.delete_configuration_set(ConfigurationSetName=NAMES[5])

    rest = sesv2_pages(sesv2, first["NextToken"], PageSize=5)

    assert [name for page in rest for name in page] == NAMES[6:]


def test_sesv2_name_filter(seeded: Emulator, sesv2: Any) -> None:
    pages = sesv2_pages(sesv2, PageSize=2, Filter={"CONFIGURATION_SET_NAME_CONTAINS": "-1"})
    assert [name for page in pages for name in page] == [f"set-1{i}" for i in range(10)]
    assert len(pages) == 5


@pytest.mark.parametrize("token", ["garbage!", "c2V0cy1hZnRlcjo=", "bm90LWEtdG9rZW4="])
@pytest.mark.parametrize("api", ["pinpoint-email", "sesv2"])
def test_invalid_next_token(seeded: Emulator, make_client: Any, api: str, token: str) -> None:
    with api_error("BadRequestException", 400):
        make_client(api).list_configuration_sets(NextToken=token)


@pytest.mark.parametrize("page_size", [0, -1, 1001])
@pytest.mark.parametrize("api", ["pinpoint-email", "sesv2"])
def test_page_size_out_of_range(
    seeded: Emulator, make_client: Any, api: str, page_size: int
) -> None:
    with api_error("BadRequestException", 400):
        make_client(api).list_configuration_sets(PageSize=page_size)
