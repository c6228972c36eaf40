"""``--alert-state FILE``: what was last alerted, so a schedule alerts on changes only.

The file is small JSON that driftcheck alone writes::

    {"kind": "driftcheck-alert-state", "version": 1,
     "fingerprint": "sha256:…",       # the outstanding alert's drift; null: nothing outstanding
     "last_alert": "drift",           # drift | error | resolved | null
     "regions": ["us-east-1"],        # of the outstanding alert, named by "resolved"
     "alerted_at": "2025-01-01T10:00:00Z", "checked_at": "2025-01-01T11:00:00Z",
     "accounts": [{"account": "111111111111", "account_name": "prod"}]}  # likewise

``accounts`` was added within version 1: a file without it (written before accounts
existed, or by a run without an accounts file) reads as no accounts, and its fingerprint
still matches the same drift (see :func:`driftcheck.alerts.content.fingerprint`), so
upgrading re-alerts nothing.

It is replaced atomically (a temporary file in the same directory, then ``os.replace``),
so a crash leaves the old file or the new one, never half of one. A file that is not
this JSON is an :class:`AlertError`, never silently reset: resetting would re-alert, or
worse, forget an outstanding drift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftcheck.alerts.content import Account, AlertKind
from driftcheck.errors import AlertError
from driftcheck.files import write_file

STATE_KIND = "driftcheck-alert-state"
STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class AlertState:
    fingerprint: str | None = None  # of the outstanding alert; None: nothing outstanding
    last_alert: AlertKind | None = None
    regions: tuple[str, ...] = ()
    alerted_at: str | None = None
    checked_at: str | None = None
    accounts: tuple[Account, ...] = ()  # of the outstanding alert, named by "resolved"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": STATE_KIND,
            "version": STATE_VERSION,
            "fingerprint": self.fingerprint,
            "last_alert": self.last_alert.value if self.last_alert else None,
            "regions": list(self.regions),
            "alerted_at": self.alerted_at,
            "checked_at": self.checked_at,
            "accounts": [{"account": a, "account_name": name or None} for a, name in self.accounts],
        }


def decide(
    kind_now: AlertKind | None,
    fingerprint_now: str | None,
    previous: AlertState | None,
    *,
    stateful: bool,
) -> AlertKind | None:
    """The alert to send now, or None.

    Without state, every plan that calls for an alert gets one. With state: an alert when
    the fingerprint differs from the outstanding one, "resolved" once when a plan that
    calls for none follows an outstanding alert, and nothing otherwise.
    """
    if not stateful:
        return kind_now
    outstanding = previous.fingerprint if previous else None
    if kind_now is None:
        return AlertKind.RESOLVED if outstanding is not None else None
    return kind_now if fingerprint_now != outstanding else None


def read_state(path: Path) -> AlertState | None:
    """The state in ``path``, None when the file does not exist (the first run)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise AlertError(f"cannot read the alert state file {path}: {_reason(error)}") from error
    try:
        return _parse(json.loads(text))
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise AlertError(
            f"{path} is not a driftcheck alert state file ({_reason(error)}); "
            "fix or delete it (deleting it re-sends the current alert)"
        ) from error


def _parse(data: Any) -> AlertState:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("kind") != STATE_KIND:
        raise ValueError(f'"kind" is not "{STATE_KIND}"')
    if data.get("version") != STATE_VERSION:
        raise ValueError(f'"version" {data.get("version")!r} is not {STATE_VERSION}')
    fingerprint = data.get("fingerprint")
    if fingerprint is not None and not (
        isinstance(fingerprint, str) and fingerprint.startswith("sha256:")
    ):
        raise ValueError('"fingerprint" is not a sha256 fingerprint')
    last_alert = data.get("last_alert")
    if last_alert is not None and last_alert not in {kind.value for kind in AlertKind}:
        raise ValueError(f'"last_alert" {last_alert!r} is not an alert kind')
    regions = data.get("regions", [])
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise ValueError('"regions" is not a list of region names')
    alerted_at, checked_at = data.get("alerted_at"), data.get("checked_at")
    if not all(t is None or isinstance(t, str) for t in (alerted_at, checked_at)):
        raise ValueError('"alerted_at" and "checked_at" must be timestamps')
    return AlertState(
        fingerprint,
        AlertKind(last_alert) if last_alert is not None else None,
        tuple(regions),
        alerted_at,
        checked_at,
        accounts=_accounts(data.get("accounts", [])),  # absent from files of before accounts
    )


def _accounts(data: Any) -> tuple[Account, ...]:
    def valid(item: Any) -> bool:
        return (
            isinstance(item, dict)
            and isinstance(item.get("account"), str)
            and isinstance(item.get("account_name"), (str, type(None)))
        )

    if not isinstance(data, list) or not all(valid(item) for item in data):
        raise ValueError('"accounts" is not a list of {"account", "account_name"} objects')
    return tuple((item["account"], item["account_name"] or "") for item in data)


def write_state(path: Path, state: AlertState) -> None:
    """Replace ``path`` with ``state`` atomically; its directory is created if needed."""
    text = json.dumps(state.to_json(), indent=2) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, text)
    except OSError as error:
        raise AlertError(f"cannot write the alert state file {path}: {_reason(error)}") from error


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error).rstrip(".") or type(error).__name__
