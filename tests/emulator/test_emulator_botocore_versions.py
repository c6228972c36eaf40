"""Every route that a supported botocore sends is answered, by the newest and the oldest.

The newest is this venv's botocore; the oldest that pyproject allows lives in ``.venv-oldest``
(``make venv-oldest``, pinned in botocore-oldest.txt), whose interpreter ``make test`` passes in
``DRIFTCHECK_OLDEST_PYTHON``. Both run drive_every_operation.py (every emulated operation of both
APIs, over HTTP, with error cases) against one emulator that runs on this venv's botocore.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import botocore
import pytest
from packaging.version import Version

from driftcheck.emulator import Emulator
from driftcheck.emulator.operations import OPERATIONS
from driftcheck.emulator.routes import WIRE_VARIANTS, build_route
from driftcheck.emulator.schema import api_schema
from driftcheck.model import Api
from tests.conftest import isolated_aws_env

HERE = Path(__file__).parent
REPO = HERE.parent.parent
SCRIPT = HERE / "drive_every_operation.py"
EVERY_OPERATION = {f"{api.value} {operation}" for api in Api for operation in OPERATIONS}


def oldest_pins() -> dict[str, str]:
    lines = (HERE / "botocore-oldest.txt").read_text().splitlines()
    pins = (line.split("==") for line in lines if line and not line.startswith("#"))
    return {name: version for name, version in pins}


def drive(python: str, emulator: Emulator) -> dict[str, Any]:
    done = subprocess.run(
        [python, str(SCRIPT), emulator.url], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert set(report["routes"]) == EVERY_OPERATION
    stats = emulator.stats()
    assert stats.unrouted == 0
    assert {f"{api} {op}" for api, ops in stats.by_api.items() for op in ops} == EVERY_OPERATION
    return report


def oldest_python() -> str:
    python = os.environ.get("DRIFTCHECK_OLDEST_PYTHON")
    if not python:
        pytest.skip("`make test` runs it: it needs .venv-oldest (`make venv-oldest`)")
    assert Path(python).is_file(), f"{python} is missing: run `make venv-oldest`"
    return python


def test_the_newest_botocore(emulator: Emulator) -> None:
    report = drive(sys.executable, emulator)
    assert report["botocore"] == botocore.__version__


def test_the_oldest_botocore_that_pyproject_allows(emulator: Emulator) -> None:
    report = drive(oldest_python(), emulator)
    assert report["botocore"] == oldest_pins()["botocore"]
    # The route that newer botocore releases no longer send, answered all the same.
    assert report["routes"]["sesv2 ListConfigurationSets"] == "GET /v2/email/configuration-sets"


def test_an_emulator_on_the_oldest_botocore_answers_the_newest() -> None:
    """The other way round: `driftcheck emulator` on botocore 1.34.0 answers the routes that
    only newer releases send. Its model has no EventBridgeDestination, so none is written."""
    code = (
        "import sys; from driftcheck.emulator import start_emulator; "
        "print(start_emulator().url, flush=True); sys.stdin.read()"  # serve until stdin closes
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        [oldest_python(), "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ) as server:
        assert server.stdin is not None and server.stdout is not None
        url = server.stdout.readline().strip()
        try:
            blocks = [
                "SnsDestination",
                "CloudWatchDestination",
                "KinesisFirehoseDestination",
                "PinpointDestination",
            ]
            done = subprocess.run(
                [sys.executable, str(SCRIPT), url, *blocks],
                capture_output=True,
                text=True,
                check=False,
            )
            with urlopen(f"{url}/_emulator/stats", timeout=10) as answer:
                stats = json.load(answer)
        finally:
            server.stdin.close()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    newest = api_schema(Api.SESV2).operation("ListConfigurationSets").http
    assert (
        report["routes"]["sesv2 ListConfigurationSets"]
        == f"{newest['method']} {newest['requestUri']}"
    )
    assert stats["unrouted"] == 0
    assert {f"{api} {op}" for api, ops in stats["by_api"].items() for op in ops} == EVERY_OPERATION


def test_the_pinned_oldest_boto3_is_the_lower_bound_of_pyproject() -> None:
    pyproject = (REPO / "pyproject.toml").read_text()
    bound = re.search(r'"boto3>=([0-9.]+)', pyproject)
    assert bound is not None
    assert Version(oldest_pins()["boto3"]) == Version(bound.group(1))


@pytest.mark.parametrize("variant", WIRE_VARIANTS, ids=lambda v: f"{v.method} {v.request_uri}")
def test_a_variant_sent_by_the_installed_botocore_matches_its_model(variant: Any) -> None:
    """The table's entry for the installed botocore's own route must read the request as the
    model says (a wrong table entry would otherwise go unnoticed until a client used it)."""
    schema = api_schema(variant.api)
    http = schema.operation(variant.operation).http
    if (http["method"], http["requestUri"]) != (variant.method, variant.request_uri):
        pytest.skip(f"botocore {botocore.__version__} sends another route")
    assert build_route(schema, variant.operation, variant) == build_route(schema, variant.operation)


def test_both_sesv2_listing_routes_read_their_parameters(emulator: Emulator) -> None:
    """GET reads PageSize and NextToken from the query string, POST from the JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port)

    def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection.request(method, path, body=None if body is None else json.dumps(body))
        response = connection.getresponse()
        return response.status, json.loads(response.read())

    for name in ("a", "b", "c"):
        assert (
            call("POST", "/v2/email/configuration-sets", {"ConfigurationSetName": name})[0] == 200
        )

    status, first = call("GET", "/v2/email/configuration-sets?PageSize=2")
    assert (status, first["ConfigurationSets"]) == (200, ["a", "b"])
    token = first["NextToken"]
    assert call("GET", f"/v2/email/configuration-sets?NextToken={token}") == (
        200,
        {"ConfigurationSets": ["c"]},
    )
    assert call("POST", "/v2/email/list-configuration-sets", {"PageSize": 2}) == (200, first)
    assert call("POST", "/v2/email/list-configuration-sets", {"NextToken": token}) == (
        200,
        {"ConfigurationSets": ["c"]},
    )
    assert call("GET", "/v2/email/configuration-sets?PageSize=two")[0] == 400
    connection.close()


_FLEET_SCRIPT = """
import json, sys
import boto3
url, role = sys.argv[1:]
keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
where = {"endpoint_url": url, "region_name": "us-east-1"}
sts = boto3.client("sts", **where, **keys)
issued = sts.assume_role(RoleArn=role, RoleSessionName="oldest")["Credentials"]
sesv2 = boto3.client(
    "sesv2",
    **where,
    aws_access_key_id=issued["AccessKeyId"],
    aws_secret_access_key=issued["SecretAccessKey"],
    aws_session_token=issued["SessionToken"],
)
organizations = boto3.client("organizations", **where, **keys)
print(json.dumps({
    "caller": sts.get_caller_identity()["Account"],
    "sets": sesv2.list_configuration_sets()["ConfigurationSets"],
    "accounts": [a["Id"] for a in organizations.list_accounts()["Accounts"]],
}))
"""


def test_the_oldest_botocore_assumes_roles_and_lists_accounts(
    emulator: Emulator, tmp_path: Path
) -> None:
    """STS (query/XML) and Organizations (JSON 1.1) answers parse in botocore 1.34 too."""
    emulator.reset(
        {"version": 1, "accounts": {"111111111111": {"regions": {"us-east-1": {"prod": {}}}}}}
    )
    done = subprocess.run(
        [oldest_python(), "-c", _FLEET_SCRIPT, emulator.url, "arn:aws:iam::111111111111:role/r"],
        capture_output=True,
        text=True,
        check=False,
        env=isolated_aws_env(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "caller": "123456789012",
        "sets": ["prod"],
        "accounts": ["111111111111"],
    }
