"""The write calls of ``driftcheck apply``, behind one client-side rate limit.

- ``CreateConfigurationSet`` with the name only; configuration sets are never deleted.
- ``Create``/``Update``/``DeleteConfigurationSetEventDestination``. An update replaces the
  whole definition (the API resets a member left out, ``Enabled`` to false), so every write
  sends the complete definition, with ``Enabled`` always explicit.

Every HTTP request of the writer's clients, botocore's retries included, first takes a token
from the :class:`~driftcheck.live.pacing.RateLimiter` of its target, the (account, region) it
writes to (``--max-rps`` each; SES documents about one request a second for these calls, per
account and region); botocore's adaptive retries absorb the throttling that still happens.
A failed call raises :class:`WriteError` (that action failed) or, for what concerns every call
alike (credentials, an unreachable endpoint), the errors of :mod:`driftcheck.live.failures`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from driftcheck.errors import DriftcheckError
from driftcheck.json_data import to_json_data
from driftcheck.live.clients import ClientKey, ClientSettings, client_key, make_clients
from driftcheck.live.failures import CALL_ERRORS, set_failure
from driftcheck.live.pacing import Pacing, RateLimiter
from driftcheck.model import Definition, ReadFailure, SetKey

if TYPE_CHECKING:
    from driftcheck.live.sessions import AccountSessions

__all__ = ["DEFAULT_MAX_RPS", "RateLimiter", "WriteError", "Writer", "event_destination"]

DEFAULT_MAX_RPS = 1.0


class WriteError(DriftcheckError):
    """One write call failed (after botocore's retries); the others may go on."""

    def __init__(self, failure: ReadFailure) -> None:
        self.failure = failure
        super().__init__(f"{failure.code}: {failure.message}")


def event_destination(definition: Definition) -> dict[str, Any]:
    """The ``EventDestination`` parameter: the complete definition, ``Enabled`` explicit."""
    body: dict[str, Any] = to_json_data(definition)
    body.pop("Name", None)
    body["Enabled"] = bool(definition.get("Enabled", False))
    return body


class Writer:
    """Writes through one client per (account, api, region); safe to call from many threads."""

    def __init__(self, clients: Mapping[ClientKey, Any], pacing: Pacing) -> None:
        self._clients = dict(clients)
        self.pacing = pacing
        for (account, _, region), client in self._clients.items():
            self._pace(client, (account, region))

    @classmethod
    def connect(
        cls,
        keys: Iterable[ClientKey],
        settings: ClientSettings,
        max_rps: float,
        sessions: AccountSessions | None = None,
    ) -> Writer:
        """A writer with its own clients for ``keys`` (adaptive retries, ``settings``),
        ``max_rps`` requests a second per target."""
        stop = settings.stop
        pacing = Pacing.at(max_rps) if stop is None else Pacing.at(max_rps, sleep=stop.wait)
        return cls(make_clients(keys, settings, sessions), pacing)

    def _pace(self, client: Any, target: tuple[str, str]) -> None:
        def take_token(**_: Any) -> None:
            self.pacing.take_token(target)  # returning None lets botocore send the request

        client.meta.events.register("before-send", take_token)

    def create_set(self, key: SetKey) -> str | None:
        """Create the configuration set (name only); a note when it already existed."""
        created = self._call(
            key,
            "create_configuration_set",
            {"ConfigurationSetName": key.name},
            tolerated="AlreadyExistsException",
        )
        return None if created else "it already existed"

    def create_destination(self, key: SetKey, name: str, definition: Definition) -> None:
        self._call(
            key,
            "create_configuration_set_event_destination",
            {
                "ConfigurationSetName": key.name,
                "EventDestinationName": name,
                "EventDestination": event_destination(definition),
            },
        )

    def update_destination(self, key: SetKey, name: str, definition: Definition) -> None:
        self._call(
            key,
            "update_configuration_set_event_destination",
            {
                "ConfigurationSetName": key.name,
                "EventDestinationName": name,
                "EventDestination": event_destination(definition),
            },
        )

    def delete_destination(self, key: SetKey, name: str) -> str | None:
        """Delete the destination; a note when it was already gone."""
        deleted = self._call(
            key,
            "delete_configuration_set_event_destination",
            {"ConfigurationSetName": key.name, "EventDestinationName": name},
            tolerated="NotFoundException",
        )
        return None if deleted else "it was already deleted"

    def _call(
        self, key: SetKey, operation: str, params: dict[str, Any], *, tolerated: str = ""
    ) -> bool:
        """True when the call succeeded; False when it failed with the ``tolerated`` code."""
        client = self._clients[client_key(key)]
        try:
            getattr(client, operation)(**params)
        except CALL_ERRORS as error:
            failure = set_failure(error, key)  # raises the fatal ones
            if failure.code == tolerated:
                return False
            one_line = " ".join(failure.message.split())  # botocore's validation spans lines
            raise WriteError(ReadFailure(failure.code, one_line)) from error
        return True
