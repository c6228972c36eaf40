"""Noise control: ``.driftignore`` / ``--ignore`` patterns, and ``--target`` selection.

A pattern is ``[ACCOUNT:]api/region/configuration-set[/destination][:field.path]`` with ``*``
wildcards in each part and a leading ``!`` to negate; ``#`` starts a comment. Like
``.gitignore``, the last pattern that matches an item decides whether it is ignored.

- ``api/region/set`` matches an unmanaged configuration set (``--include-unmanaged``);
- ``api/region/set/destination`` matches a destination row (typically an extra one);
- ``...:field.path`` matches the differences at or under that path. It is a glob over
  difference paths (:mod:`driftcheck.diffpath`): ``*`` matches any text (dots and
  brackets included) and ``?`` one character; ``[name]`` is a dimension, never a character
  class, and a quoted name is literal.

A target is ``[ACCOUNT:]SET[/DESTINATION]``, names as written.

``ACCOUNT:`` (the same grammar in both) limits a pattern or a target to the sets of one
account of the accounts file (``--accounts``): its name, or its 12-digit id. A 12-digit
ACCOUNT is always an id, never a name, so ``222222222222:`` cannot select two accounts (one
with that id, one so named): an account whose name is 12 digits is selected by its id.
Any other ACCOUNT is matched against the account's name and its id, with ``*`` and ``?``
wildcards (``prod-*:``; ``*:`` is every account, as no prefix is). Without the prefix, a
pattern or a target is about every account. The prefix is unambiguous: no api, region, set
or destination name holds a ``:`` or a ``/``, so a ``:`` before the first ``/`` can only end
an account, and a ``:`` after it starts a field path (``api/region/set:Enabled``). In a run
without an accounts file no set has an account, and ``ACCOUNT:`` selects none.

Ignored items stay in the plan, marked ``ignored``; they are not drift. A pattern that
matches nothing becomes a warning, because stale ignores rot. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from functools import partial
from pathlib import Path

from driftcheck.diffpath import PathSyntaxError, check_glob, glob_matches
from driftcheck.errors import Problem, SpecError, UsageError
from driftcheck.model import DesiredState, SetKey, SetStatus
from driftcheck.plan import mark_ignored
from driftcheck.plan_model import Plan

IGNORE_FILE = ".driftignore"
PATTERN_FORM = "api/region/configuration-set[/destination][:field.path]"
TARGET_FORM = "SET or SET/DESTINATION"
ACCOUNT_ID = re.compile(r"[0-9]{12}\Z")


# --- ACCOUNT: the prefix of patterns and targets ----------------------------------------


def split_account(text: str) -> tuple[str | None, str]:
    """``ACCOUNT:rest`` as ``(ACCOUNT, rest)``; ``(None, text)`` when ``text`` has no ``:``
    before its first ``/`` (the ``:`` of a field path comes after one)."""
    head, colon, rest = text.partition(":")
    if not colon or "/" in head:
        return None, text
    return head, rest


def account_matches(account: str, key: SetKey) -> bool:
    """Whether ``ACCOUNT`` selects the account of ``key``: a 12-digit one its id only, any
    other its name or its id, as a glob. Never a key without an account but for ``*``."""
    if ACCOUNT_ID.match(account):
        return key.account == account
    return fnmatchcase(key.account_name, account) or fnmatchcase(key.account, account)


# --- patterns ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str  # as written, for messages
    origin: str  # ``FILE:LINE`` or ``--ignore``
    negate: bool
    parts: tuple[str, ...]  # 3 (a set) or 4 (a destination) glob parts
    field: str | None  # a difference path glob (see driftcheck.diffpath), for differences
    account: str | None = None  # ACCOUNT (see account_matches); None: every account

    def matches_set(self, key: SetKey) -> bool:
        return len(self.parts) == 3 and self.field is None and self._matches_key(key)

    def matches_row(self, key: SetKey, name: str) -> bool:
        return (
            len(self.parts) == 4
            and self.field is None
            and self._matches_key(key)
            and fnmatchcase(name, self.parts[3])
        )

    def matches_difference(self, key: SetKey, name: str, path: str) -> bool:
        if self.field is None or not self._matches_key(key):
            return False
        if len(self.parts) == 4 and not fnmatchcase(name, self.parts[3]):
            return False
        return glob_matches(self.field, path)

    def _matches_key(self, key: SetKey) -> bool:
        api, region, name = self.parts[:3]
        return (
            (self.account is None or account_matches(self.account, key))
            and fnmatchcase(key.api.value, api)
            and fnmatchcase(key.region, region)
            and fnmatchcase(key.name, name)
        )


def parse_pattern(text: str, origin: str) -> Pattern:
    """One pattern; ValueError with a one-sentence reason when it is malformed."""
    shown = text.strip()
    negate = shown.startswith("!")
    account, body = split_account(shown[1:] if negate else shown)
    if account == "":
        raise ValueError(f"{shown!r} has an empty account before ':'")
    selector, colon, field = body.partition(":")
    parts = tuple(selector.split("/"))
    if len(parts) not in (3, 4) or not all(parts):
        raise ValueError(f"{shown!r} is not {PATTERN_FORM} (after an optional ACCOUNT:)")
    if colon and not field:
        raise ValueError(f"{shown!r} has an empty field path after ':'")
    if field:
        try:
            check_glob(field)
        except PathSyntaxError as error:
            raise ValueError(f"{shown!r} has a malformed field path: {error}") from error
    if colon and len(parts) == 3:
        parts = (*parts, "*")  # a field of any destination in the set
    return Pattern(shown, origin, negate, parts, field or None, account)


def parse_ignore_file(text: str, file: str) -> list[Pattern]:
    """The patterns of an ignore file; SpecError (FILE:LINE:COL) for malformed lines."""
    patterns, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        try:
            patterns.append(parse_pattern(content, f"{file}:{number}"))
        except ValueError as error:
            column = len(line) - len(line.lstrip()) + 1
            problems.append(Problem(file, number, column, str(error)))
    if problems:
        raise SpecError(problems)
    return patterns


def find_ignore_file(paths: Sequence[Path]) -> Path | None:
    """The ``.driftignore`` that applies to a plan of the specs at ``paths``, or None.

    It is looked for next to the specs (in each directory given, or a file's folder) and in
    the current directory, the repository root where CI runs ``driftcheck plan specs/``. At
    most one file may apply: when two different ones are found, which one wins would be a
    guess, so that is a UsageError asking for ``--ignore-file``.
    """
    folders = [path if path.is_dir() else path.parent for path in paths]
    found: dict[Path, Path] = {}  # the real file -> the path as shown to the user
    for folder in [*folders, Path()]:
        candidate = folder / IGNORE_FILE
        if candidate.is_file():
            found.setdefault(candidate.resolve(), candidate)
    if len(found) > 1:
        names = " and ".join(str(path) for path in found.values())
        raise UsageError(
            f"{len(found)} ignore files apply, {names}: merge them into one, "
            "or choose one with --ignore-file FILE"
        )
    return next(iter(found.values()), None)


def load_patterns(ignore_file: Path | None, cli_patterns: Sequence[str]) -> list[Pattern]:
    """Patterns of the ignore file, then of ``--ignore`` (which therefore win)."""
    patterns: list[Pattern] = []
    if ignore_file is not None:
        try:
            text = ignore_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read the ignore file {ignore_file}: {error}") from error
        patterns.extend(parse_ignore_file(text, str(ignore_file)))
    for text in cli_patterns:
        try:
            patterns.append(parse_pattern(text, "--ignore"))
        except ValueError as error:
            raise UsageError(f"--ignore: {error}") from error
    return patterns


def apply_ignores(plan: Plan, patterns: Sequence[Pattern], *, warn_stale: bool = True) -> Plan:
    """The plan with the items the patterns select marked ignored, plus stale warnings."""
    if not patterns:
        return plan
    used: set[int] = set()

    def decide(matches: Iterable[bool]) -> bool:
        verdict = False
        for index, matched in enumerate(matches):
            if matched:
                used.add(index)
                verdict = not patterns[index].negate
        return verdict

    def ignores_difference(key: SetKey, name: str, path: str) -> bool:
        return decide(p.matches_difference(key, name, path) for p in patterns)

    rows = []
    for row in plan.destinations:
        if decide(p.matches_row(row.key, row.name) for p in patterns):
            row = replace(row, ignored=True)
        rows.append(mark_ignored(row, partial(ignores_difference, row.key, row.name)))
    sets = [
        replace(s, ignored=True)
        if s.status is SetStatus.UNMANAGED and decide(p.matches_set(s.key) for p in patterns)
        else s
        for s in plan.sets
    ]
    stale = tuple(
        f"{p.origin}: ignore pattern {p.text!r} matches nothing"
        for index, p in enumerate(patterns)
        if index not in used and warn_stale
    )
    return replace(plan, sets=tuple(sets), destinations=tuple(rows), warnings=plan.warnings + stale)


# --- --target --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    set_name: str
    destination: str | None = None
    account: str | None = None  # ACCOUNT (see account_matches); None: every account

    @classmethod
    def parse(cls, text: str) -> Target:
        account, rest = split_account(text)
        set_name, slash, destination = rest.partition("/")
        if (
            account == ""
            or not set_name
            or (slash and not destination)
            or "/" in destination
            or ":" in rest
        ):
            raise UsageError(
                f"--target takes {TARGET_FORM}, after an optional ACCOUNT: (an account name "
                f"or 12-digit id), not {text!r}"
            )
        return cls(set_name, destination or None, account)

    def __str__(self) -> str:
        name = self.set_name if self.destination is None else f"{self.set_name}/{self.destination}"
        return name if self.account is None else f"{self.account}:{name}"

    def selects(self, key: SetKey) -> bool:
        """Whether the target names the set of ``key`` (whole, or one of its destinations)."""
        return key.name == self.set_name and (
            self.account is None or account_matches(self.account, key)
        )

    def selects_row(self, key: SetKey, name: str) -> bool:
        return self.selects(key) and self.destination in (None, name)


def _unselected(target: Target, keys: Sequence[SetKey]) -> str:
    """Why ``target`` selects none of the declared ``keys``, as one sentence."""
    if target.account is None:
        return f"--target {target}: no spec declares that set"
    if not any(key.account for key in keys):
        return (
            f"--target {target}: names account {target.account}, but this run has no "
            "accounts file (--accounts), so no set has an account"
        )
    if not any(account_matches(target.account, key) for key in keys):
        named = next((k for k in keys if k.account_name == target.account), None)
        if named is not None:  # a 12-digit ACCOUNT is an id: this one is only a name
            return (
                f"--target {target}: no account has the id {target.account}; the account "
                f"named {target.account} has the id {named.account}: name it by its id"
            )
        return f"--target {target}: no account {target.account} in this run"
    return f"--target {target}: no spec declares that set in account {target.account}"


def select_targets(desired: DesiredState, targets: Sequence[Target]) -> DesiredState:
    """Only the declared sets that a target names; UsageError for a target naming none."""
    if not targets:
        return desired
    keys = [s.key for s in desired.sets]
    for target in targets:
        if not any(target.selects(key) for key in keys):
            raise UsageError(_unselected(target, keys))
    return replace(
        desired, sets=tuple(s for s in desired.sets if any(t.selects(s.key) for t in targets))
    )


def restrict_plan(plan: Plan, targets: Sequence[Target]) -> Plan:
    """Only the rows the targets name: whole sets, or single (declared or live) destinations."""
    if not targets:
        return plan
    rows = tuple(d for d in plan.destinations if any(t.selects_row(d.key, d.name) for t in targets))
    for target in sorted((t for t in targets if t.destination is not None), key=str):
        readable = any(target.selects(s.key) and s.status is not SetStatus.ERROR for s in plan.sets)
        if readable and not any(target.selects_row(d.key, d.name) for d in rows):
            raise UsageError(f"--target {target}: no such destination is declared or live")
    sets = tuple(s for s in plan.sets if any(t.selects(s.key) for t in targets))
    return replace(plan, sets=sets, destinations=rows)
