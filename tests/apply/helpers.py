"""Helpers of the apply tests: desired states in a few words, reads and writes on shared clients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from driftcheck.apply import ActionResult, build_actions, execute
from driftcheck.emulator import Emulator
from driftcheck.emulator.stats import Stats
from driftcheck.live.clients import ClientSettings, client_key, make_clients
from driftcheck.live.pacing import Pacing
from driftcheck.live.reader import read_set
from driftcheck.live.writer import Writer
from driftcheck.model import (
    Api,
    DesiredDestination,
    DesiredSet,
    DesiredState,
    LiveState,
    SetKey,
    Source,
)
from driftcheck.normalise import normalise_definition
from driftcheck.plan import plan
from driftcheck.plan_model import Plan

REGION = "us-east-1"
WRITES = (
    "CreateConfigurationSet",
    "CreateConfigurationSetEventDestination",
    "UpdateConfigurationSetEventDestination",
    "DeleteConfigurationSetEventDestination",
    "DeleteConfigurationSet",
)


def desired_set(
    key: SetKey,
    destinations: Mapping[str, Mapping[str, Any]],
    ignore_changes: Mapping[str, Sequence[str]] | None = None,
) -> DesiredSet:
    """A declared set; ``ignore_changes`` maps destination names to their IgnoreChanges."""
    source = Source("spec.yaml", 1)
    ignore = ignore_changes or {}
    return DesiredSet(
        key,
        tuple(
            DesiredDestination(
                name, normalise_definition(body), source, tuple(ignore.get(name, ()))
            )
            for name, body in sorted(destinations.items())
        ),
        source,
    )


class Session:
    """One emulator, clients made once, and the steps of an apply run on them."""

    def __init__(self, emulator: Emulator, max_rps: float = 1000.0, **settings: Any) -> None:
        self.emulator = emulator
        self.settings = ClientSettings(endpoint_url=emulator.url, **settings)
        self.clients = make_clients([("", api, REGION) for api in Api], self.settings)
        self.writer = Writer(self.clients, Pacing.at(max_rps))

    def read(self, keys: Sequence[SetKey]) -> LiveState:
        return LiveState({k: read_set(self.clients[client_key(k)], k) for k in keys})

    def plan(self, desired: DesiredState) -> Plan:
        return plan(desired, self.read([s.key for s in desired.sets]))

    def apply(self, desired: DesiredState, **options: Any) -> tuple[ActionResult, ...]:
        return self.apply_plan(self.plan(desired), **options)

    def apply_plan(self, planned: Plan, **options: Any) -> tuple[ActionResult, ...]:
        actions = build_actions(planned, **options)
        return execute(actions, self.writer, concurrency=self.settings.concurrency)

    def seed(self, sets: Mapping[str, Mapping[str, Any]]) -> None:
        self.emulator.reset({"version": 1, "regions": {REGION: dict(sets)}})

    def live_sets(self) -> dict[str, Any]:
        regions: dict[str, Any] = self.emulator.state["regions"]
        return dict(regions.get(REGION, {}))


def write_calls(stats: Stats) -> dict[str, int]:
    return {op: n for op, n in stats.calls.items() if op in WRITES}
