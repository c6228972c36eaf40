"""``plan --attribute`` end to end: real boto3 clients write through the emulator as two
people, and driftcheck names them, through its real CloudTrail client and LookupEvents."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from driftcheck.emulator import Emulator, Identity, TrailSettings
from tests.conftest import Result, isolated_aws_env, run_cli

ACCOUNT = "123456789012"
ALICE_KEY, MALLORY_KEY, READER_KEY = "AKIDALICE00000001", "AKIDMALLORY000001", "AKIDREADER0000001"
CLI_AGENT = "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64 prompt/off"
TERRAFORM_AGENT = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.9.0 (+https://www.terraform.io) "
    "terraform-provider-aws/5.31.0 aws-sdk-go-v2/1.24.0"
)
SPEC = """\
version: 1
region: us-east-1
configuration_sets:
  marketing:
    event_destinations:
      sns-bounces: {Enabled: true, MatchingEventTypes: [BOUNCE], SnsDestination: {TopicArn: A}}
      archive: {Enabled: true, MatchingEventTypes: [SEND], SnsDestination: {TopicArn: A}}
      fine: {Enabled: true, MatchingEventTypes: [OPEN], SnsDestination: {TopicArn: A}}
  newsletters:
    event_destinations:
      n1: {Enabled: true, MatchingEventTypes: [CLICK], SnsDestination: {TopicArn: A}}
"""


def topic(name: str) -> str:
    return f"arn:aws:sns:us-east-1:{ACCOUNT}:{name}"


def destination(event: str, topic_name: str = "a") -> dict[str, Any]:
    return {"Enabled": True, "MatchingEventTypes": [event],
            "SnsDestination": {"TopicArn": topic(topic_name)}}  # fmt: skip


def writer(emulator: Emulator, key: str, name: str, agent: str) -> Any:
    """A pinpoint-email client signing as the IAM user ``name``, sending ``agent``."""
    emulator.identities.register(Identity.iam_user(key, name))
    return boto3.session.Session().client(
        "pinpoint-email",
        region_name="us-east-1",
        endpoint_url=emulator.url,
        aws_access_key_id=key,
        aws_secret_access_key="secret",
        config=Config(user_agent=agent, retries={"total_max_attempts": 1}),
    )


@pytest.fixture
def drifted(emulator: Emulator, aws_env: dict[str, str], tmp_path: Path) -> Path:
    """alice sets everything up as the spec says; a second later, mallory (Terraform)
    updates one destination and adds one, alice (AWS CLI) deletes one and a whole set.
    CloudTrail times are to the second: the second write of a row must come a second later."""
    alice = writer(emulator, ALICE_KEY, "alice", CLI_AGENT)
    mallory = writer(emulator, MALLORY_KEY, "mallory", TERRAFORM_AGENT)
    for name, rows in {
        "marketing": {"sns-bounces": "BOUNCE", "archive": "SEND", "fine": "OPEN"},
        "newsletters": {"n1": "CLICK"},
    }.items():
        alice.create_configuration_set(ConfigurationSetName=name)
        for row, event in rows.items():
            alice.create_configuration_set_event_destination(
                ConfigurationSetName=name,
                EventDestinationName=row,
                EventDestination=destination(event),
            )
    time.sleep(1.1)
    mallory.update_configuration_set_event_destination(
        ConfigurationSetName="marketing",
        EventDestinationName="sns-bounces",
        EventDestination=destination("BOUNCE", "b"),
    )
    mallory.create_configuration_set_event_destination(
        ConfigurationSetName="marketing",
        EventDestinationName="old",
        EventDestination=destination("SEND", "old"),
    )
    alice.delete_configuration_set_event_destination(
        ConfigurationSetName="marketing", EventDestinationName="archive"
    )
    alice.delete_configuration_set(ConfigurationSetName="newsletters")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.replace("TopicArn: A", f"TopicArn: {topic('a')}"), encoding="utf-8")
    return spec


def plan(emulator: Emulator, tmp_path: Path, *args: str) -> Result:
    env = isolated_aws_env(
        tmp_path,
        AWS_ACCESS_KEY_ID=READER_KEY,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL_CLOUDTRAIL=emulator.url,  # boto3's own setting: --endpoint-url is SES's
    )
    return run_cli("plan", *args, "--endpoint-url", emulator.url, env=env)


def authors(document: dict[str, Any]) -> dict[str, Any]:
    """Row (or set) name -> (user, via, event) of its changed_by, or None."""
    found: dict[str, Any] = {}
    for row in document["destinations"]:
        found[row["name"]] = row["changed_by"] and (
            row["changed_by"]["user"],
            row["changed_by"]["via"],
            row["changed_by"]["event"],
        )
    for set_plan in document["configuration_sets"]:
        by = set_plan["changed_by"]
        found[set_plan["name"]] = by and (by["user"], by["via"], by["event"])
    return found


def without_authors(document: dict[str, Any]) -> dict[str, Any]:
    for item in document["destinations"] + document["configuration_sets"]:
        item["changed_by"] = None
    return document


def test_each_kind_of_drift_is_attributed_to_its_writer(
    emulator: Emulator, drifted: Path, tmp_path: Path
) -> None:
    plain = plan(emulator, tmp_path, str(drifted), "--format", "json")
    result = plan(emulator, tmp_path, str(drifted), "--format", "json", "--attribute", "--verbose")
    assert result.code == plain.code == 2, result
    document = json.loads(result.stdout)
    assert authors(document) == {
        "marketing": None,  # present
        "newsletters": ("alice", "aws-cli", "DeleteConfigurationSet"),  # missing set
        "n1": ("alice", "aws-cli", "DeleteConfigurationSet"),  # missing with its set
        "archive": ("alice", "aws-cli", "DeleteConfigurationSetEventDestination"),  # missing
        "sns-bounces": ("mallory", "terraform", "UpdateConfigurationSetEventDestination"),
        "old": ("mallory", "terraform", "CreateConfigurationSetEventDestination"),  # extra
        "fine": None,  # in sync: alice wrote it, but it is not drift
    }
    [updated] = [r["changed_by"] for r in document["destinations"] if r["name"] == "sns-bounces"]
    [record] = [
        r for r in emulator.trail_records() if r["eventID"] == updated["event_id"]
    ]  # the very record mallory's call left
    assert updated == {
        "principal": f"arn:aws:iam::{ACCOUNT}:user/mallory",
        "user": "mallory",
        "type": "IAMUser",
        "at": record["eventTime"],
        "event": "UpdateConfigurationSetEventDestination",
        "via": "terraform",
        "source_ip": "127.0.0.1",
        "event_id": record["eventID"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", updated["at"])
    # attribution changes nothing else: the plan without it is the same document
    assert without_authors(document) == json.loads(plain.stdout)
    assert document["warnings"] == []
    # 5 write event names are needed (create/update/delete destination, create/delete set);
    # each query found all it looked for on its first page (a throttled call is retried)
    [cost] = re.findall(r"attribution cost (\d+) LookupEvents calls, (.*)", result.stderr)
    assert int(cost[0]) >= 5
    assert cost[1] == "5 pages, 10 events read in 5 queries"  # the 10 writes of alice and mallory


def test_the_text_plan_names_the_writer_and_how_long_ago(
    emulator: Emulator, drifted: Path, tmp_path: Path
) -> None:
    result = plan(emulator, tmp_path, str(drifted), "--attribute")
    assert result.code == 2, result
    lines = result.stdout.splitlines()
    at = lines.index("  # marketing/old (us-east-1) is not declared and will be destroyed")
    assert re.fullmatch(
        rf"  # changed by arn:aws:iam::{ACCOUNT}:user/mallory via terraform, \d+ seconds? ago",
        lines[at + 1],
    )


def test_without_lookup_permission_the_plan_is_whole_with_one_warning(
    emulator: Emulator, drifted: Path, tmp_path: Path
) -> None:
    emulator.set_trail_settings(TrailSettings(denied_access_keys=frozenset({READER_KEY})))
    plain = plan(emulator, tmp_path, str(drifted), "--format", "json")
    result = plan(emulator, tmp_path, str(drifted), "--format", "json", "--attribute")
    assert result.code == plain.code == 2
    document = json.loads(result.stdout)
    assert set(authors(document).values()) == {None}
    [warning] = document["warnings"]
    assert warning.startswith(
        "no author found for 5 of 5 drifted rows (changed_by: null): CloudTrail LookupEvents "
        "failed: us-east-1: AccessDeniedException: "
    )
    assert result.stderr == f"driftcheck: read 1 spec file\ndriftcheck: warning: {warning}\n"
    document["warnings"] = []
    assert document == json.loads(plain.stdout)


def test_no_write_in_the_window_leaves_changed_by_null_with_one_warning(
    emulator: Emulator, drifted: Path, tmp_path: Path
) -> None:
    # the same drift, made before the window (the state is loaded: CloudTrail saw no call)
    live = {"marketing": {"sns-bounces": destination("BOUNCE", "b"), "fine": destination("OPEN"),
                          "old": destination("SEND", "old")}}  # fmt: skip
    emulator.reset({"version": 1, "regions": {"us-east-1": live}})
    assert emulator.trail_records() == []
    result = plan(emulator, tmp_path, str(drifted), "--format", "json", "--attribute")
    assert result.code == 2
    document = json.loads(result.stdout)
    assert set(authors(document).values()) == {None}
    assert document["warnings"] == [
        "no author found for 5 of 5 drifted rows (changed_by: null): no CloudTrail write "
        "names them in the last 7 days"
    ]
    assert result.stderr.count("warning") == 1


def test_a_write_delivered_late_is_not_seen_yet(
    emulator: Emulator, aws_env: dict[str, str], tmp_path: Path
) -> None:
    # CloudTrail delivers a record minutes after the call (commonly up to ~15)
    emulator.set_trail_settings(TrailSettings(delivery_delay=3600))
    mallory = writer(emulator, MALLORY_KEY, "mallory", TERRAFORM_AGENT)
    mallory.create_configuration_set(ConfigurationSetName="tx")
    mallory.create_configuration_set_event_destination(
        ConfigurationSetName="tx", EventDestinationName="d", EventDestination=destination("SEND")
    )
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "version: 1\nregion: us-east-1\nconfiguration_sets:\n  tx: {event_destinations: {}}\n"
    )
    result = plan(emulator, tmp_path, str(spec), "--format", "json", "--attribute")
    assert result.code == 2
    [row] = json.loads(result.stdout)["destinations"]
    assert (row["name"], row["status"], row["changed_by"]) == ("d", "extra", None)
    assert "no author found for 1 of 1 drifted row" in result.stderr


def test_an_in_sync_plan_makes_no_lookup(
    emulator: Emulator, aws_env: dict[str, str], tmp_path: Path
) -> None:
    emulator.reset({"version": 1, "regions": {"us-east-1": {"tx": {}}}})
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "version: 1\nregion: us-east-1\nconfiguration_sets:\n  tx: {event_destinations: {}}\n"
    )
    result = plan(emulator, tmp_path, str(spec), "--attribute", "--verbose")
    assert result.code == 0, result
    assert "attribution cost 0 LookupEvents calls, 0 pages" in result.stderr


def test_each_account_is_looked_up_with_its_own_credentials_in_its_own_trail(
    emulator: Emulator, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from driftcheck.events.lookup import attribute_plan
    from driftcheck.live import ClientSettings
    from driftcheck.model import Api, SetKey
    from tests import factories as f

    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", emulator.url)
    prod, staging = "111111111111", "222222222222"
    keys = {prod: "AKIDPRODALICE0001", staging: "AKIDSTAGINGBOB001"}
    for account, key, user, set_name in ((prod, keys[prod], "alice", "a-set"),
                                         (staging, keys[staging], "bob", "b-set")):  # fmt: skip
        emulator.identities.register(Identity.iam_user(key, user, account))
        client = boto3.session.Session().client(
            "sesv2",
            region_name="us-east-1",
            endpoint_url=emulator.url,
            aws_access_key_id=key,
            aws_secret_access_key="secret",
        )
        client.create_configuration_set(ConfigurationSetName=set_name)
        client.create_configuration_set_event_destination(
            ConfigurationSetName=set_name, EventDestinationName="d",
            EventDestination=destination("SEND"),
        )  # fmt: skip

    def key(account: str, name: str) -> SetKey:
        return SetKey(Api.SESV2, "us-east-1", name, account=account)

    rows = [f.extra(key(prod, "a-set"), "d", {}, 1), f.extra(key(staging, "b-set"), "d", {}, 1),
            f.extra(key(prod, "b-set"), "d", {}, 1)]  # fmt: skip
    plan = f.plan([f.present(r.key) for r in rows], rows)

    def session_for(account: str) -> Any:
        return boto3.session.Session(
            aws_access_key_id=keys[account], aws_secret_access_key="secret"
        )

    attributed, lookup = attribute_plan(plan, ClientSettings(), session_for=session_for)
    found = {(r.key.account, r.key.name): r.changed_by for r in attributed.destinations}
    assert {k: v and v.user for k, v in found.items()} == {
        (prod, "a-set"): "alice",
        (staging, "b-set"): "bob",
        (prod, "b-set"): None,  # bob's write was in the other account
    }
    assert lookup.cost.queries == 2 and not lookup.failures  # one per account and region
    # the caller's credentials see neither account's trail: nobody is named
    caller, _ = attribute_plan(plan, ClientSettings())
    assert [r.changed_by for r in caller.destinations] == [None, None, None]
    assert caller.warnings[-1].startswith("no author found for 3 of 3 drifted rows")
