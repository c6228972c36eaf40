"""Specs across accounts and regions: `accounts`, `regions`, the built-in variables
`${account_id}`, `${account}` and `${region}`, and the fleet passed to load_specs."""

from __future__ import annotations

import tempfile
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import Write
from hypothesis import given, settings
from hypothesis import strategies as st

from driftcheck.desired import load_specs
from driftcheck.desired.document import Document
from driftcheck.desired.json_schema import build_schema
from driftcheck.desired.loader import over_quota
from driftcheck.errors import SpecError, UsageError
from driftcheck.model import Api, DesiredSet, DesiredState, SetKey, Source
from driftcheck.targets.accounts import Account, AccountsFile, parse_accounts

ACCOUNTS = """\
version: 1
defaults:
  role: arn:aws:iam::${account_id}:role/driftcheck-read
  regions: [us-east-1]
  vars: {team: mail, env: default}
accounts:
  prod:
    account_id: "111111111111"
    regions: [us-east-1, eu-west-1]
    vars: {env: prod}
  staging:
    account_id: "222222222222"
organization:
  regions: [ap-south-1]
"""
PROD, STAGING = "111111111111", "222222222222"
TENANT = "333333333333"  # listed by the organization at run time


def accounts_file(text: str = ACCOUNTS) -> AccountsFile:
    return parse_accounts(text.encode(), "accounts.yaml", environ={})


FILE_FLEET = accounts_file().fleet()  # what offline `validate` passes
RUN_FLEET = accounts_file().fleet([(TENANT, "tenant")])  # what `plan` passes


def load(
    paths: Sequence[str],
    fleet: Sequence[Account] | None = RUN_FLEET,
    cli_vars: Mapping[str, str] | None = None,
    default_region: str | None = None,
) -> DesiredState:
    return load_specs(
        paths, cli_vars=cli_vars, default_region=default_region, environ={}, fleet=fleet
    )


def problems(
    paths: Sequence[str],
    fleet: Sequence[Account] | None = RUN_FLEET,
    cli_vars: Mapping[str, str] | None = None,
    default_region: str | None = None,
) -> list[str]:
    with pytest.raises(SpecError) as info:
        load(paths, fleet, cli_vars, default_region)
    return [str(p) for p in info.value.problems]


def spec(top: str, topic: str = "arn:aws:sns:${region}:${account_id}:bounces") -> str:
    """A spec with the N top-level lines ``top`` and one set `marketing` (line N+3) holding one
    SNS destination whose TopicArn (at line N+9, column 21) is ``topic``."""
    return (
        "version: 1\n" + textwrap.dedent(top) + "configuration_sets:\n"
        "  marketing:\n"
        "    event_destinations:\n"
        "      sns:\n"
        "        Enabled: true\n"
        "        MatchingEventTypes: [BOUNCE]\n"
        "        SnsDestination:\n"
        f'          TopicArn: "{topic}"\n'
    )


def where(state: DesiredState) -> list[tuple[str, str, str, str]]:
    """(account id, account name, region, set name) of every set, in the state's order."""
    return [(s.key.account, s.key.account_name, s.key.region, s.key.name) for s in state.sets]


def topic(state: DesiredState, account: str, region: str) -> str:
    desired = next(s for s in state.sets if s.key.target == (account, region))
    topic_arn: str = desired.destinations[0].definition["SnsDestination"]["TopicArn"]
    return topic_arn


# --- where a spec declares its sets ------------------------------------------------------


def test_a_spec_declares_its_sets_in_every_listed_account_and_region(write: Write) -> None:
    path = write(spec("accounts: [staging, prod]\nregions: [us-east-1, eu-west-1]\n"))
    state = load([path])
    assert where(state) == [  # sorted by account, then region
        (PROD, "prod", "eu-west-1", "marketing"),
        (PROD, "prod", "us-east-1", "marketing"),
        (STAGING, "staging", "eu-west-1", "marketing"),
        (STAGING, "staging", "us-east-1", "marketing"),
    ]
    assert topic(state, STAGING, "eu-west-1") == f"arn:aws:sns:eu-west-1:{STAGING}:bounces"
    assert topic(state, PROD, "us-east-1") == f"arn:aws:sns:us-east-1:{PROD}:bounces"
    assert {s.source for s in state.sets} == {Source("spec.yaml", 5, 3)}


def test_without_accounts_or_regions_a_spec_covers_each_account_in_its_own_regions(
    write: Write,
) -> None:
    path = write(spec(""))
    assert where(load([path], default_region="us-west-2")) == [  # --region: not used
        (PROD, "prod", "eu-west-1", "marketing"),
        (PROD, "prod", "us-east-1", "marketing"),
        (STAGING, "staging", "us-east-1", "marketing"),
        (TENANT, "tenant", "ap-south-1", "marketing"),  # listed by the organization
    ]


@pytest.mark.parametrize("every", ['accounts: "*"\n', 'accounts: ["*"]\n'])
def test_star_is_every_account_as_the_default_is(write: Write, every: str) -> None:
    assert where(load([write(spec(every))])) == where(load([write(spec(""), "b.yaml")]))


def test_the_spec_regions_win_over_the_account_regions(write: Write) -> None:
    # prod reads us-east-1 and eu-west-1 by default; the spec says where the sets must be.
    one = write(spec("accounts: [prod, staging]\nregion: ap-northeast-1\n"), "one.yaml")
    assert where(load([one])) == [
        (PROD, "prod", "ap-northeast-1", "marketing"),
        (STAGING, "staging", "ap-northeast-1", "marketing"),
    ]
    several = write(spec("accounts: [staging]\nregions: [eu-west-1, us-west-2]\n"), "two.yaml")
    assert [(r, a) for a, _, r, _ in where(load([several]))] == [
        ("eu-west-1", STAGING),
        ("us-west-2", STAGING),
    ]


def test_offline_validate_passes_the_accounts_of_the_file_only(write: Write) -> None:
    path = write(spec(""))
    assert {key[1] for key in where(load([path], FILE_FLEET))} == {"prod", "staging"}


def test_regions_without_an_accounts_file(write: Write) -> None:
    path = write(spec("regions: [us-east-1, eu-west-1]\n", topic="arn:aws:sns:${region}:1:t"))
    with pytest.raises(SpecError):  # `1` is not an account id: checked per region
        load([path], fleet=None)
    path = write(spec("regions: [us-east-1, eu-west-1]\n", "arn:aws:sns:${region}:${id}:t"))
    state = load([path], fleet=None, cli_vars={"id": PROD})
    assert where(state) == [
        ("", "", "eu-west-1", "marketing"),
        ("", "", "us-east-1", "marketing"),
    ]
    assert topic(state, "", "eu-west-1") == f"arn:aws:sns:eu-west-1:{PROD}:t"


def test_region_variable_without_an_accounts_file_takes_the_region_or_default(
    write: Write,
) -> None:
    template = "arn:aws:sns:${region}:" + PROD + ":t"
    given = write(spec("region: eu-west-3\n", template), "given.yaml")
    assert topic(load([given], fleet=None), "", "eu-west-3") == f"arn:aws:sns:eu-west-3:{PROD}:t"
    default = write(spec("", template), "default.yaml")
    state = load([default], fleet=None, default_region="ca-central-1")
    assert topic(state, "", "ca-central-1") == f"arn:aws:sns:ca-central-1:{PROD}:t"
    assert problems([default], fleet=None) == [
        "default.yaml:9:21: `${region}` needs a region: add `region:` or `regions:` to the "
        "spec, pass --region, or set AWS_DEFAULT_REGION"
    ]


def test_without_an_accounts_file_a_region_variable_of_the_spec_keeps_its_meaning(
    write: Write,
) -> None:
    """Specs written before the built-in (``vars: {region: ...}``, ``--var region=...``) plan
    exactly as they did: their own value wins over the set's region."""
    template = "arn:aws:sns:${region}:" + PROD + ":t"
    path = write(spec("region: us-east-1\nvars: {region: eu-west-1}\n", template))
    assert topic(load([path], fleet=None), "", "us-east-1") == f"arn:aws:sns:eu-west-1:{PROD}:t"
    state = load([path], fleet=None, cli_vars={"region": "ap-south-1"})
    assert topic(state, "", "us-east-1") == f"arn:aws:sns:ap-south-1:{PROD}:t"


# --- the built-in variables --------------------------------------------------------------


def test_account_name_and_id_are_variables(write: Write) -> None:
    path = write(spec("accounts: [staging]\n", topic="arn:aws:sns:${region}:${account_id}:x"))
    text = (
        Path(path)
        .read_text()
        .replace(
            "        SnsDestination:\n",
            "        CloudWatchDestination:\n"
            "          DimensionConfigurations:\n"
            "            - DimensionName: account\n"
            "              DimensionValueSource: MESSAGE_TAG\n"
            "              DefaultDimensionValue: ${account}-${region}\n",
        )
    )
    text = text.replace('          TopicArn: "arn:aws:sns:${region}:${account_id}:x"\n', "")
    write(text)
    (desired,) = load([path]).sets
    dimension = desired.destinations[0].definition["CloudWatchDestination"]
    assert dimension["DimensionConfigurations"][0]["DefaultDimensionValue"] == "staging-us-east-1"


@pytest.mark.parametrize("name", ["account_id", "account"])
def test_account_variables_without_an_accounts_file_name_the_flag(write: Write, name: str) -> None:
    path = write(spec("region: us-east-1\n", topic=f"arn:aws:sns:us-east-1:${{{name}}}:t"))
    (problem,) = problems([path], fleet=None)
    assert problem.startswith(f"spec.yaml:10:21: `${{{name}}}` (")
    assert f"needs --accounts FILE; without it, define `{name}` under `vars:`" in problem


def test_without_an_accounts_file_account_id_stays_an_ordinary_variable(write: Write) -> None:
    # Specs written for one account (import --parametrize account_id=...) work as before.
    path = write(spec("region: us-east-1\nvars: {account_id: '" + PROD + "'}\n"))
    assert (
        topic(load([path], fleet=None), "", "us-east-1") == f"arn:aws:sns:us-east-1:{PROD}:bounces"
    )
    state = load([path], fleet=None, cli_vars={"account_id": STAGING})
    assert topic(state, "", "us-east-1") == f"arn:aws:sns:us-east-1:{STAGING}:bounces"


def test_variables_precedence_spec_then_account_then_command_line(write: Write) -> None:
    # defaults give env=default and team=mail; prod gives env=prod; the spec gives both.
    top = "accounts: [prod, staging]\nregion: us-east-1\nvars: {env: spec, team: spec, own: o}\n"
    path = write(spec(top, topic="arn:aws:sns:${region}:${account_id}:${env}-${team}-${own}"))
    state = load([path])
    assert topic(state, PROD, "us-east-1") == f"arn:aws:sns:us-east-1:{PROD}:prod-mail-o"
    assert topic(state, STAGING, "us-east-1") == f"arn:aws:sns:us-east-1:{STAGING}:default-mail-o"
    state = load([path], cli_vars={"env": "cli", "own": "c"})
    assert topic(state, PROD, "us-east-1") == f"arn:aws:sns:us-east-1:{PROD}:cli-mail-c"
    assert topic(state, STAGING, "us-east-1") == f"arn:aws:sns:us-east-1:{STAGING}:cli-mail-c"


@pytest.mark.parametrize(
    ("name", "fleet"),
    [("region", RUN_FLEET), ("account_id", RUN_FLEET), ("account", RUN_FLEET)],
)
def test_built_in_variables_cannot_be_redefined_in_a_spec(
    write: Write, name: str, fleet: Sequence[Account] | None
) -> None:
    top = f"region: us-east-1\nvars:\n  ok: 1\n  {name}: x\n"
    path = write(spec(top, topic=f"arn:aws:sns:us-east-1:{PROD}:t"))
    assert problems([path], fleet) == [
        f"spec.yaml:5:3: `{name}` is a built-in variable ("
        + {
            "region": "the region of each configuration set",
            "account_id": "the 12-digit id of each account",
            "account": "the name of each account in the accounts file",
        }[name]
        + ") and cannot be redefined; rename this one"
    ]


@pytest.mark.parametrize(
    ("name", "fleet"), [("region", RUN_FLEET), ("account_id", RUN_FLEET), ("account", RUN_FLEET)]
)
def test_built_in_variables_cannot_be_redefined_with_var(
    write: Write, name: str, fleet: Sequence[Account] | None
) -> None:
    path = write(spec("region: us-east-1\n"))
    with pytest.raises(UsageError, match=rf"^--var {name}=\.\.\.: `{name}` is a built-in"):
        load([path], fleet, cli_vars={name: "x"})


@pytest.mark.parametrize("name", ["region", "account_id", "account"])
def test_built_in_variables_cannot_be_redefined_in_the_accounts_file(name: str) -> None:
    text = ACCOUNTS.replace("    vars: {env: prod}", f"    vars:\n      {name}: x")
    with pytest.raises(SpecError) as info:
        accounts_file(text)
    assert [str(p) for p in info.value.problems] == [
        f"accounts.yaml:11:7: `{name}` is a built-in variable ("
        + {
            "region": "the region of each configuration set",
            "account_id": "the 12-digit id of each account",
            "account": "the name of each account in the accounts file",
        }[name]
        + ") and cannot be redefined; rename this one"
    ]


def test_built_in_variables_are_not_known_at_the_top_level(write: Write) -> None:
    path = write(spec("region: ${region}\n"))
    assert problems([path]) == [
        "spec.yaml:2:9: `${region}` has a value only inside `configuration_sets` "
        "(the region of each configuration set)"
    ]


def test_a_problem_of_some_targets_only_names_the_first_of_them(write: Write) -> None:
    # `tier` is defined for prod only: staging, in both regions, cannot resolve it.
    fleet = accounts_file(ACCOUNTS.replace("vars: {env: prod}", "vars: {tier: gold}")).fleet()
    path = write(spec("regions: [us-east-1, eu-west-1]\n", topic="arn:aws:sns:${region}:1:${tier}"))
    assert problems([path], fleet) == [
        # prod resolves `tier`, then `1` is not an account id
        *(
            "spec.yaml:10:21: `TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC, "
            f"got `arn:aws:sns:{region}:1:gold` (for account `prod`, {region})"
            for region in ("eu-west-1", "us-east-1")
        ),
        "spec.yaml:10:21: undefined variable `tier`; define it under `vars:` or pass "
        "--var tier=... (for account `staging`, us-east-1, and 1 other target)",
    ]


def test_one_mistake_across_many_targets_shows_a_few_messages_then_a_count(
    write: Write,
) -> None:
    text = "version: 1\ndefaults:\n  profile: p\n  regions: [us-east-1, eu-west-1]\naccounts:\n"
    text += "".join(f"  a{i:02d}:\n    account_id: '{i:012d}'\n" for i in range(20))
    fleet = accounts_file(text).fleet()
    # `${account}` where the account id belongs: a different message per target
    path = write(spec("", topic="arn:aws:sns:${region}:${account}:t"))
    assert problems([path], fleet) == [
        "spec.yaml:9:21: `TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC, got "
        f"`arn:aws:sns:{region}:{account}:t` (for account `{account}`, {region})"
        for account, region in (("a00", "eu-west-1"), ("a00", "us-east-1"), ("a01", "us-east-1"))
    ] + ["spec.yaml:9:21: … and 37 more problems here, for other accounts or regions"]
    many = "arn:aws:sns:us-east-1:${account_id}:${w}${x}${y}${z}"
    every = write(spec("", topic=many), "every.yaml")
    assert problems([every], fleet) == [  # found for every target: all shown, once
        f"every.yaml:9:21: undefined variable `{name}`; define it under `vars:` or pass "
        f"--var {name}=..."
        for name in "wxyz"
    ]
    same = write(spec("", topic="arn:aws:sqs:${region}:${account_id}:q"), "same.yaml")
    assert problems([same], fleet) == [  # the same message for every target: shown once
        "same.yaml:9:21: `TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC: the "
        "service is `sqs`, not `sns`"
    ]


# --- the spec's accounts and regions, checked --------------------------------------------


def test_an_unknown_account_is_an_error_at_its_line_with_a_suggestion(write: Write) -> None:
    path = write(spec("accounts:\n  - prod\n  - stagign\n  - nothing-like-it\n"))
    assert problems([path]) == [
        "spec.yaml:4:5: account `stagign` is not in the accounts file (did you mean `staging`?)",
        "spec.yaml:5:5: account `nothing-like-it` is not in the accounts file; it names "
        "`prod` and `staging`",
    ]


def test_an_organization_account_is_reached_through_star_only(write: Write) -> None:
    path = write(spec("accounts: [tenant]\n"))
    assert problems([path]) == [
        "spec.yaml:2:12: account `tenant` is not in the accounts file; it is listed by "
        '`organization`, whose accounts a spec reaches with `accounts: "*"` only'
    ]
    # offline, validate does not know it at all: the same spec is refused there too
    assert problems([path], FILE_FLEET) == [
        "spec.yaml:2:12: account `tenant` is not in the accounts file; it names `prod` and "
        "`staging`"
    ]


def test_accounts_without_an_accounts_file_is_an_error_at_its_line(write: Write) -> None:
    path = write(spec("region: us-east-1\naccounts: [prod]\n", topic="arn:aws:sns:${region}:1:t"))
    assert problems([path], fleet=None)[0] == (
        "spec.yaml:3:1: `accounts` names accounts of the accounts file: pass --accounts FILE "
        "(without it, the specs cover the credentials' own account)"
    )


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (
            "region: us-east-1\nregions: [eu-west-1]\n",
            "spec.yaml:3:1: the spec gives both `region` and `regions`; give one (`regions` "
            "lists several)",
        ),
        ("regions: []\n", "spec.yaml:2:10: `regions` must list at least one region"),
        (
            "regions: us-east-1\n",
            "spec.yaml:2:10: `regions` must be a list, got a string; write [us-east-1]",
        ),
        (
            "regions: [us-east-1, eu-west-1, us-east-1]\n",
            "spec.yaml:2:33: region `us-east-1` is repeated in `regions` (first at line 2, "
            "column 11)",
        ),
        (
            "regions: [us-east-1, Europe]\n",
            "spec.yaml:2:22: `Europe` is not an AWS region name (like us-east-1)",
        ),
        (
            "accounts: []\n",
            'spec.yaml:2:11: `accounts` must list at least one account (or be "*" for every '
            "account)",
        ),
        (
            "accounts: prod\n",
            'spec.yaml:2:11: `accounts` must be a list of account names, or "*" for every '
            "account, got a string",
        ),
        (
            "accounts: [prod, prod]\n",
            "spec.yaml:2:18: account `prod` is repeated in `accounts` (first at line 2, column 12)",
        ),
        (
            'accounts: [prod, "*"]\n',
            'spec.yaml:2:18: `"*"` already means every account: list names, or write `"*"` alone',
        ),
    ],
)
def test_accounts_and_regions_are_checked(write: Write, top: str, expected: str) -> None:
    assert problems([write(spec(top))]) == [expected]


def test_a_spec_covering_no_known_account_is_still_checked(write: Write) -> None:
    # An accounts file with `organization` only, validated offline: no account yet.
    only_organization = "version: 1\norganization:\n  role: arn:aws:iam::${account_id}:role/r\n"
    fleet = accounts_file(only_organization + "  regions: [us-east-1]\n").fleet()
    assert fleet == ()
    good = write(spec(""), "good.yaml")
    assert load([good], fleet).sets == ()
    bad = write(spec("", topic="arn:aws:sqs:${region}:${account_id}:q"), "bad.yaml")
    assert problems([bad], fleet) == [
        "bad.yaml:9:21: `TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC: the "
        "service is `sqs`, not `sns`"
    ]


# --- one set, one place --------------------------------------------------------------------


def test_a_set_declared_twice_in_one_account_and_region_names_both_places(write: Write) -> None:
    first = write(spec("accounts: [prod]\n"), "a.yaml")
    second = write(spec("accounts: [staging]\nregion: eu-west-1\n"), "b.yaml")
    assert len(load([first, second]).sets) == 3  # prod x 2 regions, staging x 1: no overlap
    third = write(spec('accounts: "*"\nregion: eu-west-1\n'), "c.yaml")
    assert problems([first, second, third]) == [
        "c.yaml:5:3: configuration set `marketing` (in account `prod`, eu-west-1, api "
        "pinpoint-email) is declared twice; also declared at a.yaml:4:3",
        "c.yaml:5:3: configuration set `marketing` (in account `staging`, eu-west-1, api "
        "pinpoint-email) is declared twice; also declared at b.yaml:5:3",
    ]
    other_api = write(spec("accounts: [staging]\nregion: eu-west-1\napi: sesv2\n"), "d.yaml")
    assert problems([second, other_api]) == [
        "d.yaml:6:3: configuration set `marketing` (in account `staging`, eu-west-1) is also "
        "declared at b.yaml:5:3 with api pinpoint-email; both APIs manage the same SES "
        "configuration set"
    ]


def test_the_quota_counts_per_account_and_region() -> None:
    def sets(account: str, region: str, count: int) -> list[DesiredSet]:
        return [
            DesiredSet(
                SetKey(Api.SESV2, region, f"s{i}", account=account, account_name=f"n{account}"),
                (),
                Source("spec.yaml", i + 1),
            )
            for i in range(count)
        ]

    at_quota = sets(PROD, "us-east-1", 3) + sets(STAGING, "us-east-1", 3)
    at_quota += sets(PROD, "eu-west-1", 3)
    assert over_quota(at_quota, quota=3) == []
    (problem,) = over_quota(at_quota + sets(STAGING, "us-east-1", 4)[3:], quota=3)
    assert str(problem) == (
        f"spec.yaml:4:1: configuration set `s3` is one more than SES allows in account "
        f"`n{STAGING}`, us-east-1: at most 3 configuration sets per account and region"
    )


# --- reading once per distinct values --------------------------------------------------------


def test_sets_are_read_once_per_distinct_values_they_use(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[Mapping[str, str]] = []
    read_sets = Document.read_sets

    def counted(self: Document, values: Mapping[str, str], unavailable: Mapping[str, str]) -> Any:
        reads.append(values)
        return read_sets(self, values, unavailable)

    monkeypatch.setattr(Document, "read_sets", counted)
    names = [f"a{i:03d}" for i in range(50)]
    text = "version: 1\ndefaults:\n  profile: p\n  regions: [us-east-1, eu-west-1]\naccounts:\n"
    text += "".join(f"  {name}:\n    account_id: '{i:012d}'\n" for i, name in enumerate(names))
    fleet = accounts_file(text).fleet()
    static = write(spec("", topic=f"arn:aws:sns:us-east-1:{PROD}:t"), "static.yaml")
    assert len(load([static], fleet).sets) == 100
    assert len(reads) == 1
    reads.clear()
    per_account = write(spec("", topic="arn:aws:sns:us-east-1:${account_id}:t"), "acc.yaml")
    assert len(load([per_account], fleet).sets) == 100
    assert sorted(r["account_id"] for r in reads) == sorted(f"{i:012d}" for i in range(50))
    reads.clear()
    per_target = write(spec("", topic="arn:aws:sns:${region}:${account_id}:t"), "all.yaml")
    assert len(load([per_target], fleet).sets) == 100
    assert len(reads) == 100


# --- the JSON Schema ---------------------------------------------------------------------

VALIDATOR = jsonschema.Draft7Validator(build_schema())


@pytest.mark.parametrize(
    "top",
    [
        "accounts: [prod, staging]\nregions: [us-east-1, eu-west-1]\n",
        'accounts: "*"\nregion: us-east-1\n',
        "regions: [eu-west-1]\nvars: {x: y}\n",
    ],
)
def test_the_schema_accepts_what_validation_accepts(write: Write, top: str) -> None:
    text = spec(top)
    load([write(text)])
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text))) == []


@pytest.mark.parametrize(
    "top",
    [
        "region: us-east-1\nregions: [eu-west-1]\n",
        "regions: []\n",
        "regions: [us-east-1, us-east-1]\n",
        "regions: [Europe]\n",
        "accounts: []\n",
        "accounts: prod\n",
        "accounts: [prod, prod]\n",
    ],
)
def test_the_schema_rejects_what_validation_rejects(write: Write, top: str) -> None:
    text = spec(top)
    assert problems([write(text)])
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text))) != []


# --- the property: every declared (account, region, set) once, or an error -----------------

POOL_REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"]
POOL_SETS = ["a", "b", "c"]
names_of = st.lists(st.sampled_from(["n0", "n1", "n2", "n3", "zz"]), unique=True, min_size=1)


@st.composite
def fleets(draw: st.DrawFn) -> list[tuple[str, list[str]]]:
    """(name, regions) of 1 to 4 accounts."""
    count = draw(st.integers(1, 4))
    regions = st.lists(st.sampled_from(POOL_REGIONS), unique=True, min_size=1)
    return [(f"n{i}", draw(regions)) for i in range(count)]


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "accounts": draw(st.none() | st.just("*") | names_of),
        "regions": draw(
            st.none() | st.lists(st.sampled_from(POOL_REGIONS), unique=True, min_size=1)
        ),
        "sets": draw(st.lists(st.sampled_from(POOL_SETS), unique=True, min_size=1)),
        "api": draw(st.sampled_from(["pinpoint-email", "sesv2"])),
    }


@settings(max_examples=60, deadline=None)
@given(fleet_spec=fleets(), spec_list=st.lists(specs(), min_size=1, max_size=3))
def test_every_declared_set_is_in_the_state_exactly_once_or_an_error(
    fleet_spec: list[tuple[str, list[str]]], spec_list: list[dict[str, Any]]
) -> None:
    text = "version: 1\naccounts:\n"
    for i, (name, regions) in enumerate(fleet_spec):
        text += f"  {name}:\n    account_id: '{i + 1:012d}'\n    profile: p\n"
        text += f"    regions: [{', '.join(regions)}]\n"
    fleet = accounts_file(text).fleet()
    ids = {name: f"{i + 1:012d}" for i, (name, _) in enumerate(fleet_spec)}
    own_regions = dict(fleet_spec)
    declared: list[tuple[str, str, str]] = []
    unknown = False
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for index, one in enumerate(spec_list):
            body: dict[str, Any] = {"version": 1, "api": one["api"]}
            if one["accounts"] is not None:
                body["accounts"] = one["accounts"]
            if one["regions"] is not None:
                body["regions"] = one["regions"]
            body["configuration_sets"] = {name: {"event_destinations": {}} for name in one["sets"]}
            path = Path(tmp, f"{index}.yaml")
            path.write_text(yaml.safe_dump(body))
            paths.append(str(path))
            listed = one["accounts"] if isinstance(one["accounts"], list) else list(ids)
            unknown |= any(name not in ids for name in listed)
            for name in (n for n in listed if n in ids):
                for region in one["regions"] or own_regions[name]:
                    declared += [(ids[name], region, s) for s in one["sets"]]
        twice = any(count > 1 for count in Counter(declared).values())
        if unknown or twice:
            with pytest.raises(SpecError):
                load_specs(paths, environ={}, fleet=fleet)
            return
        state = load_specs(paths, environ={}, fleet=fleet)
    got = [(s.key.account, s.key.region, s.key.name) for s in state.sets]
    assert sorted(got) == sorted(declared)
    assert len(set(got)) == len(got)
    assert all(
        s.key.account_name == {v: k for k, v in ids.items()}[s.key.account] for s in state.sets
    )
