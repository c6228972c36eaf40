"""The accounts file: what it means when valid, and every rule it is checked against."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftcheck.errors import SpecError
from driftcheck.model import Source
from driftcheck.targets import Account, OrganizationSource, load_accounts
from tests.targets.helpers import EXAMPLE, EXAMPLE_ENV, FILE, one_account, parse, problems

ROLE = 'role: "arn:aws:iam::${account_id}:role/r"'
REGIONS = "regions: [us-east-1]"
NO_ACCOUNT = "the accounts file has no account: list some under `accounts`, or add `organization`"

# --- the meaning of a valid file ---------------------------------------------------------


def test_the_example_of_the_issue_means_what_its_comments_say() -> None:
    accounts = parse(EXAMPLE, EXAMPLE_ENV)
    assert accounts.accounts == (
        Account(
            "prod",
            "111111111111",
            ("us-east-1", "eu-west-1"),
            Source(FILE, 7, 3),
            role="arn:aws:iam::111111111111:role/driftcheck-read",
            external_id="ext-id-1234",
            vars=MappingProxyType({"env": "prod"}),
        ),
        Account(
            "staging",
            "222222222222",
            ("us-east-1",),
            Source(FILE, 11, 3),
            profile="staging",
        ),
    )
    assert accounts.organization == OrganizationSource(
        "arn:aws:iam::${account_id}:role/driftcheck-read",
        ("us-east-1",),
        Source(FILE, 14, 1),
        exclude=frozenset({"333333333333"}),
        external_id="ext-id-1234",
    )
    assert accounts.account("staging") is accounts.accounts[1]
    assert accounts.account("nope") is None


def test_an_account_listed_by_the_organization_gets_its_role_and_external_id() -> None:
    text = """\
        version: 1
        defaults: {external_id: "x-${account_id}", vars: {team: mail}}
        organization:
          role: arn:aws-cn:iam::${account_id}:role/path/to/reader
          regions: [cn-north-1]
        """
    organization = parse(text).organization
    assert organization is not None
    assert organization.account("444444444444", "tenant") == Account(
        "tenant",
        "444444444444",
        ("cn-north-1",),
        Source(FILE, 3, 1),
        role="arn:aws-cn:iam::444444444444:role/path/to/reader",
        external_id="x-444444444444",
        vars=MappingProxyType({"team": "mail"}),
        from_organization=True,
    )
    assert parse(text).accounts == ()


def test_the_fleet_is_the_listed_accounts_then_the_organization_s_others() -> None:
    accounts = parse(EXAMPLE, EXAMPLE_ENV)
    organization = accounts.organization
    assert organization is not None
    listed = [
        ("444444444444", "tenant-4"),
        ("111111111111", "Production"),  # under `accounts` as prod: its settings win
        ("333333333333", "excluded"),
        ("555555555555", "tenant-5"),
        ("444444444444", "tenant-4"),  # listed twice: read once
    ]
    assert accounts.fleet(listed) == (
        *accounts.accounts,
        organization.account("444444444444", "tenant-4"),
        organization.account("555555555555", "tenant-5"),
    )
    assert accounts.fleet() == accounts.accounts


def test_without_an_organization_the_fleet_is_the_listed_accounts() -> None:
    accounts = parse(EXAMPLE.split("organization:")[0], EXAMPLE_ENV)
    assert accounts.organization is None
    assert accounts.fleet([("444444444444", "tenant")]) == accounts.accounts


def test_an_account_s_values_replace_the_defaults_but_vars_merge_name_by_name() -> None:
    text = one_account(
        """\
        account_id: "123456789012"
        role: arn:aws:iam::123456789012:role/own
        external_id: own-id
        regions: [eu-west-1]
        vars: {env: prod, owner: a}
        """,
        defaults="""\
        role: arn:aws:iam::${account_id}:role/default
        external_id: default-id
        regions: [us-east-1, us-west-2]
        vars: {env: default, team: mail}
        """,
    )
    account = parse(text).accounts[0]
    assert account.role == "arn:aws:iam::123456789012:role/own"
    assert account.external_id == "own-id"
    assert account.regions == ("eu-west-1",)
    assert dict(account.vars) == {"env": "prod", "team": "mail", "owner": "a"}


def test_an_account_s_profile_replaces_the_default_role_and_its_external_id() -> None:
    text = one_account(
        'account_id: "123456789012"\nprofile: p-${account_id}',
        defaults=f"{ROLE}\nexternal_id: secret-id\n{REGIONS}",
    )
    account = parse(text).accounts[0]
    assert (account.role, account.profile, account.external_id) == (
        None,
        "p-123456789012",
        None,
    )


def test_an_account_s_role_replaces_the_default_profile() -> None:
    text = one_account(f'account_id: "123456789012"\n{ROLE}', defaults=f"profile: p\n{REGIONS}")
    account = parse(text).accounts[0]
    assert (account.role, account.profile) == ("arn:aws:iam::123456789012:role/r", None)


def test_the_organization_takes_role_and_regions_from_the_defaults() -> None:
    text = f"version: 1\ndefaults:\n  {ROLE}\n  {REGIONS}\norganization: {{}}\n"
    assert parse(text).organization == OrganizationSource(
        "arn:aws:iam::${account_id}:role/r", ("us-east-1",), Source(FILE, 5, 1)
    )


def test_environment_variables_are_read_in_strings() -> None:
    text = one_account(
        'account_id: "123456789012"\nrole: ${env:ROLE}\nregions: ["${env:R}"]\n'
        "external_id: ${env:EXT}"
    )
    environ = {"ROLE": "arn:aws:iam::123456789012:role/r", "R": "ap-south-1", "EXT": "e-1"}
    account = parse(text, environ).accounts[0]
    assert (account.role, account.regions, account.external_id) == (
        "arn:aws:iam::123456789012:role/r",
        ("ap-south-1",),
        "e-1",
    )


def test_yaml_merge_keys_share_settings_between_accounts() -> None:
    text = f"""\
        version: 1
        accounts:
          a: &base
            account_id: "111111111111"
            {ROLE}
            {REGIONS}
          b:
            <<: *base
            account_id: "222222222222"
        """
    roles = [a.role for a in parse(text).accounts]
    assert roles == ["arn:aws:iam::111111111111:role/r", "arn:aws:iam::222222222222:role/r"]


def test_the_external_id_is_never_in_the_repr() -> None:
    accounts = parse(EXAMPLE, {"DRIFTCHECK_EXTERNAL_ID": "very-secret-value"})
    assert accounts.accounts[0].external_id == "very-secret-value"
    assert "very-secret-value" not in repr(accounts)


def test_accounts_are_hashable_values() -> None:
    first, second = parse(EXAMPLE, EXAMPLE_ENV), parse(EXAMPLE, EXAMPLE_ENV)
    assert first == second
    assert len({*first.accounts, *second.accounts}) == 2


# --- account ids -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ['"012345678901"', "'012345678901'", "012345678901", "012345670123", "111111111111"],
    ids=["double-quoted", "single-quoted", "leading-zero", "octal-looking", "plain"],
)
def test_an_account_id_is_read_as_written_quoted_or_not(written: str) -> None:
    # PyYAML reads 012345670123 as the octal number 1402433619 and 111111111111 as an int:
    # the id is the digits written, whatever YAML makes of them.
    text = one_account(f"account_id: {written}\n{ROLE}\n{REGIONS}")
    expected = written.strip("'\"")
    account = parse(text).accounts[0]
    assert account.account_id == expected
    assert account.role == f"arn:aws:iam::{expected}:role/r"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ('"12345678901"', 'must be exactly 12 digits, like "012345678901"; got `12345678901`'),
        ("1234567890123", 'must be exactly 12 digits, like "012345678901"; got `1234567890123`'),
        ("1_111_111_1111", 'must be exactly 12 digits, like "012345678901"; got `1_111_111_1111`'),
        ("12345678901e0", 'must be exactly 12 digits, like "012345678901"; got `12345678901e0`'),
        ('"12345678901a"', 'must be exactly 12 digits, like "012345678901"; got `12345678901a`'),
        ('" 12345678901"', 'must be exactly 12 digits, like "012345678901"; got ` 12345678901`'),
        ("true", 'must be exactly 12 digits, like "012345678901"; got `true`'),
        ("[111111111111]", 'must be exactly 12 digits, like "012345678901", got a list'),
    ],
)
def test_an_account_id_must_be_12_digits(written: str, message: str) -> None:
    text = one_account(f"account_id: {written}\n{ROLE}\n{REGIONS}")
    assert problems(text) == [f"{FILE}:4:17: `account_id` {message}"]


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[0-9]{12}", fullmatch=True), st.sampled_from(["", '"', "'"]))
def test_any_12_digits_are_an_account_id(digits: str, quote: str) -> None:
    text = one_account(f"account_id: {quote}{digits}{quote}\n{ROLE}\n{REGIONS}")
    assert parse(text).accounts[0].account_id == digits


@settings(max_examples=100, deadline=None)
@given(
    st.from_regex(r"[0-9]{1,20}", fullmatch=True).filter(lambda d: len(d) != 12),
    st.sampled_from(["", '"']),
)
def test_other_digit_strings_are_not(digits: str, quote: str) -> None:
    text = one_account(f"account_id: {quote}{digits}{quote}\n{ROLE}\n{REGIONS}")
    assert problems(text) == [
        f'{FILE}:4:17: `account_id` must be exactly 12 digits, like "012345678901"; got `{digits}`'
    ]


def test_an_empty_account_id_is_located_where_its_value_would_be() -> None:
    assert problems(one_account(f"account_id:\n{ROLE}\n{REGIONS}")) == [
        f'{FILE}:4:16: `account_id` must be exactly 12 digits, like "012345678901", '
        "got an empty value"
    ]


def test_an_account_needs_an_id() -> None:
    assert problems(one_account(f"{ROLE}\n{REGIONS}")) == [
        f"{FILE}:3:3: account `a` is missing `account_id`"
    ]


def test_two_accounts_cannot_share_an_id() -> None:
    text = f"""\
        version: 1
        defaults: {{{ROLE}, {REGIONS}}}
        accounts:
          a: {{account_id: "111111111111"}}
          b: {{account_id: "222222222222"}}
          c: {{account_id: 111111111111}}
        """
    assert problems(text) == [
        f"{FILE}:6:19: account id 111111111111 is also the id of account `a` (line 4, column 3); "
        "list each account once"
    ]


def test_an_account_aliased_under_another_name_is_the_same_account() -> None:
    text = f"""\
        version: 1
        defaults: {{{ROLE}, {REGIONS}}}
        accounts:
          a: &a {{account_id: "111111111111"}}
          b: *a
        """
    assert problems(text) == [
        f"{FILE}:5:3: account id 111111111111 is also the id of account `a` (line 4, column 3); "
        "list each account once"
    ]


# --- names and keys ----------------------------------------------------------------------


def test_two_accounts_cannot_share_a_name() -> None:
    text = f"""\
        version: 1
        defaults: {{{ROLE}, {REGIONS}}}
        accounts:
          a: {{account_id: "111111111111"}}
          a: {{account_id: "222222222222"}}
        """
    assert problems(text) == [
        f"{FILE}:5:3: duplicate key `a`, also declared at {FILE}:4:3 "
        "(YAML would silently keep only the last one)"
    ]


@pytest.mark.parametrize("name", ["my account", "*", "tenant.acme", "x" * 65, "é"])
def test_an_account_name_is_letters_digits_underscores_and_dashes(name: str) -> None:
    text = (
        f"version: 1\ndefaults: {{{ROLE}, {REGIONS}}}\n"
        f'accounts:\n  "{name}": {{account_id: "111111111111"}}\n'
    )
    assert problems(text) == [
        f"{FILE}:4:3: account name `{name}` must be 1 to 64 letters, digits, `_` or `-`"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"version: 1\ndefault: {{{ROLE}}}\norganization: {{{ROLE}, {REGIONS}}}\n",
            "2:1: unknown key `default` in the accounts file; did you mean `defaults`?",
        ),
        (
            f"version: 1\nprofiles: {{}}\norganization: {{{ROLE}, {REGIONS}}}\n",
            "2:1: unknown key `profiles` in the accounts file; expected `version`, `defaults`, "
            "`accounts` or `organization`",
        ),
        (
            one_account(f'account_id: "111111111111"\n{ROLE}\n{REGIONS}\nregion: us-east-1'),
            "7:5: unknown key `region` in account `a`; did you mean `regions`?",
        ),
        (
            one_account('account_id: "111111111111"', defaults=f"{ROLE}\n{REGIONS}\nexternalid: x"),
            "5:3: unknown key `externalid` in `defaults`; did you mean `external_id`?",
        ),
        (
            f"version: 1\norganization:\n  {ROLE}\n  {REGIONS}\n  excludes: []\n",
            "5:3: unknown key `excludes` in `organization`; did you mean `exclude`?",
        ),
        (
            f"version: 1\norganization:\n  {ROLE}\n  {REGIONS}\n  tags: {{}}\n",
            "5:3: unknown key `tags` in `organization`; expected `role`, `external_id`, "
            "`regions` or `exclude`",
        ),
    ],
    ids=[
        "top-typo",
        "top-unknown",
        "account",
        "defaults",
        "organization",
        "org-unknown",
    ],
)
def test_unknown_keys_are_refused_with_a_suggestion(text: str, message: str) -> None:
    assert problems(text) == [f"{FILE}:{message}"]


def test_a_misspelt_account_id_is_unknown_and_missing() -> None:
    assert problems(one_account(f'accountid: "111111111111"\n{ROLE}\n{REGIONS}')) == [
        f"{FILE}:3:3: account `a` is missing `account_id`",
        f"{FILE}:4:5: unknown key `accountid` in account `a`; did you mean `account_id`?",
    ]


# --- credentials -------------------------------------------------------------------------


def test_an_account_gives_a_role_or_a_profile_not_both() -> None:
    text = one_account(f'account_id: "111111111111"\n{ROLE}\nprofile: p\n{REGIONS}')
    assert problems(text) == [
        f"{FILE}:6:5: account `a` gives both `role` and `profile`; give one: a role to assume, "
        "or a profile to use"
    ]


def test_the_defaults_give_a_role_or_a_profile_not_both() -> None:
    text = one_account('account_id: "111111111111"', defaults=f"{ROLE}\nprofile: p\n{REGIONS}")
    assert problems(text) == [
        f"{FILE}:4:3: `defaults` gives both `role` and `profile`; give one: a role to assume, "
        "or a profile to use"
    ]


def test_an_account_without_role_or_profile_has_no_credentials() -> None:
    assert problems(one_account(f'account_id: "111111111111"\n{REGIONS}')) == [
        f"{FILE}:3:3: account `a` has no credentials: give it a `role` to assume or a "
        "`profile`, or give one under `defaults`"
    ]


def test_an_external_id_goes_with_a_role() -> None:
    text = one_account(f'account_id: "111111111111"\nprofile: p\nexternal_id: xx\n{REGIONS}')
    assert problems(text) == [f"{FILE}:6:5: `external_id` goes with a role, not a profile"]
    text = one_account(
        'account_id: "111111111111"\nexternal_id: xx', defaults=f"profile: p\n{REGIONS}"
    )
    assert problems(text) == [
        f"{FILE}:8:5: `external_id` goes with a role, and account `a` uses the `profile` of "
        "`defaults`"
    ]


@pytest.mark.parametrize(
    "role",
    [
        "arn:aws:iam::${account_id}:role/r",
        "arn:aws:iam::111111111111:role/r",
        "arn:aws-us-gov:iam::${account_id}:role/a/b/c/Name_+=,.@-1",
        "arn:aws-iso-b:iam::${account_id}:role/" + "n" * 64,
    ],
)
def test_a_role_is_an_iam_role_arn(role: str) -> None:
    text = one_account(f'account_id: "111111111111"\nrole: "{role}"\n{REGIONS}')
    assert parse(text).accounts[0].role == role.replace("${account_id}", "111111111111")


@pytest.mark.parametrize(
    "role",
    [
        "driftcheck-read",
        "arn:aws:iam::${account_id}:user/r",
        "arn:aws:sts::${account_id}:role/r",
        "arn:aws:iam:us-east-1:${account_id}:role/r",
        "arn:aws:iam::11111111111:role/r",
        "arn:aws:iam::${account}:role/r",
        "arn:aws:iam::${account_id}:role/",
        "arn:aws:iam::${account_id}:role/" + "n" * 65,
        "arn:aws:iam::${account_id}:role/has space",
        "arn:azure:iam::${account_id}:role/r",
    ],
)
def test_anything_else_is_not_a_role(role: str) -> None:
    text = one_account(f'account_id: "111111111111"\nrole: "{role}"\n{REGIONS}')
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith(f"{FILE}:5:11: ")
    assert "`role` must be an IAM role ARN" in found[0] or "unknown variable" in found[0]


def test_a_role_in_another_account_is_refused() -> None:
    text = one_account(
        'account_id: "111111111111"\nrole: arn:aws:iam::222222222222:role/r\n' + REGIONS
    )
    assert problems(text) == [
        f"{FILE}:5:11: the role of account `a` (111111111111) is in account 222222222222, whose "
        "credentials would read account 222222222222; write `${account_id}` for the account's "
        "own id"
    ]


def test_a_default_role_with_a_literal_id_fits_only_that_account() -> None:
    text = """\
        version: 1
        defaults:
          role: arn:aws:iam::111111111111:role/r
          regions: [us-east-1]
        accounts:
          a: {account_id: "111111111111"}
          b: {account_id: "222222222222"}
        """
    assert problems(text) == [
        f"{FILE}:3:9: the role of account `b` (222222222222) is in account 111111111111, whose "
        "credentials would read account 111111111111; write `${account_id}` for the account's "
        "own id"
    ]


def test_the_default_external_id_goes_with_an_account_s_own_role() -> None:
    text = one_account(
        'account_id: "111111111111"\nrole: arn:aws:iam::111111111111:role/own',
        defaults=f"profile: p\nexternal_id: e-${{account_id}}\n{REGIONS}",
    )
    assert problems(text) == [f"{FILE}:4:3: `external_id` goes with a role, not a profile"]
    text = one_account(
        'account_id: "111111111111"\nrole: arn:aws:iam::111111111111:role/own',
        defaults=f"external_id: e-${{account_id}}\n{REGIONS}",
    )
    assert parse(text).accounts[0].external_id == "e-111111111111"


def test_defaults_must_be_a_mapping() -> None:
    text = f'version: 1\ndefaults: [{REGIONS}]\naccounts:\n  a: {{account_id: "111111111111"}}\n'
    assert problems(text) == [
        f"{FILE}:2:11: `defaults` must be a mapping, got a list",
        f"{FILE}:4:3: account `a` has no credentials: give it a `role` to assume or a "
        "`profile`, or give one under `defaults`",
    ]


def test_the_organization_role_must_use_the_account_id_variable() -> None:
    text = f"version: 1\norganization:\n  role: arn:aws:iam::111111111111:role/r\n  {REGIONS}\n"
    assert problems(text) == [
        f"{FILE}:3:9: the role of `organization` is in account 111111111111; write "
        "`${account_id}` to assume it in each account of the organization"
    ]


def test_the_organization_needs_a_role() -> None:
    text = f"version: 1\ndefaults: {{profile: p}}\norganization:\n  {REGIONS}\n"
    assert problems(text) == [
        f"{FILE}:3:1: the accounts of `organization` need a `role` to assume: give it one, "
        "or give one under `defaults`"
    ]


@pytest.mark.parametrize(
    "external_id", ["x", "has space", "a" * 1225, "semi;colon", "${env:EMPTY}"]
)
def test_an_external_id_is_what_sts_accepts_and_is_never_shown(external_id: str) -> None:
    text = one_account(
        f'account_id: "111111111111"\n{ROLE}\n{REGIONS}\nexternal_id: "{external_id}"'
    )
    assert problems(text, {"EMPTY": ""}) == [
        f"{FILE}:7:18: `external_id` must be 2 to 1,224 letters, digits or `_+=,.@:/-`, "
        "as STS requires"
    ]


def test_the_longest_external_id_is_accepted_with_the_account_id_in_it() -> None:
    external_id = "a" * (1224 - 12) + "${account_id}"
    text = one_account(
        f'account_id: "111111111111"\n{ROLE}\n{REGIONS}\nexternal_id: "{external_id}"'
    )
    assert parse(text).accounts[0].external_id == "a" * 1212 + "111111111111"


# --- variables ---------------------------------------------------------------------------


def test_an_unset_environment_variable_is_a_problem_where_it_is_used() -> None:
    text = one_account(f'account_id: "111111111111"\n{ROLE}\n{REGIONS}\nexternal_id: ${{env:EXT}}')
    assert problems(text) == [f"{FILE}:7:18: the environment variable `EXT` is not set"]


def test_only_account_id_and_env_variables_exist() -> None:
    text = one_account(
        f'account_id: "111111111111"\nrole: arn:aws:iam::${{acount_id}}:role/r\n{REGIONS}'
    )
    assert problems(text) == [
        f"{FILE}:5:11: unknown variable `${{acount_id}}`; the accounts file knows only "
        "`${account_id}` and `${env:NAME}` (did you mean `${account_id}`?)"
    ]
    text = one_account(f'account_id: "111111111111"\nprofile: ${{team}}\n{REGIONS}')
    assert problems(text) == [
        f"{FILE}:5:14: unknown variable `${{team}}`; the accounts file knows only "
        "`${account_id}` and `${env:NAME}`"
    ]


def test_vars_follow_the_rules_of_spec_vars() -> None:
    text = one_account(
        f'account_id: "111111111111"\n{ROLE}\n{REGIONS}\nvars: {{"1x": a, y: ~, z: [1]}}'
    )
    assert problems(text) == [
        f"{FILE}:7:12: variable name `1x` must start with a letter or `_` and contain only "
        "letters, digits, `_` and `-`",
        f"{FILE}:7:24: variable `y` has no value",
        f"{FILE}:7:30: variable `z` must be a string, number or boolean, got a list",
    ]


def test_vars_are_used_as_written() -> None:
    text = one_account(
        f'account_id: "111111111111"\n{ROLE}\n{REGIONS}\nvars: {{x: "${{env:X}}", n: 3}}'
    )
    assert dict(parse(text).accounts[0].vars) == {"x": "${env:X}", "n": "3"}


# --- regions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        ("[]", "4:14: `regions` must list at least one region"),
        ("us-east-1", "4:14: `regions` must be a list, got a string; write [us-east-1]"),
        ("[us_east_1]", "4:15: `us_east_1` is not an AWS region name (like us-east-1)"),
        ("[Us-East-1]", "4:15: `Us-East-1` is not an AWS region name (like us-east-1)"),
        (
            "[1]",
            "4:15: a region must be a string, got the integer 1; "
            'quote it if you mean the string: "1"',
        ),
        (
            "[us-east-1, eu-west-1, us-east-1]",
            "4:37: region `us-east-1` is repeated in `regions` (first at line 4, column 15)",
        ),
    ],
)
def test_regions_are_a_non_empty_list_of_region_names(regions: str, message: str) -> None:
    text = one_account(f'regions: {regions}\naccount_id: "111111111111"\n{ROLE}')
    assert problems(text) == [f"{FILE}:{message}"]


def test_an_account_without_regions_anywhere_is_a_problem() -> None:
    assert problems(one_account(f'account_id: "111111111111"\n{ROLE}')) == [
        f"{FILE}:3:3: account `a` has no regions: give it `regions`, or give them under `defaults`"
    ]
    assert problems(f"version: 1\norganization: {{{ROLE}}}\n") == [
        f"{FILE}:2:1: `organization` has no regions: give it `regions`, or give them under "
        "`defaults`"
    ]


# --- organization ------------------------------------------------------------------------


def test_exclude_is_a_list_of_account_ids_without_repetition() -> None:
    text = f"""\
        version: 1
        organization:
          {ROLE}
          {REGIONS}
          exclude: ["111111111111", 222222222222, "33", "111111111111"]
        """
    assert problems(text) == [
        f'{FILE}:5:43: an account id in `exclude` must be exactly 12 digits, like "012345678901"; '
        "got `33`",
        f"{FILE}:5:49: account id 111111111111 is repeated in `exclude` (first at line 5, "
        "column 13)",
    ]


def test_an_organization_alone_is_enough() -> None:
    accounts = parse(f"version: 1\norganization: {{{ROLE}, {REGIONS}, exclude: []}}\n")
    assert accounts.accounts == ()
    assert accounts.organization is not None
    assert accounts.organization.exclude == frozenset()


# --- the file as a whole -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: 1\n",
            f"1:1: {NO_ACCOUNT}",
        ),
        (
            "version: 1\naccounts: {}\n",
            f"2:11: {NO_ACCOUNT}",
        ),
        (
            "accounts: {}\norganization: {role: x}\n",
            "1:1: the accounts file is missing `version` (write `version: 1`)",
        ),
    ],
)
def test_a_file_needs_a_version_and_an_account_or_an_organization(text: str, message: str) -> None:
    assert f"{FILE}:{message}" in problems(text)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("2", "unsupported accounts file version 2; this driftcheck reads version 1"),
        ('"1"', "`version` must be the number 1, got a string; remove the quotes"),
        ("true", "`version` must be the number 1, got the boolean true"),
    ],
)
def test_the_version_is_1(version: str, message: str) -> None:
    text = f"version: {version}\norganization: {{{ROLE}, {REGIONS}}}\n"
    assert problems(text) == [f"{FILE}:1:10: {message}"]


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    text = """\
        version: 2
        defaults:
          role: arn:aws:iam::${account_id}:role/r
          regions: [us-east-1, nowhere]
        accounts:
          prod:
            account_id: "1111"
            profile: p
            role: arn:aws:iam::${account_id}:role/r
          staging:
            account_id: "222222222222"
            regoins: [eu-west-1]
        organization:
          exclude: x
        """
    assert problems(text) == [
        f"{FILE}:1:10: unsupported accounts file version 2; this driftcheck reads version 1",
        f"{FILE}:4:24: `nowhere` is not an AWS region name (like us-east-1)",
        f'{FILE}:7:17: `account_id` must be exactly 12 digits, like "012345678901"; got `1111`',
        f"{FILE}:8:5: account `prod` gives both `role` and `profile`; give one: a role to "
        "assume, or a profile to use",
        f"{FILE}:12:5: unknown key `regoins` in account `staging`; did you mean `regions`?",
        f"{FILE}:14:12: `exclude` must be a list, got a string; write [x]",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "1:1: the accounts file is empty; it needs `version: 1` and `accounts`"),
        (
            b"# only a comment\n",
            "1:1: the accounts file is empty; it needs `version: 1` and `accounts`",
        ),
        (
            b"- a\n- b\n",
            "1:1: the accounts file must be a mapping with `version: 1` and `accounts`, got a list",
        ),
        (
            b"version: 1\naccounts: {a: !!python/object:os.system {}}\n",
            "2:15: the tag `!!python/object:os.system` is not allowed: specs are loaded safely, "
            "without Python objects",
        ),
        (
            b"version: 1\naccounts: [\n",
            "3:1: YAML syntax error: did not find expected node content (while parsing a flow "
            "node, which started at line 3, column 1)",
        ),
        (
            b"version: 1\naccounts: {a: \xff}\n",
            "2:15: cannot read the YAML: invalid leading UTF-8 octet (#x00ff)",
        ),
    ],
    ids=["empty", "comment", "list", "unsafe-tag", "syntax", "not-utf8"],
)
def test_yaml_problems_are_located(data: bytes, message: str) -> None:
    from driftcheck.targets import parse_accounts

    with pytest.raises(SpecError) as info:
        parse_accounts(data, FILE, environ={})
    assert f"{FILE}:{message}" in [str(p) for p in info.value.problems]


def test_an_alias_bomb_is_refused() -> None:
    lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    found = problems("\n".join(lines) + "\n")
    assert any("an alias bomb?" in p for p in found)


def test_load_accounts_reads_a_file_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    accounts = load_accounts(path, environ=EXAMPLE_ENV)
    assert accounts.file == str(path)
    assert accounts.accounts[0].source == Source(str(path), 7, 3)
    with pytest.raises(SpecError) as info:
        load_accounts(tmp_path / "missing.yaml")
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'missing.yaml'}:1:1: cannot read the file: No such file or directory"
    ]


def test_load_accounts_never_reads_a_device_and_does_not_wait_on_an_idle_pipe(
    tmp_path: Path,
) -> None:
    # /dev/zero would never end; a FIFO with no writer would block forever if opened plainly
    with pytest.raises(SpecError) as info:
        load_accounts("/dev/zero")
    assert [str(p) for p in info.value.problems] == [
        "/dev/zero:1:1: cannot read the file: it is a character device, not an accounts file"
    ]
    fifo = tmp_path / "fleet.fifo"
    os.mkfifo(fifo)
    with pytest.raises(SpecError) as info:
        load_accounts(fifo)
    assert [p.message for p in info.value.problems] == [
        "the accounts file is empty; it needs `version: 1` and `accounts`"
    ]


def test_parsing_imports_neither_boto3_nor_botocore(tmp_path: Path) -> None:
    path = tmp_path / "accounts.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    program = textwrap.dedent(
        f"""\
        import sys
        from driftcheck.targets import load_accounts
        load_accounts({str(path)!r}, environ={{"DRIFTCHECK_EXTERNAL_ID": "abc"}})
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore")))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout == "[]\n"
