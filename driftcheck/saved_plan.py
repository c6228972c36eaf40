"""Saved plans: ``driftcheck plan --out plan.json``, then ``driftcheck apply plan.json``.

A saved plan is one JSON object::

    {"kind": "driftcheck-saved-plan", "format_version": "1", "driftcheck_version": "0.1.0",
     "created_at": "2026-11-29T05:00:00Z", "checksum": "sha256:...", "plan": {...}}

``plan`` is the public JSON plan document (:func:`driftcheck.formats.json_format.document`),
so the tools that read ``plan --format json`` read it too; it carries everything ``apply``
needs: set keys and each set's live ``fingerprint``, the expected definitions and actions,
the ``ignored`` flags of sets, rows and differences, ``warnings`` and ``strict``.
``checksum`` (sha256 of the canonical JSON of ``plan``) makes an edited or damaged file a
clear error instead of a surprising apply.

``apply`` re-reads the sets that have a fingerprint and refuses the plan when any of them
changed since it was made (:func:`ensure_fresh`). Everything here is pure (no I/O, no
clock) but the file functions at the end: :func:`saved_plan_path`, :func:`write_file` and
:func:`read_file`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from driftcheck import __version__, files
from driftcheck.diffpath import PathSyntaxError, parse_path
from driftcheck.errors import DriftcheckError
from driftcheck.formats.json_format import document
from driftcheck.json_data import json_text
from driftcheck.model import (
    Action,
    Api,
    DestinationPlan,
    Difference,
    DiffType,
    LiveState,
    Plan,
    ReadFailure,
    SetKey,
    SetPlan,
    SetStatus,
    Source,
    Status,
)
from driftcheck.plan import fingerprint
from driftcheck.wording import plural

KIND = "driftcheck-saved-plan"
FORMAT_VERSION = "1"
PLAN_AGAIN = "run `driftcheck plan --out FILE` again"

E = TypeVar("E", bound=Enum)


class SavedPlanError(DriftcheckError):
    """A file that is not a saved plan this driftcheck can apply: corrupt, foreign, too new."""


class StalePlanError(DriftcheckError):
    """The live state changed since the plan was saved (or cannot be checked): nothing written."""

    def __init__(self, message: str, changed: list[SetKey], unreadable: list[SetKey]) -> None:
        self.changed, self.unreadable = changed, unreadable
        super().__init__(message)


# --- save ----------------------------------------------------------------------------------


def save(plan: Plan, *, created_at: datetime) -> str:
    """``plan`` as a saved-plan file (JSON text ending with a newline)."""
    body = document(plan)
    saved = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "driftcheck_version": __version__,
        "created_at": created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "checksum": checksum(body),
        "plan": body,
    }
    return json_text(saved) + "\n"


def checksum(body: Any) -> str:
    """sha256 of the canonical JSON of ``body`` (keys sorted, no spaces, ASCII)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


# --- load ----------------------------------------------------------------------------------


def load(text: str, source_name: str) -> Plan:
    """The plan saved in ``text`` (read from ``source_name``); SavedPlanError if unusable."""
    try:
        saved = json.loads(text)
    except json.JSONDecodeError as error:
        raise SavedPlanError(
            f"{source_name} is not a driftcheck saved plan: it is not JSON "
            f"({error.msg} at line {error.lineno}); {PLAN_AGAIN}"
        ) from error
    if not isinstance(saved, dict) or saved.get("kind") != KIND:
        raise SavedPlanError(
            f'{source_name} is not a driftcheck saved plan (no "kind": "{KIND}"); '
            "write one with `driftcheck plan --out FILE`"
        )
    version = saved.get("format_version")
    if version != FORMAT_VERSION:
        raise SavedPlanError(
            f"{source_name} is a saved plan of format version {version!r}, which driftcheck "
            f"{__version__} cannot read (it reads version {FORMAT_VERSION}); {PLAN_AGAIN}"
        )
    body = saved.get("plan")
    if saved.get("checksum") != checksum(body):
        raise SavedPlanError(
            f"{source_name} is damaged or was edited: its checksum does not match its content; "
            f"{PLAN_AGAIN}"
        )
    return _Reader(source_name).plan(body)


class _Reader:
    """The plan document back into model objects; any surprise is one SavedPlanError."""

    def __init__(self, source_name: str) -> None:
        self.source_name = source_name

    def fail(self, where: str, message: str) -> NoReturn:
        raise SavedPlanError(f"{self.source_name} is corrupt: {where} {message}; {PLAN_AGAIN}")

    def field(self, data: Any, name: str, kind: type | tuple[type, ...], where: str) -> Any:
        if not isinstance(data, dict) or name not in data:
            self.fail(where, f"has no {name!r}")
        value = data[name]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            self.fail(f"{where}.{name}", f"has the wrong type ({type(value).__name__})")
        return value

    def optional(self, data: Any, name: str, kind: type | tuple[type, ...], where: str) -> Any:
        """A member that must be present and may be null."""
        if isinstance(data, dict) and name in data and data[name] is None:
            return None
        return self.field(data, name, kind, where)

    def enum(self, data: Any, name: str, enum: type[E], where: str) -> E:
        value = self.field(data, name, str, where)
        try:
            return enum(value)
        except ValueError:
            self.fail(f"{where}.{name}", f"is {value!r}, not one of the known values")

    def plan(self, body: Any) -> Plan:
        sets = self.field(body, "configuration_sets", list, "the plan")
        rows = self.field(body, "destinations", list, "the plan")
        warnings = self.field(body, "warnings", list, "the plan")
        if not all(isinstance(w, str) for w in warnings):
            self.fail("the plan's warnings", "are not all strings")
        return Plan(
            sets=tuple(self.set_plan(s, f"configuration_sets[{i}]") for i, s in enumerate(sets)),
            destinations=tuple(self.row(r, f"destinations[{i}]") for i, r in enumerate(rows)),
            warnings=tuple(warnings),
            strict=self.field(body, "strict", bool, "the plan"),
        )

    def key(self, data: Any, name_field: str, where: str) -> SetKey:
        return SetKey(
            self.enum(data, "api", Api, where),
            self.field(data, "region", str, where),
            self.field(data, name_field, str, where),
        )

    def source(self, data: Any, where: str) -> Source | None:
        source = self.optional(data, "source", dict, where)
        if source is None:
            return None
        where = f"{where}.source"
        return Source(
            self.field(source, "file", str, where),
            self.field(source, "line", int, where),
            self.field(source, "column", int, where),
        )

    def set_plan(self, data: Any, where: str) -> SetPlan:
        error = self.optional(data, "error", dict, where)
        failure = None
        if error is not None:
            failure = ReadFailure(
                self.field(error, "code", str, f"{where}.error"),
                self.field(error, "message", str, f"{where}.error"),
            )
        return SetPlan(
            key=self.key(data, "name", where),
            status=self.enum(data, "status", SetStatus, where),
            source=self.source(data, where),
            error=failure,
            fingerprint=self.optional(data, "fingerprint", str, where),
            ignored=self.field(data, "ignored", bool, where),
        )

    def row(self, data: Any, where: str) -> DestinationPlan:
        differences = self.field(data, "differences", list, where)
        return DestinationPlan(
            key=self.key(data, "configuration_set", where),
            name=self.field(data, "name", str, where),
            status=self.enum(data, "status", Status, where),
            action=self.enum(data, "action", Action, where),
            expected=self.optional(data, "expected", dict, where),
            actual=self.optional(data, "actual", dict, where),
            differences=tuple(
                self.difference(d, f"{where}.differences[{i}]") for i, d in enumerate(differences)
            ),
            source=self.source(data, where),
            note=self.optional(data, "note", str, where),
            ignored=self.field(data, "ignored", bool, where),
        )

    def difference(self, data: Any, where: str) -> Difference:
        if not isinstance(data, dict) or "expected" not in data or "actual" not in data:
            self.fail(where, "has no 'expected' or 'actual'")
        path = self.field(data, "path", str, where)
        try:
            parse_path(path)
        except PathSyntaxError as error:
            self.fail(f"{where}.path", f"is not a difference path ({error})")
        return Difference(
            path=path,
            type=self.enum(data, "type", DiffType, where),
            expected=data["expected"],
            actual=data["actual"],
            ignored=self.field(data, "ignored", bool, where),
        )


# --- staleness -----------------------------------------------------------------------------


def verify_keys(saved: Plan) -> list[SetKey]:
    """The sets ``apply`` re-reads: every set whose live state the plan recorded."""
    return [s.key for s in saved.sets if s.fingerprint is not None]


def stale_sets(saved: Plan, fresh: LiveState) -> list[SetKey]:
    """The sets whose live state differs from the plan's record (or could not be re-read)."""
    stale = []
    for set_plan in saved.sets:
        if set_plan.fingerprint is None:
            continue  # not read at planning time: the plan holds no action on it
        live = fresh.sets.get(set_plan.key)
        if live is None or fingerprint(live) != set_plan.fingerprint:
            stale.append(set_plan.key)
    return stale


def ensure_fresh(saved: Plan, fresh: LiveState) -> None:
    """Raise StalePlanError naming every set that changed or could not be re-read."""
    stale = stale_sets(saved, fresh)
    if not stale:
        return
    unreadable = [k for k in stale if _read_failure(fresh, k) is not None]
    changed = [k for k in stale if k not in unreadable]
    parts = []
    if changed:
        names = ", ".join(str(k) for k in changed)
        parts.append(
            f"{plural(len(changed), 'configuration set')} changed since it was made: {names}"
        )
    for key in unreadable:
        failure = _read_failure(fresh, key)
        assert failure is not None
        parts.append(f"{key} could not be re-read ({failure.code}: {failure.message})")
    raise StalePlanError(
        f"the saved plan cannot be applied: {'; '.join(parts)}; nothing was written; {PLAN_AGAIN}",
        changed,
        unreadable,
    )


def _read_failure(fresh: LiveState, key: SetKey) -> ReadFailure | None:
    live = fresh.sets.get(key)
    if live is None:
        return ReadFailure("NotRead", "the configuration set was not read")
    return live.error if live.status is SetStatus.ERROR else None


# --- files ---------------------------------------------------------------------------------


def saved_plan_path(paths: Sequence[Path] | None) -> Path | None:
    """The saved plan among ``apply``'s PATHs: the only one, when it is a JSON file; else None
    (the paths are specs)."""
    if paths and len(paths) == 1 and paths[0].suffix == ".json" and not paths[0].is_dir():
        return paths[0]
    return None


def write_file(path: Path, plan: Plan, *, created_at: datetime) -> None:
    """Save ``plan`` to ``path`` with the one writer (:func:`driftcheck.files.write_file`);
    SavedPlanError if it cannot."""
    try:
        files.write_file(path, save(plan, created_at=created_at))
    except OSError as error:
        raise SavedPlanError(
            f"cannot save the plan to {path}: {error.strerror or error}"
        ) from error


def read_file(path: Path) -> Plan:
    """The plan saved at ``path``; SavedPlanError if it cannot be read or used."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SavedPlanError(f"cannot read the saved plan {path}: {error}") from error
    return load(text, str(path))


__all__ = [
    "FORMAT_VERSION",
    "KIND",
    "SavedPlanError",
    "StalePlanError",
    "checksum",
    "ensure_fresh",
    "load",
    "read_file",
    "save",
    "saved_plan_path",
    "stale_sets",
    "verify_keys",
    "write_file",
]
