"""Every format names the account of what it reports, and groups a fleet plan by account,
then region; a plan without accounts reads as it did before accounts existed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftcheck.formats import Format, render
from driftcheck.formats.sentences import by_set, resource_id, where
from driftcheck.model import Api, SetKey
from driftcheck.plan_model import DestinationPlan, Plan, SetPlan
from tests.factories import (
    definition,
    in_account,
    in_sync,
    key,
    missing,
    plan,
    present,
    sns,
    unreadable,
)
from tests.formats.scenarios import SCENARIOS, fleet
from tests.formats.test_render import HOSTILE, hostile_plan, unsafe_characters

PROD, STAGING = "111111111111", "222222222222"


# --- the wording, in one place ---------------------------------------------------------------


def test_a_key_says_where_it_is_with_its_account() -> None:
    assert (
        where(key(account=PROD, account_name="prod"))
        == "(us-east-1) in account prod (111111111111)"
    )
    assert where(key(api=Api.SESV2, account=PROD)) == "(us-east-1, sesv2) in account 111111111111"
    assert where(key()) == "(us-east-1)"


def test_the_resource_id_is_the_pattern_form_with_the_account_id() -> None:
    assert resource_id(key(account=PROD, account_name="prod"), "d") == (
        "111111111111:pinpoint-email/us-east-1/marketing/d"
    )
    assert resource_id(key(), "d") == "pinpoint-email/us-east-1/marketing/d"


# --- JSON: account and account_name on every row ------------------------------------------


def test_json_names_the_account_of_every_set_destination_and_error() -> None:
    document = json.loads(render(fleet(), Format.JSON))
    rows = document["configuration_sets"] + document["destinations"] + document["errors"]
    assert {(r["account"], r["account_name"]) for r in rows} == {
        (PROD, "prod"),
        (STAGING, "staging"),
    }
    [error] = document["errors"]
    assert (error["account"], error["configuration_set"]) == (STAGING, "reports")


@pytest.mark.parametrize("scenario", sorted(set(SCENARIOS) - {"fleet"}))
def test_json_account_is_null_without_an_accounts_file(scenario: str) -> None:
    document = json.loads(render(SCENARIOS[scenario](), Format.JSON))
    rows = document["configuration_sets"] + document["destinations"] + document["errors"]
    assert rows and all(r["account"] is None and r["account_name"] is None for r in rows)


def test_json_account_name_is_null_for_an_account_without_a_name() -> None:
    document = json.loads(render(in_account(SCENARIOS["drift"](), PROD), Format.JSON))
    assert {(r["account"], r["account_name"]) for r in document["destinations"]} == {(PROD, None)}


# --- every other format: the account named, grouped by account then region ------------------


@pytest.mark.parametrize("fmt", [f for f in Format if f is not Format.JSON], ids=str)
@pytest.mark.parametrize("scenario", sorted(set(SCENARIOS) - {"fleet"}))
def test_a_plan_without_accounts_never_mentions_one(scenario: str, fmt: Format) -> None:
    output = render(SCENARIOS[scenario](), fmt)
    assert "ccount" not in output  # no "Account" heading, "in account", property


@pytest.mark.parametrize("fmt", [Format.TEXT, Format.GITHUB, Format.JUNIT, Format.SARIF])
def test_every_drifted_item_names_its_account_by_name_and_id(fmt: Format) -> None:
    output = render(fleet(), fmt)
    for line in output.splitlines():
        if "sns-bounces (us-east-1) in account" in line:
            assert "in account prod (111111111111)" in line
        if "old-pinpoint (us-east-1) in account" in line:
            assert "in account staging (222222222222)" in line
    assert "reports (eu-west-1) in account staging (222222222222) could not be read" in output


def test_text_has_a_heading_per_account_and_region_with_something_to_show() -> None:
    output = render(fleet(), Format.TEXT)
    headings = [line for line in output.splitlines() if line.startswith("Account ")]
    # prod's eu-west-1 sets come through both APIs (keys sort api before region): one heading
    assert headings == [
        "Account prod (111111111111), region eu-west-1",
        "Account prod (111111111111), region us-east-1",
        "Account staging (222222222222), region eu-west-1",
        "Account staging (222222222222), region us-east-1",
    ]
    eu_west = output.split(headings[0])[1].split(headings[1])[0]
    assert "alerts/sns-alerts (eu-west-1)" in eu_west and "tx/archive (eu-west-1, sesv2)" in eu_west
    assert "\x1b[1mAccount prod (111111111111), region eu-west-1\x1b[0m" in render(
        fleet(), Format.TEXT, color=True
    )


def test_an_account_and_region_in_sync_gets_no_heading() -> None:
    quiet = present(key("quiet", region="ap-south-1", account=PROD, account_name="prod"), 60)
    plan_ = replace(fleet(), sets=(*fleet().sets, quiet))
    assert "ap-south-1" not in render(plan_, Format.TEXT)
    assert "ap-south-1" not in render(plan_, Format.MARKDOWN)


def test_markdown_nests_sets_under_their_account_and_region() -> None:
    lines = render(fleet(), Format.MARKDOWN).splitlines()
    titles = [line for line in lines if line.startswith("###")]
    assert titles == [
        "### Account `prod (111111111111)`, region `eu-west-1`",
        "#### `alerts` (`eu-west-1`, pinpoint-email)",
        "#### `tx` (`eu-west-1`, sesv2)",
        "### Account `prod (111111111111)`, region `us-east-1`",
        "#### `marketing` (`us-east-1`, pinpoint-email)",
        "### Account `staging (222222222222)`, region `eu-west-1`",
        "#### `reports` (`eu-west-1`, pinpoint-email)",
        "### Account `staging (222222222222)`, region `us-east-1`",
        "#### `marketing` (`us-east-1`, pinpoint-email)",
        "### Unmanaged configuration sets",
    ]
    assert (
        "| `legacy` | `staging (222222222222)` | `us-east-1` | pinpoint-email | not drift |"
        in lines
    )


def test_junit_suites_carry_the_account_as_properties() -> None:
    root = ET.fromstring(render(fleet(), Format.JUNIT))
    suites = root.findall("testsuite")
    assert suites[0].get("name") == "111111111111:pinpoint-email/eu-west-1/alerts"
    properties = {p.get("name"): p.get("value") for p in suites[-1].iter("property")}
    assert properties == {
        "account": STAGING,
        "account_name": "staging",
        "region": "us-east-1",
        "api": "pinpoint-email",
    }


def test_sarif_results_identify_the_account() -> None:
    results = json.loads(render(fleet(), Format.SARIF))["runs"][0]["results"]
    fingerprints = [r["partialFingerprints"]["driftcheckResource/v1"] for r in results]
    assert "111111111111:pinpoint-email/us-east-1/marketing/sns-bounces" in fingerprints
    assert "222222222222:pinpoint-email/us-east-1/marketing/old-pinpoint" in fingerprints
    assert all(r["properties"]["account"] in (PROD, STAGING) for r in results)


def test_the_same_set_in_two_accounts_is_two_findings() -> None:
    """Same name, region, api and destination in two accounts: two annotations, two SARIF
    identities, two JUnit suites."""
    row = in_sync(key(), "d", definition("SEND", SnsDestination=sns("a")), 3)
    base = plan([present(key(), 2)], [missing(key(), "d", row.expected or {}, 3)])
    both = plan(
        [*in_account(base, PROD, "prod").sets, *in_account(base, STAGING, "staging").sets],
        [
            *in_account(base, PROD, "prod").destinations,
            *in_account(base, STAGING, "staging").destinations,
        ],
    )
    github = render(both, Format.GITHUB).splitlines()
    assert sum(line.startswith("::error") for line in github) == 2
    results = json.loads(render(both, Format.SARIF))["runs"][0]["results"]
    assert len({r["partialFingerprints"]["driftcheckResource/v1"] for r in results}) == 2
    assert len(ET.fromstring(render(both, Format.JUNIT)).findall("testsuite")) == 2


@pytest.mark.parametrize("fmt", list(Format), ids=str)
def test_an_account_name_cannot_inject_control_characters(fmt: Format) -> None:
    output = render(in_account(hostile_plan(), PROD, HOSTILE), fmt)
    assert unsafe_characters(output) == set()
    assert "\\u001b[2J" in output


def test_an_account_name_cannot_break_a_markdown_table() -> None:
    output = render(in_account(SCENARIOS["unmanaged"](), PROD, "a|b`c"), Format.MARKDOWN)
    [row] = [line for line in output.splitlines() if line.startswith("| `legacy`")]
    assert row.count(" | ") == 4  # five cells: the pipe in the name is escaped
    assert "``a\\|b`c (111111111111)``" in row


# --- the order, for any fleet plan ---------------------------------------------------------

ACCOUNTS = st.sampled_from([("111111111111", "prod"), ("222222222222", ""), ("333333333333", "b")])
KEYS = st.builds(
    lambda account, region, api, name: key(
        name, region, api, account=account[0], account_name=account[1]
    ),
    ACCOUNTS,
    st.sampled_from(["us-east-1", "eu-west-1", "ap-south-1"]),
    st.sampled_from(list(Api)),
    st.sampled_from(["a", "b", "c"]),
)


def fleet_plan(keys: list[SetKey]) -> Plan:
    unique = list(dict.fromkeys(keys))
    sets: list[SetPlan] = [unreadable(k, line=1) for k in unique[::2]]
    sets += [present(k, 1) for k in unique[1::2]]
    rows: list[DestinationPlan] = [
        missing(k, "d", definition("SEND", SnsDestination=sns("a")), 2) for k in unique[1::2]
    ]
    return plan(sets, rows)


@given(st.lists(KEYS, min_size=1, max_size=12))
def test_every_format_shows_a_fleet_by_account_then_region(keys: list[SetKey]) -> None:
    fleet_ = fleet_plan(keys)
    expected = sorted({(k.account, k.region) for k in keys})
    order = [(g.key.account, g.key.region) for g in by_set(fleet_, fleet_.destinations)]
    assert order == sorted(order) and sorted(set(order)) == expected
    suites = ET.fromstring(render(fleet_, Format.JUNIT)).findall("testsuite")
    in_junit = [
        tuple(p.get("value") for p in s.iter("property") if p.get("name") in ("account", "region"))
        for s in suites
    ]
    assert in_junit == sorted(in_junit) and len(in_junit) == len(set(keys))
    results = json.loads(render(fleet_, Format.SARIF))["runs"][0]["results"]
    in_sarif = [(r["properties"]["account"], r["properties"]["region"]) for r in results]
    assert in_sarif == sorted(in_sarif) and sorted(set(in_sarif)) == expected
    headings = [
        line for line in render(fleet_, Format.TEXT).splitlines() if line.startswith("Account")
    ]
    assert len(headings) == len(expected) == len(set(headings))
