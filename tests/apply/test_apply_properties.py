"""The property that proves apply and import: random specs against random live states.

Against the emulator over HTTP with real boto3, for every destination type (SNS, Firehose,
CloudWatch with dimensions, Pinpoint, and EventBridge through sesv2):

- import of the live state, then plan against that same live state: no drift;
- apply (auto-approved): every action succeeds, then plan reports no drift;
- a second apply makes no API write;
- the emulator's final state equals the spec, and no undeclared set was touched.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from driftcheck.apply import Outcome
from driftcheck.desired import load_specs
from driftcheck.emulator import Emulator
from driftcheck.importer import import_spec
from driftcheck.live.lister import list_configuration_sets
from driftcheck.model import Api, DesiredState, SetKey
from driftcheck.normalise import normalise_definition
from driftcheck.plan import plan
from driftcheck.service_model import event_types
from tests.apply.helpers import REGION, Session, write_calls
from tests.factories import ACCOUNT

pytestmark = pytest.mark.usefixtures("aws_env")

SET_NAMES = ("s0", "s1", "s2", "s3")
DESTINATION_NAMES = ("d0", "d1", "d2", "d3")
WORDS = st.sampled_from(["a", "b", "bounces", "x_1", "tx-2"])


def _camel(value: str) -> str:
    """``RENDERING_FAILURE`` -> ``renderingFailure`` (the SES v1 spelling specs may use)."""
    first, *rest = value.lower().split("_")
    return first + "".join(part.capitalize() for part in rest)


@st.composite
def definitions(draw: st.DrawFn, api: Api) -> dict[str, Any]:
    """An EventDestinationDefinition of any type ``api`` can write, in API spelling."""
    types = draw(st.lists(st.sampled_from(event_types(api)), min_size=1, max_size=4, unique=True))
    kinds = ["sns", "firehose", "cloudwatch", "pinpoint"] + (["eventbridge"] * (api is Api.SESV2))
    kind = draw(st.sampled_from(kinds))
    word = draw(WORDS)
    body: dict[str, Any]
    if kind == "sns":
        body = {"SnsDestination": {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:{word}"}}
    elif kind == "firehose":
        body = {
            "KinesisFirehoseDestination": {
                "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{draw(WORDS)}",
                "DeliveryStreamArn": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{word}",
            }
        }
    elif kind == "cloudwatch":
        names = draw(st.lists(WORDS, min_size=1, max_size=3, unique=True))
        body = {
            "CloudWatchDestination": {
                "DimensionConfigurations": [
                    {
                        "DimensionName": name,
                        "DimensionValueSource": draw(
                            st.sampled_from(["MESSAGE_TAG", "EMAIL_HEADER", "LINK_TAG"])
                        ),
                        "DefaultDimensionValue": draw(WORDS),
                    }
                    for name in names
                ]
            }
        }
    elif kind == "pinpoint":
        body = {
            "PinpointDestination": {
                "ApplicationArn": f"arn:aws:mobiletargeting:{REGION}:{ACCOUNT}:apps/{word}"
            }
        }
    else:
        body = {
            "EventBridgeDestination": {
                "EventBusArn": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{word}"
            }
        }
    return {"Enabled": draw(st.booleans()), "MatchingEventTypes": types, **body}


@st.composite
def worlds(draw: st.DrawFn) -> tuple[dict[str, Any], dict[Api, dict[str, Any]]]:
    """(live sets, declared sets per API): each set undeclared or declared through one API,
    missing or present live; each declared destination the same live, different, or absent;
    live extras besides."""
    live: dict[str, Any] = {}
    declared: dict[Api, dict[str, Any]] = {api: {} for api in Api}
    for set_name in SET_NAMES:
        api = draw(st.sampled_from([None, Api.PINPOINT_EMAIL, Api.SESV2]))
        spec: dict[str, Any] = {}
        if api is not None:
            names = st.sampled_from(DESTINATION_NAMES)
            spec = draw(st.dictionaries(names, definitions(api), min_size=int(draw(st.booleans()))))
            declared[api][set_name] = spec
        if not draw(st.sampled_from([True, True, False])):
            continue  # missing live
        destinations: dict[str, Any] = {}
        for name, body in spec.items():
            fate = draw(st.sampled_from(["same", "other", "other", "absent"]))
            if fate == "same":
                destinations[name] = body
            elif fate == "other":
                destinations[name] = draw(definitions(Api.SESV2))
        extras = [n for n in DESTINATION_NAMES if n not in spec]
        if extras:
            more = st.dictionaries(st.sampled_from(extras), definitions(Api.SESV2))
            destinations.update(draw(more))
        live[set_name] = destinations
    return live, declared


def write_specs(folder: Path, declared: dict[Api, dict[str, Any]], camel: bool) -> list[Path]:
    paths = []
    for api, sets in declared.items():
        if not sets:
            continue
        if camel:  # the SES v1 / CloudFormation spelling of event types is accepted too
            sets = {
                name: {
                    dest: {
                        **body,
                        "MatchingEventTypes": [_camel(t) for t in body["MatchingEventTypes"]],
                    }
                    for dest, body in destinations.items()
                }
                for name, destinations in sets.items()
            }
        document = {
            "version": 1,
            "api": api.value,
            "region": REGION,
            "configuration_sets": {
                name: {"event_destinations": destinations} for name, destinations in sets.items()
            },
        }
        path = folder / f"{api.value}.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        paths.append(path)
    return paths


def import_then_plan(session: Session, folder: Path) -> None:
    """Import every live set through sesv2 (which shows every type), then plan: no drift."""
    client = session.clients[("", Api.SESV2, REGION)]
    keys = [SetKey(Api.SESV2, REGION, n) for n in list_configuration_sets(client, Api.SESV2)]
    live = session.read(keys)
    text = import_spec(
        list(live.sets.values()),
        api=Api.SESV2,
        region=REGION,
        variables={"account_id": ACCOUNT},
        generated_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        source_description="the emulator",
    )
    assert ACCOUNT not in text.split("vars:", 1)[-1].split("configuration_sets:", 1)[-1]
    spec = folder / "imported.yaml"
    spec.write_text(text)
    imported = load_specs([spec])
    assert [s.key for s in imported.sets] == keys
    result = plan(imported, live)
    assert not result.drift and not result.failed_sets, result.changes


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), camel=st.booleans())
def test_apply_converges_and_import_round_trips(
    emulator: Emulator, world: tuple[dict[str, Any], dict[Api, dict[str, Any]]], camel: bool
) -> None:
    live, declared = world
    session = SESSIONS.setdefault(emulator.url, Session(emulator))
    session.seed(live)
    before = session.live_sets()  # as the service keeps it (event types sorted)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        import_then_plan(session, folder)
        paths = write_specs(folder, declared, camel)
        desired = load_specs(paths) if paths else DesiredState()

        results = session.apply(desired)
        assert all(r.outcome is Outcome.OK for r in results), results
        event(f"actions: {sorted({r.action.kind.value for r in results})}")
        assert not session.plan(desired).drift

        emulator.reset_stats()
        assert session.apply(desired) == ()
        assert write_calls(emulator.stats()) == {}

    final = session.live_sets()
    for desired_set in desired.sets:
        stored = final[desired_set.key.name]
        assert {n: normalise_definition(d) for n, d in stored.items()} == {
            d.name: d.definition for d in desired_set.destinations
        }
    undeclared = set(SET_NAMES) - {s.key.name for s in desired.sets}
    assert {n: final[n] for n in undeclared if n in final} == {
        n: before[n] for n in undeclared if n in before
    }


SESSIONS: dict[str, Session] = {}  # one set of clients per emulator, across examples
