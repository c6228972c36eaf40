"""``--accounts``: plan, validate, apply and import across accounts and regions, in a real
subprocess, through the real boto3 STS, Organizations and SES clients against the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from driftcheck.emulator import Emulator
from tests.conftest import Result, run_cli
from tests.test_cli_ci import assert_error, cli_env, error_lines

PROD, STAGING, TENANT, SUSPENDED = "111111111111", "222222222222", "333333333333", "444444444444"
MANAGEMENT = "123456789012"  # the emulator's default account manages its organization
REGIONS = ("us-east-1", "eu-west-1")
NAMES = {PROD: "prod", STAGING: "staging", TENANT: "tenant"}
SPEC = """\
version: 1
configuration_sets:
  transactional:
    event_destinations:
      bounces:
        Enabled: true
        MatchingEventTypes: [BOUNCE, COMPLAINT]
        SnsDestination:
          TopicArn: arn:aws:sns:${region}:${account_id}:bounces
"""
ACCOUNTS = f"""\
version: 1
defaults:
  role: arn:aws:iam::${{account_id}}:role/driftcheck-read
  regions: [us-east-1, eu-west-1]
accounts:
  prod: {{account_id: "{PROD}"}}
  staging: {{account_id: "{STAGING}"}}
  tenant: {{account_id: "{TENANT}"}}
"""


def destination(account: str, region: str, types: tuple[str, ...] = ("BOUNCE", "COMPLAINT")) -> Any:
    return {
        "Enabled": True,
        "MatchingEventTypes": list(types),
        "SnsDestination": {"TopicArn": f"arn:aws:sns:{region}:{account}:bounces"},
    }


def estate(drift: tuple[str, str] | None = None, **roles: Any) -> dict[str, Any]:
    """Every account in sync in both regions; ``drift`` (account, region): BOUNCE only there."""
    accounts: dict[str, Any] = {}
    for account, name in NAMES.items():
        regions = {}
        for region in REGIONS:
            types = ("BOUNCE",) if drift == (account, region) else ("BOUNCE", "COMPLAINT")
            regions[region] = {"transactional": {"bounces": destination(account, region, types)}}
        accounts[account] = {"name": name, "regions": regions}
        if account in roles:
            accounts[account]["roles"] = roles[account]
    accounts[SUSPENDED] = {"name": "closed", "status": "SUSPENDED"}
    return {"version": 1, "accounts": accounts}


@pytest.fixture
def env(tmp_path: Path, emulator: Emulator) -> dict[str, str]:
    environment = cli_env(tmp_path)
    environment["AWS_ENDPOINT_URL_STS"] = emulator.url
    environment["AWS_ENDPOINT_URL_ORGANIZATIONS"] = emulator.url
    return environment


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "fleet.yaml").write_text(SPEC)
    (tmp_path / "accounts.yaml").write_text(ACCOUNTS)
    return tmp_path


def fleet_plan(emulator: Emulator, env: dict[str, str], root: Path, *args: str) -> Result:
    return run_cli(
        "plan",
        str(root / "specs"),
        "--accounts",
        str(root / "accounts.yaml"),
        "--endpoint-url",
        emulator.url,
        *args,
        env=env,
    )


def assume_role_calls(emulator: Emulator) -> int:
    return emulator.stats().by_api.get("sts", {}).get("AssumeRole", 0)


def json_rows(result: Result) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(result.stdout)["configuration_sets"]
    return rows


def test_every_account_and_region_in_sync_one_assume_role_per_account(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    emulator.reset(estate())
    result = fleet_plan(emulator, env, files)
    assert result.code == 0, result.stderr
    assert assume_role_calls(emulator) == 3
    # one read per set: 3 accounts x 2 regions, each in its own bucket
    targets = emulator.stats().by_target
    assert set(targets) == {f"{a}/{r}" for a in NAMES for r in REGIONS}
    assert all(counts["calls"] == 1 for counts in targets.values())


def test_drift_in_one_account_and_region_is_named(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    emulator.reset(estate(drift=(STAGING, "eu-west-1")))
    result = fleet_plan(emulator, env, files, "--format", "json")
    assert result.code == 2, result.stderr
    document = json.loads(result.stdout)
    drifted = [r for r in document["destinations"] if r["status"] != "in_sync"]
    assert [(r["account"], r["account_name"], r["region"]) for r in drifted] == [
        (STAGING, "staging", "eu-west-1")
    ]
    assert len(document["destinations"]) == 6


def test_one_bad_account_is_an_error_and_the_others_are_still_planned(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    emulator.reset(
        estate(drift=(TENANT, "us-east-1"), **{PROD: {"driftcheck-read": {"denied": True}}})
    )
    result = fleet_plan(emulator, env, files, "--format", "json")
    assert result.code == 1  # errors beat drift
    errors = error_lines(result)
    assert len(errors) == 2, result.stderr  # prod's set in each region, named
    assert all("prod" in line and "AccessDenied" in line for line in errors), errors
    document = json.loads(result.stdout)
    statuses = {(r["account"], r["region"]): r["status"] for r in json_rows(result)}
    assert statuses == {
        (PROD, "us-east-1"): "error",
        (PROD, "eu-west-1"): "error",
        (STAGING, "us-east-1"): "present",
        (STAGING, "eu-west-1"): "present",
        (TENANT, "us-east-1"): "present",
        (TENANT, "eu-west-1"): "present",
    }
    # the other accounts are fully planned: the drift of tenant is shown
    shown = {(r["account"], r["region"]): r["status"] for r in document["destinations"]}
    assert shown == {
        (STAGING, "us-east-1"): "in_sync",
        (STAGING, "eu-west-1"): "in_sync",
        (TENANT, "us-east-1"): "misconfigured",
        (TENANT, "eu-west-1"): "in_sync",
    }
    assert assume_role_calls(emulator) == 3


def test_a_wrong_external_id_makes_its_account_an_error(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    emulator.reset(estate(**{TENANT: {"driftcheck-read": {"external_id": "the-right-one"}}}))
    accounts = ACCOUNTS.replace(
        f'tenant: {{account_id: "{TENANT}"}}',
        f'tenant: {{account_id: "{TENANT}", external_id: "${{env:TENANT_ID}}"}}',
    )
    (files / "accounts.yaml").write_text(accounts)
    env["TENANT_ID"] = "a-wrong-one"
    result = fleet_plan(emulator, env, files)
    assert_error(result, "tenant", "AccessDenied", lines=2)
    assert "a-wrong-one" not in result.stdout + result.stderr  # a secret
    env["TENANT_ID"] = "the-right-one"
    assert fleet_plan(emulator, env, files).code == 0


def test_an_organization_covers_its_active_accounts(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    document = estate()
    document["accounts"][MANAGEMENT] = {"name": "management"}
    emulator.reset(document)
    (files / "accounts.yaml").write_text(
        "version: 1\n"
        "organization:\n"
        "  role: arn:aws:iam::${account_id}:role/driftcheck-read\n"
        "  regions: [us-east-1, eu-west-1]\n"
        f'  exclude: ["{MANAGEMENT}"]\n'
    )
    result = fleet_plan(emulator, env, files, "--format", "json")
    assert result.code == 0, result.stderr
    covered = {(r["account"], r["account_name"]) for r in json_rows(result)}
    assert covered == {(PROD, "prod"), (STAGING, "staging"), (TENANT, "tenant")}  # not SUSPENDED
    assert assume_role_calls(emulator) == 3


def test_validate_with_accounts_makes_no_api_call(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    result = run_cli(
        "validate", str(files / "specs"), "--accounts", str(files / "accounts.yaml"), env=env
    )
    assert result.code == 0, result.stderr
    # one set in 3 accounts x 2 regions
    assert result.stdout.startswith("OK: 6 configuration sets, 6 event destinations"), result.stdout
    assert emulator.stats().total == 0
    assert emulator.stats().by_api == {}


def test_a_bad_accounts_file_is_reported_at_its_line_before_any_call(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    (files / "accounts.yaml").write_text(ACCOUNTS.replace(f'"{TENANT}"', '"3333"'))
    result = fleet_plan(emulator, env, files)
    assert result.code == 1
    assert f"{files / 'accounts.yaml'}:8:" in result.stderr
    assert emulator.stats().total == 0 and emulator.stats().by_api == {}


def test_a_bad_role_session_name_is_a_usage_error(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    result = fleet_plan(emulator, env, files, "--role-session-name", "has space")
    assert_error(result, "--role-session-name must be 2 to 64")
    assert emulator.stats().by_api == {}


def stored(emulator: Emulator, account: str, region: str) -> Any:
    return emulator.state["accounts"][account]["regions"][region]["transactional"]["bounces"]


def test_apply_writes_each_account_and_region_with_its_own_credentials(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    document = estate(drift=(STAGING, "eu-west-1"))
    del document["accounts"][TENANT]["regions"]["us-east-1"]  # the set is missing there
    emulator.reset(document)
    result = run_cli(
        "apply",
        str(files / "specs"),
        "--accounts",
        str(files / "accounts.yaml"),
        "--auto-approve",
        "--max-rps",
        "100",
        "--endpoint-url",
        emulator.url,
        env=env,
    )
    assert result.code == 0, result.stderr
    assert stored(emulator, STAGING, "eu-west-1") == destination(STAGING, "eu-west-1")
    assert stored(emulator, TENANT, "us-east-1") == destination(TENANT, "us-east-1")
    # nothing was written elsewhere, and nothing in the default account
    writes = emulator.stats().by_target
    written = {t for t, counts in writes.items() if counts["calls"] > 1}
    assert written == {f"{STAGING}/eu-west-1", f"{TENANT}/us-east-1"}
    assert MANAGEMENT not in emulator.state.get("accounts", {})
    assert assume_role_calls(emulator) == 3  # the plan's credentials are the writes' too
    assert fleet_plan(emulator, env, files).code == 0


def test_a_saved_fleet_plan_needs_its_accounts_file(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    emulator.reset(estate(drift=(PROD, "us-east-1")))
    saved = files / "plan.json"
    assert fleet_plan(emulator, env, files, "--out", str(saved)).code == 2
    without = run_cli("apply", str(saved), "--endpoint-url", emulator.url, env=env)
    assert_error(without, f"the saved plan covers 3 accounts ({PROD}, {STAGING}, {TENANT})")
    assert stored(emulator, PROD, "us-east-1") != destination(PROD, "us-east-1")
    accounts = ("--accounts", str(files / "accounts.yaml"))
    applied = run_cli("apply", str(saved), *accounts, "--endpoint-url", emulator.url, env=env)
    assert applied.code == 0, applied.stderr
    assert stored(emulator, PROD, "us-east-1") == destination(PROD, "us-east-1")


def test_import_writes_one_spec_per_account_and_region_that_plans_in_sync(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    emulator.reset(estate(drift=(STAGING, "eu-west-1")))  # each target as it is, drift or not
    out = files / "imported"
    accounts = ("--accounts", str(files / "accounts.yaml"))
    result = run_cli(
        "import", "--all", *accounts, "--out", str(out), "--endpoint-url", emulator.url, env=env
    )
    assert result.code == 0, result.stderr
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.yaml"))
    assert written == sorted(
        f"{name}/{region}.yaml" for name in NAMES.values() for region in REGIONS
    )
    spec = (out / "staging" / "eu-west-1.yaml").read_text()
    assert "accounts: [staging]" in spec and "region: eu-west-1" in spec
    # the account id is the built-in variable: the same text in every account
    assert "TopicArn: arn:aws:sns:eu-west-1:${account_id}:bounces" in spec
    assert STAGING not in spec.split("\n", 3)[3]  # only the header names the account
    assert assume_role_calls(emulator) == 3
    again = run_cli(
        "plan", str(out), *accounts, "--endpoint-url", emulator.url, "--format", "json", env=env
    )
    assert again.code == 0, again.stderr  # the imported specs are exactly the live state
    assert len(json_rows(again)) == 6


def test_import_across_accounts_needs_an_output_directory(
    emulator: Emulator, env: dict[str, str], files: Path
) -> None:
    result = run_cli(
        "import",
        "--all",
        "--accounts",
        str(files / "accounts.yaml"),
        "--endpoint-url",
        emulator.url,
        env=env,
    )
    assert_error(result, "import --accounts writes one spec per account and region: --out DIR")
    assert emulator.stats().by_api == {}
