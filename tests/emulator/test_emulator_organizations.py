"""Organizations ListAccounts through the real boto3 client: pages, statuses, who may list."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from driftcheck.emulator import Emulator
from driftcheck.emulator.identity import DEFAULT_ACCOUNT, Identity
from tests.emulator.conftest import ClientFactory
from tests.emulator.helpers import api_error

MEMBERS = {
    DEFAULT_ACCOUNT: {"name": "management", "email": "root@example.com"},
    "111111111111": {"name": "prod", "email": "prod@example.com", "joined_method": "INVITED"},
    "222222222222": {"name": "staging", "status": "SUSPENDED"},
    "333333333333": {"name": "closing", "status": "PENDING_CLOSURE"},
    "444444444444": {"name": "tenant", "joined_timestamp": "2024-05-06T07:08:09Z"},
}
ORGANIZATION = {"version": 1, "accounts": MEMBERS}


@pytest.fixture
def organizations(make_client: ClientFactory) -> Any:
    return make_client("organizations")


def every_account(client: Any, page_size: int) -> list[list[dict[str, Any]]]:
    """Every page of ListAccounts through botocore's own paginator."""
    pages = client.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": page_size})
    return [page["Accounts"] for page in pages]


def test_list_accounts_pages_through_every_account_with_its_status(
    emulator: Emulator, organizations: Any
) -> None:
    emulator.reset(ORGANIZATION)

    pages = every_account(organizations, 2)

    assert [len(page) for page in pages] == [2, 2, 1]
    accounts = [account for page in pages for account in page]
    assert [a["Id"] for a in accounts] == sorted(MEMBERS)
    by_name = {a["Name"]: a for a in accounts}
    assert {name: a["Status"] for name, a in by_name.items()} == {
        "management": "ACTIVE",
        "prod": "ACTIVE",
        "staging": "SUSPENDED",
        "closing": "PENDING_CLOSURE",
        "tenant": "ACTIVE",
    }
    prod = by_name["prod"]
    assert prod["Email"] == "prod@example.com" and prod["JoinedMethod"] == "INVITED"
    assert prod["Arn"].startswith(f"arn:aws:organizations::{DEFAULT_ACCOUNT}:account/o-")
    assert prod["Arn"].endswith("/111111111111")
    assert by_name["staging"]["JoinedMethod"] == "CREATED"  # the defaults
    assert by_name["staging"]["Email"] == "aws+222222222222@example.com"
    joined = by_name["tenant"]["JoinedTimestamp"]
    assert joined == datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    assert emulator.stats().by_api == {"organizations": {"ListAccounts": 3}}


def test_a_page_holds_at_most_20_accounts(emulator: Emulator, organizations: Any) -> None:
    many = {f"{n:012d}": {} for n in range(100000000001, 100000000026)}
    emulator.reset({"version": 1, "accounts": many})

    first = organizations.list_accounts()
    assert len(first["Accounts"]) == 20 and first["NextToken"]
    rest = organizations.list_accounts(NextToken=first["NextToken"])
    assert len(rest["Accounts"]) == 5 and "NextToken" not in rest
    assert [a["Id"] for a in first["Accounts"] + rest["Accounts"]] == sorted(many)

    with api_error("InvalidInputException", 400):
        organizations.list_accounts(MaxResults=21)
    with api_error("InvalidInputException", 400):
        organizations.list_accounts(NextToken="not-a-token")


def caller_in(emulator: Emulator, account: str, make_client: ClientFactory) -> Any:
    """An organizations client whose key belongs to ``account``."""
    emulator.identities.register(Identity.iam_user("testing", "auditor", account))
    return make_client("organizations")


@pytest.mark.parametrize(
    ("document", "caller", "code"),
    [
        (ORGANIZATION, "111111111111", "AccessDeniedException"),  # a member, not the manager
        (ORGANIZATION, "999999999999", "AWSOrganizationsNotInUseException"),  # outside it
        ({"version": 1, "regions": {}}, DEFAULT_ACCOUNT, "AWSOrganizationsNotInUseException"),
        (
            {**ORGANIZATION, "organization": {"enabled": False}},
            DEFAULT_ACCOUNT,
            "AWSOrganizationsNotInUseException",
        ),
        (
            {**ORGANIZATION, "organization": {"management_account": "444444444444"}},
            DEFAULT_ACCOUNT,
            "AccessDeniedException",
        ),
    ],
    ids=["member", "outsider", "no-accounts", "disabled", "moved-management"],
)
def test_a_caller_not_allowed_to_list_is_refused(
    emulator: Emulator,
    make_client: ClientFactory,
    document: dict[str, Any],
    caller: str,
    code: str,
) -> None:
    emulator.reset(document)
    with api_error(code, 400):
        caller_in(emulator, caller, make_client).list_accounts()
    assert emulator.stats().errors == {"ListAccounts": 1}


@pytest.mark.parametrize("caller", ["444444444444", "111111111111"])
def test_the_management_account_and_delegated_administrators_may_list(
    emulator: Emulator, make_client: ClientFactory, caller: str
) -> None:
    emulator.reset(
        {
            **ORGANIZATION,
            "organization": {
                "management_account": "444444444444",
                "delegated_administrators": ["111111111111"],
            },
        }
    )
    accounts = caller_in(emulator, caller, make_client).list_accounts()["Accounts"]
    assert len(accounts) == len(MEMBERS)
    assert all(":account/o-" in a["Arn"] and "::444444444444:" in a["Arn"] for a in accounts)
