"""The API's own schema, read from the service models that botocore ships.

Shapes, enums and member names come from ``botocore/data/<service>/<version>/service-2.json.gz``
instead of being written again by hand. The files are read with the standard library (gzip +
json), without importing botocore, so that ``driftcheck validate`` and ``--help`` stay instant.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

from driftcheck.errors import DriftcheckError
from driftcheck.model import Api

DEFINITION_SHAPE = "EventDestinationDefinition"
# Members of a definition that are not a destination block.
COMMON_MEMBERS = ("Enabled", "MatchingEventTypes")

Shape = dict[str, Any]


def _botocore_data_dir() -> Path:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise DriftcheckError("botocore is not installed; reinstall driftcheck")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def service_model(api: Api) -> dict[str, Any]:
    """The newest ``service-2`` model botocore ships for ``api``, as plain JSON data."""
    service_dir = _botocore_data_dir() / api.value
    versions = sorted(p for p in service_dir.glob("*") if p.is_dir())
    for version in reversed(versions):
        for name, opener in (("service-2.json.gz", gzip.open), ("service-2.json", open)):
            path = version / name
            if path.is_file():
                with opener(path, "rb") as f:
                    model: dict[str, Any] = json.load(f)
                return model
    raise DriftcheckError(f"botocore ships no service model for {api.value}; upgrade botocore")


def shape(api: Api, name: str) -> Shape:
    shape_: Shape = service_model(api)["shapes"][name]
    return shape_


def member_shape(api: Api, structure: str, member: str) -> tuple[str, Shape]:
    """The shape name and shape of ``structure.member``."""
    target: str = shape(api, structure)["members"][member]["shape"]
    return target, shape(api, target)


@cache
def destination_blocks(api: Api) -> tuple[str, ...]:
    """The destination-type members of a definition (``SnsDestination``...), in model order."""
    members = shape(api, DEFINITION_SHAPE)["members"]
    return tuple(m for m in members if m not in COMMON_MEMBERS)


@cache
def event_types(api: Api) -> tuple[str, ...]:
    _, event_types_list = member_shape(api, DEFINITION_SHAPE, "MatchingEventTypes")
    values: list[str] = shape(api, event_types_list["member"]["shape"])["enum"]
    return tuple(values)


@cache
def all_destination_blocks() -> tuple[str, ...]:
    """Every destination block known to any supported API (sorted)."""
    return tuple(sorted({b for api in Api for b in destination_blocks(api)}))
