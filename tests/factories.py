"""Builders of model objects for tests: short to call, realistic by default.

Definitions are normalised with the project's own :func:`normalise_definition`, so they
look exactly like those a plan holds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from driftcheck.model import Api, ReadFailure, SetKey, SetStatus, Source
from driftcheck.normalise import normalise_definition
from driftcheck.plan_model import (
    Action,
    DestinationPlan,
    Difference,
    DiffType,
    Plan,
    SetPlan,
    Status,
)

ACCOUNT = "123456789012"
SPEC_FILE = "specs/prod.yaml"


def key(
    name: str = "marketing",
    region: str = "us-east-1",
    api: Api = Api.PINPOINT_EMAIL,
    *,
    account: str = "",
    account_name: str = "",
) -> SetKey:
    return SetKey(api, region, name, account=account, account_name=account_name)


def source(line: int, file: str = SPEC_FILE, column: int = 1) -> Source:
    return Source(file, line, column)


# --- definitions ---------------------------------------------------------------------------


def definition(*events: str, enabled: bool = True, **blocks: dict[str, Any]) -> dict[str, Any]:
    """A normalised definition: ``definition("BOUNCE", SnsDestination={"TopicArn": ...})``."""
    return normalise_definition({"Enabled": enabled, "MatchingEventTypes": list(events), **blocks})


def topic_arn(name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:sns:{region}:{ACCOUNT}:{name}"


def sns(topic: str) -> dict[str, Any]:
    return {"TopicArn": topic_arn(topic)}


def firehose(stream: str, role: str = "firehose-writer") -> dict[str, Any]:
    return {
        "DeliveryStreamArn": f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/{stream}",
        "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
    }


def dimension(name: str, default: str, value_source: str = "MESSAGE_TAG") -> dict[str, Any]:
    return {
        "DimensionName": name,
        "DimensionValueSource": value_source,
        "DefaultDimensionValue": default,
    }


def cloudwatch(*dimensions: dict[str, Any]) -> dict[str, Any]:
    return {"DimensionConfigurations": list(dimensions)}


def pinpoint(app: str) -> dict[str, Any]:
    return {"ApplicationArn": f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{app}"}


def eventbridge(bus: str = "default", region: str = "us-east-1") -> dict[str, Any]:
    return {"EventBusArn": f"arn:aws:events:{region}:{ACCOUNT}:event-bus/{bus}"}


# --- plan rows -----------------------------------------------------------------------------


def present(set_key: SetKey, line: int = 1) -> SetPlan:
    return SetPlan(set_key, SetStatus.PRESENT, source(line))


def missing_set(set_key: SetKey, line: int = 1) -> SetPlan:
    return SetPlan(set_key, SetStatus.MISSING, source(line))


def unreadable(
    set_key: SetKey,
    code: str = "AccessDeniedException",
    message: str = "User is not authorized to perform ses:GetConfigurationSetEventDestinations",
    line: int = 1,
) -> SetPlan:
    return SetPlan(set_key, SetStatus.ERROR, source(line), ReadFailure(code, message))


def in_sync(set_key: SetKey, name: str, expected: dict[str, Any], line: int) -> DestinationPlan:
    return DestinationPlan(
        set_key, name, Status.IN_SYNC, Action.NOOP, expected, expected, source=source(line)
    )


def missing(set_key: SetKey, name: str, expected: dict[str, Any], line: int) -> DestinationPlan:
    return DestinationPlan(
        set_key, name, Status.MISSING, Action.CREATE, expected, None, source=source(line)
    )


def extra(
    set_key: SetKey, name: str, actual: dict[str, Any], set_line: int, note: str | None = None
) -> DestinationPlan:
    return DestinationPlan(
        set_key, name, Status.EXTRA, Action.DELETE, None, actual, source=source(set_line), note=note
    )


def misconfigured(
    set_key: SetKey,
    name: str,
    expected: dict[str, Any],
    actual: dict[str, Any],
    differences: list[Difference],
    line: int,
    note: str | None = None,
) -> DestinationPlan:
    return DestinationPlan(
        set_key,
        name,
        Status.MISCONFIGURED,
        Action.UPDATE,
        expected,
        actual,
        tuple(differences),
        source(line),
        note,
    )


def added(path: str, actual: Any) -> Difference:
    """Present live, not in the spec."""
    return Difference(path, DiffType.ADD, None, actual)


def removed(path: str, expected: Any) -> Difference:
    """In the spec, not live."""
    return Difference(path, DiffType.REMOVE, expected, None)


def not_equal(path: str, expected: Any, actual: Any) -> Difference:
    return Difference(path, DiffType.NOT_EQUAL, expected, actual)


def plan(sets: list[SetPlan], destinations: list[DestinationPlan]) -> Plan:
    """A plan with its rows in the deterministic order the planner produces, read from the
    spec files that its sets name."""
    return Plan(
        tuple(sorted(sets, key=lambda s: s.key)),
        tuple(sorted(destinations, key=lambda d: (d.key, d.name))),
        spec_files=len({s.source.file for s in sets if s.source is not None}),
    )


def in_account(original: Plan, account: str, account_name: str = "") -> Plan:
    """``original`` with every key in ``account`` (a 12-digit id) named ``account_name``."""

    def move(set_key: SetKey) -> SetKey:
        return replace(set_key, account=account, account_name=account_name)

    return replace(
        original,
        sets=tuple(replace(s, key=move(s.key)) for s in original.sets),
        destinations=tuple(replace(d, key=move(d.key)) for d in original.destinations),
    )
