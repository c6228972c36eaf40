"""Saved plans: ``driftcheck plan --out plan.json``, then ``driftcheck apply plan.json``.

A saved plan is its own versioned document, not the JSON report (``plan --format json``):
each changes on its own. It is one JSON object::

    {"kind": "driftcheck-saved-plan", "version": 3, "driftcheck_version": "0.1.0",
     "created_at": "2026-11-29T05:00:00Z", "checksum": "sha256:...", "plan": {...}}

``kind`` comes first, so a saved plan is known by its first bytes (``plan --out`` replaces
only a saved plan). ``plan`` is the :class:`~driftcheck.plan_model.Plan` itself, member by
member (:func:`_data`): ``sets``, ``destinations``, ``warnings``, ``strict``,
``spec_files``, with each set's live ``fingerprint``, the expected definitions, actions and
``ignored`` flags: everything ``apply`` needs, and nothing derived (no summary). It loads
back equal to the plan that was saved. ``checksum`` (sha256 of the canonical JSON of
``plan``) makes an edited or damaged file a clear error instead of a surprising apply.
Versions 1 (the JSON report in the same envelope) and 2 (keys without an account) are
refused with one sentence: a plan
is short-lived, making it again is the way. Change :data:`VERSION` with
any change of the document (``tests/golden/saved-plan.json`` shows it).

``apply`` re-reads the sets that have a fingerprint and refuses the plan when any of them
changed since it was made (:func:`ensure_fresh`). Everything here is pure (no I/O, no
clock) but the file functions at the end: :func:`saved_plan_path`,
:func:`check_replaceable`, :func:`write_file` and :func:`read_file`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from driftcheck import __version__, files
from driftcheck.diffpath import PathSyntaxError, parse_path
from driftcheck.errors import DriftcheckError
from driftcheck.json_data import json_text
from driftcheck.model import Api, LiveState, ReadFailure, SetKey, SetStatus, Source
from driftcheck.plan import fingerprint
from driftcheck.plan_model import (
    Action,
    DestinationPlan,
    Difference,
    DiffType,
    Plan,
    SetPlan,
    Status,
)
from driftcheck.wording import plural

KIND = "driftcheck-saved-plan"
VERSION = 3  # 3: set keys name their account (account, account_name)
_VERSION = re.compile(r"[\w.+-]{1,40}")  # a driftcheck version, safe to quote in a message
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
    body = _data(plan)
    saved = {
        "kind": KIND,
        "version": VERSION,
        "driftcheck_version": __version__,
        "created_at": created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "checksum": checksum(body),
        "plan": body,
    }
    return json_text(saved) + "\n"


# Who changed a drifted row (``plan --attribute``) is for people, not for ``apply``: a plan
# saves the same with or without it (and the document does not change).
_NOT_SAVED = frozenset({"changed_by", "attributed_at"})


def _data(value: Any) -> Any:
    """A model object as JSON data: a dataclass as an object of its fields, in their order
    (but :data:`_NOT_SAVED`); an enum as its value; mappings and sequences as objects and
    lists."""
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _data(getattr(value, f.name)) for f in fields(value) if f.name not in _NOT_SAVED
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): _data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_data(item) for item in value]
    return value


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
    _check_kind_and_version(saved, source_name)
    body = saved.get("plan")
    if saved.get("checksum") != checksum(body):
        raise SavedPlanError(
            f"{source_name} is damaged or was edited: its checksum does not match its content; "
            f"{PLAN_AGAIN}"
        )
    return _Reader(source_name).plan(body)


def _check_kind_and_version(saved: Any, source_name: str) -> None:
    if isinstance(saved, dict) and "drift" in saved and "summary" in saved:
        raise SavedPlanError(
            f"{source_name} is a JSON report (`plan --format json`), not a saved plan; apply "
            "takes the file that `driftcheck plan --out FILE` writes"
        )
    if not isinstance(saved, dict) or saved.get("kind") != KIND:
        raise SavedPlanError(
            f'{source_name} is not a driftcheck saved plan (no "kind": "{KIND}"); '
            "write one with `driftcheck plan --out FILE`"
        )
    version = saved.get("version", saved.get("format_version"))
    if version != VERSION or isinstance(version, bool):
        written_by = saved.get("driftcheck_version")
        known = isinstance(written_by, str) and _VERSION.fullmatch(written_by)
        by = f" (written by driftcheck {written_by})" if known else ""
        raise SavedPlanError(
            f"{source_name} is a saved plan of version {version!r}{by}, which driftcheck "
            f"{__version__} cannot apply (it reads version {VERSION}); {PLAN_AGAIN}"
        )


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
        sets = self.field(body, "sets", list, "the plan")
        rows = self.field(body, "destinations", list, "the plan")
        warnings = self.field(body, "warnings", list, "the plan")
        if not all(isinstance(w, str) for w in warnings):
            self.fail("the plan's warnings", "are not all strings")
        return Plan(
            sets=tuple(self.set_plan(s, f"sets[{i}]") for i, s in enumerate(sets)),
            destinations=tuple(self.row(r, f"destinations[{i}]") for i, r in enumerate(rows)),
            warnings=tuple(warnings),
            strict=self.field(body, "strict", bool, "the plan"),
            spec_files=self.field(body, "spec_files", int, "the plan"),
        )

    def key(self, data: Any, where: str) -> SetKey:
        key = self.field(data, "key", dict, where)
        where = f"{where}.key"
        return SetKey(
            self.enum(key, "api", Api, where),
            self.field(key, "region", str, where),
            self.field(key, "name", str, where),
            account=self.field(key, "account", str, where),
            account_name=self.field(key, "account_name", str, where),
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
            key=self.key(data, where),
            status=self.enum(data, "status", SetStatus, where),
            source=self.source(data, where),
            error=failure,
            fingerprint=self.optional(data, "fingerprint", str, where),
            ignored=self.field(data, "ignored", bool, where),
        )

    def row(self, data: Any, where: str) -> DestinationPlan:
        differences = self.field(data, "differences", list, where)
        return DestinationPlan(
            key=self.key(data, where),
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

# how every saved plan begins, whatever its version: a file that does not is never replaced
_SAVED_PLAN_START = re.compile(rb'\A\s*\{\s*"kind"\s*:\s*"' + KIND.encode() + rb'"')


def saved_plan_path(paths: Sequence[Path] | None) -> Path | None:
    """The saved plan among ``apply``'s PATHs: the only one, when it is a JSON file; else None
    (the paths are specs)."""
    if paths and len(paths) == 1 and paths[0].suffix == ".json" and not paths[0].is_dir():
        return paths[0]
    return None


def check_replaceable(path: Path) -> None:
    """SavedPlanError unless ``path`` may receive a saved plan: it does not exist, is
    empty, is a saved plan already, or is not a regular file (``-``, a FIFO, a device).

    A spec or a report given to ``--out`` by mistake must not be destroyed.
    """
    try:
        status = path.stat()
        if not path.is_file() or status.st_size == 0:
            return
        with path.open("rb") as file:
            start = file.read(4096)
    except OSError:
        return  # not there, or unreadable: the writer says why if it cannot write
    if not _SAVED_PLAN_START.match(start):
        raise SavedPlanError(
            f"{path} exists and is not a driftcheck saved plan; `plan --out` replaces only a "
            "saved plan: choose another path, or remove the file first; nothing was written"
        )


def write_file(path: Path, plan: Plan, *, created_at: datetime) -> None:
    """Save ``plan`` to ``path`` with the one writer (:func:`driftcheck.files.write_file`),
    after :func:`check_replaceable`; SavedPlanError if it cannot."""
    check_replaceable(path)
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
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise SavedPlanError(f"cannot read the saved plan {path}: {reason or error}") from error
    return load(text, str(path))


__all__ = [
    "KIND",
    "VERSION",
    "SavedPlanError",
    "StalePlanError",
    "check_replaceable",
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
