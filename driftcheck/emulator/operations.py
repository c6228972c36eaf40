"""The emulated operations: validated parameters in, the output shape's JSON out.

The same functions serve pinpoint-email and sesv2; only the :class:`ApiSchema` differs (enums,
destination types). Both work on one shared :class:`State`, as the two real APIs do.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from driftcheck.emulator.rules import check_name, clean_definition, is_valid_name
from driftcheck.emulator.schema import ApiSchema
from driftcheck.emulator.state import State
from driftcheck.emulator.wire import BAD_REQUEST, ServiceError

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
_TOKEN_PREFIX = "sets-after:"
# sesv2's ListConfigurationSets filter key (the only one its model defines).
_NAME_CONTAINS = "CONFIGURATION_SET_NAME_CONTAINS"


@dataclass(frozen=True)
class Call:
    """One API request, routed and validated."""

    schema: ApiSchema
    state: State
    region: str
    params: Mapping[str, Any]

    @property
    def set_name(self) -> str:
        name: str = self.params["ConfigurationSetName"]
        return name

    @property
    def destination_name(self) -> str:
        name: str = self.params["EventDestinationName"]
        return name


Operation = Callable[[Call], dict[str, Any]]


def list_configuration_sets(call: Call) -> dict[str, Any]:
    page_size = call.params.get("PageSize", DEFAULT_PAGE_SIZE)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ServiceError(BAD_REQUEST, f"PageSize must be between 1 and {MAX_PAGE_SIZE}.")
    token = call.params.get("NextToken")
    after = decode_token(token) if token else None
    names, more = call.state.list_sets(call.region, after, page_size, _name_filter(call))
    out: dict[str, Any] = {"ConfigurationSets": names}
    if more:
        out["NextToken"] = encode_token(names[-1])
    return out


def _name_filter(call: Call) -> str | None:
    filters: Mapping[str, str] = call.params.get("Filter") or {}
    unknown = sorted(set(filters) - {_NAME_CONTAINS})
    if unknown:
        raise ServiceError(BAD_REQUEST, f"Unknown filter key {unknown[0]!r}.")
    return filters.get(_NAME_CONTAINS)


def encode_token(last_name: str) -> str:
    """An opaque NextToken: the listing continues after ``last_name``."""
    return base64.urlsafe_b64encode((_TOKEN_PREFIX + last_name).encode()).decode()


def decode_token(token: str) -> str:
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        text = ""
    name = text[len(_TOKEN_PREFIX) :]
    if not text.startswith(_TOKEN_PREFIX) or not is_valid_name(name):
        raise ServiceError(BAD_REQUEST, "The NextToken is invalid.")
    return name


def create_configuration_set(call: Call) -> dict[str, Any]:
    check_name("configuration set", call.set_name)
    options = {k: v for k, v in call.params.items() if k != "ConfigurationSetName"}
    call.state.create_set(call.region, call.set_name, options)
    return {}


def get_configuration_set(call: Call) -> dict[str, Any]:
    # The options given on create, as given: what AWS adds to a set created without them
    # (defaults such as SendingEnabled) is not documented, so nothing is invented.
    return {
        "ConfigurationSetName": call.set_name,
        **call.state.set_options(call.region, call.set_name),
    }


def delete_configuration_set(call: Call) -> dict[str, Any]:
    call.state.delete_set(call.region, call.set_name)
    return {}


def get_configuration_set_event_destinations(call: Call) -> dict[str, Any]:
    # Returned as stored, whichever API asks: an EventBridgeDestination written through sesv2
    # reaches pinpoint-email clients too, whose botocore parser then drops it silently.
    return {"EventDestinations": call.state.destinations(call.region, call.set_name)}


def create_configuration_set_event_destination(call: Call) -> dict[str, Any]:
    check_name("event destination", call.destination_name)
    definition = clean_definition(call.schema, call.params["EventDestination"])
    call.state.create_destination(call.region, call.set_name, call.destination_name, definition)
    return {}


def update_configuration_set_event_destination(call: Call) -> dict[str, Any]:
    # The whole definition is replaced: members left out take their defaults.
    definition = clean_definition(call.schema, call.params["EventDestination"])
    call.state.update_destination(call.region, call.set_name, call.destination_name, definition)
    return {}


def delete_configuration_set_event_destination(call: Call) -> dict[str, Any]:
    call.state.delete_destination(call.region, call.set_name, call.destination_name)
    return {}


OPERATIONS: dict[str, Operation] = {
    "ListConfigurationSets": list_configuration_sets,
    "CreateConfigurationSet": create_configuration_set,
    "GetConfigurationSet": get_configuration_set,
    "DeleteConfigurationSet": delete_configuration_set,
    "GetConfigurationSetEventDestinations": get_configuration_set_event_destinations,
    "CreateConfigurationSetEventDestination": create_configuration_set_event_destination,
    "UpdateConfigurationSetEventDestination": update_configuration_set_event_destination,
    "DeleteConfigurationSetEventDestination": delete_configuration_set_event_destination,
}
