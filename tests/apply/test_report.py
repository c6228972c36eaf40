"""What apply did, as text and JSON: exact strings, and nothing can drive a terminal."""

from __future__ import annotations

import json

from driftcheck.apply import (
    ActionKind,
    ActionResult,
    ApplyAction,
    Outcome,
    render_actions,
    render_json,
    render_text,
)
from driftcheck.formats.json_format import document
from driftcheck.model import Api
from tests.factories import definition, key, missing, missing_set, plan, sns

NEW = key("new", api=Api.SESV2)
TX = key("tx")
CREATE_SET = ApplyAction(ActionKind.CREATE_SET, NEW)
CREATE = ApplyAction(ActionKind.CREATE, NEW, "a", definition("SEND", SnsDestination=sns("a")))
UPDATE = ApplyAction(ActionKind.UPDATE, TX, "b", definition("SEND", SnsDestination=sns("b")))
DELETE = ApplyAction(ActionKind.DELETE, TX, "old")


def test_actions_before_approval() -> None:
    assert render_actions([CREATE_SET, CREATE, UPDATE, DELETE]) == (
        "driftcheck will perform 4 actions:\n"
        "  + create configuration set new (us-east-1, sesv2)\n"
        "  + create event destination new/a (us-east-1, sesv2)\n"
        "  ~ update event destination tx/b (us-east-1, pinpoint-email)\n"
        "  - delete event destination tx/old (us-east-1, pinpoint-email)\n"
    )
    assert render_actions([]) == "No changes to apply.\n"


def test_a_complete_apply() -> None:
    results = [
        ActionResult(CREATE_SET, Outcome.OK),
        ActionResult(CREATE, Outcome.OK),
        ActionResult(UPDATE, Outcome.OK),
        ActionResult(DELETE, Outcome.OK, "it was already deleted"),
    ]
    assert render_text(results) == (
        "+ created configuration set new (us-east-1, sesv2)\n"
        "+ created event destination new/a (us-east-1, sesv2)\n"
        "~ updated event destination tx/b (us-east-1, pinpoint-email)\n"
        "- deleted event destination tx/old (us-east-1, pinpoint-email) (it was already deleted)\n"
        "\n"
        "Apply complete: 2 created, 1 updated, 1 deleted.\n"
    )


def test_a_partial_failure_and_escaped_messages() -> None:
    results = [
        ActionResult(CREATE_SET, Outcome.FAILED, "boom\x1b[2J\nnext", "InternalFailure"),
        ActionResult(CREATE, Outcome.SKIPPED, "its configuration set could not be created"),
        ActionResult(UPDATE, Outcome.OK),
    ]
    assert render_text(results) == (
        "! failed to create configuration set new (us-east-1, sesv2): "
        "InternalFailure: boom\\u001b[2J\\u000anext\n"
        "! skipped: create event destination new/a (us-east-1, sesv2): "
        "its configuration set could not be created\n"
        "~ updated event destination tx/b (us-east-1, pinpoint-email)\n"
        "\n"
        "Apply failed: 1 of 3 actions done, 1 failed, 1 skipped. "
        "Run apply again once the cause is fixed.\n"
    )


def test_nothing_to_do() -> None:
    assert render_text([]) == "Apply complete: 0 created, 0 updated, 0 deleted.\n"


def test_the_json_document() -> None:
    applied = plan([missing_set(NEW)], [missing(NEW, "a", CREATE.definition or {}, 3)])
    results = [
        ActionResult(CREATE_SET, Outcome.OK),
        ActionResult(CREATE, Outcome.FAILED, "Invalid ARN \x7f", "BadRequestException"),
    ]
    text = render_json(results, applied)
    assert text.isascii() and "\x7f" not in text and text.endswith("}\n")
    data = json.loads(text)
    assert list(data) == [
        "format_version",
        "driftcheck_version",
        "success",
        "summary",
        "actions",
        "plan",
    ]
    assert data["success"] is False
    assert data["summary"] == {"ok": 1, "failed": 1, "skipped": 0}
    assert data["actions"] == [
        {
            "action": "create-set",
            "account": None,
            "account_name": None,
            "api": "sesv2",
            "region": "us-east-1",
            "configuration_set": "new",
            "destination": None,
            "outcome": "ok",
            "code": None,
            "reason": None,
        },
        {
            "action": "create",
            "account": None,
            "account_name": None,
            "api": "sesv2",
            "region": "us-east-1",
            "configuration_set": "new",
            "destination": "a",
            "outcome": "failed",
            "code": "BadRequestException",
            "reason": "Invalid ARN \x7f",
        },
    ]
    assert data["plan"] == json.loads(json.dumps(document(applied)))
    assert json.loads(render_json([]))["success"] is True
    assert json.loads(render_json([]))["plan"] is None


def test_the_json_report_names_the_account_of_each_action() -> None:
    prod = key("tx", account="111111111111", account_name="prod")
    row = json.loads(
        render_json([ActionResult(ApplyAction(ActionKind.DELETE, prod, "old"), Outcome.OK)])
    )
    [action] = row["actions"]
    assert (action["account"], action["account_name"], action["configuration_set"]) == (
        "111111111111",
        "prod",
        "tx",
    )
