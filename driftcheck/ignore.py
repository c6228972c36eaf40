"""Noise control: ``.driftignore`` / ``--ignore`` patterns, and ``--target`` selection.

A pattern is ``api/region/configuration-set[/destination][:field.path]`` with ``*``
wildcards in each part and a leading ``!`` to negate; ``#`` starts a comment. Like
``.gitignore``, the last pattern that matches an item decides whether it is ignored.

- ``api/region/set`` matches an unmanaged configuration set (``--include-unmanaged``);
- ``api/region/set/destination`` matches a destination row (typically an extra one);
- ``...:field.path`` matches the differences at or under that path. It is a glob over
  difference paths (:mod:`driftcheck.diffpath`): ``*`` matches any text (dots and
  brackets included) and ``?`` one character; ``[name]`` is a dimension, never a character
  class, and a quoted name is literal.

Ignored items stay in the plan, marked ``ignored``; they are not drift. A pattern that
matches nothing becomes a warning, because stale ignores rot. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from functools import partial
from pathlib import Path

from driftcheck.diffpath import PathSyntaxError, check_glob, glob_matches
from driftcheck.errors import Problem, SpecError, UsageError
from driftcheck.model import DesiredState, Plan, SetKey, SetStatus
from driftcheck.plan import mark_ignored

IGNORE_FILE = ".driftignore"


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str  # as written, for messages
    origin: str  # ``FILE:LINE`` or ``--ignore``
    negate: bool
    parts: tuple[str, ...]  # 3 (a set) or 4 (a destination) glob parts
    field: str | None  # a difference path glob (see driftcheck.diffpath), for differences

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
            fnmatchcase(key.api.value, api)
            and fnmatchcase(key.region, region)
            and fnmatchcase(key.name, name)
        )


def parse_pattern(text: str, origin: str) -> Pattern:
    """One pattern; ValueError with a one-sentence reason when it is malformed."""
    body = text.strip()
    negate = body.startswith("!")
    body = body[1:] if negate else body
    selector, colon, field = body.partition(":")
    parts = tuple(selector.split("/"))
    if len(parts) not in (3, 4) or not all(parts):
        raise ValueError(
            f"{text.strip()!r} is not api/region/configuration-set[/destination][:field.path]"
        )
    if colon and not field:
        raise ValueError(f"{text.strip()!r} has an empty field path after ':'")
    if field:
        try:
            check_glob(field)
        except PathSyntaxError as error:
            raise ValueError(f"{text.strip()!r} has a malformed field path: {error}") from error
    if colon and len(parts) == 3:
        parts = (*parts, "*")  # a field of any destination in the set
    return Pattern(text.strip(), origin, negate, parts, field or None)


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

    @classmethod
    def parse(cls, text: str) -> Target:
        set_name, slash, destination = text.partition("/")
        if not set_name or (slash and not destination) or "/" in destination:
            raise UsageError(f"--target takes SET or SET/DESTINATION, not {text!r}")
        return cls(set_name, destination or None)


def select_targets(desired: DesiredState, targets: Sequence[Target]) -> DesiredState:
    """Only the declared sets that a target names; UsageError for a target naming none."""
    if not targets:
        return desired
    declared = {s.key.name for s in desired.sets}
    for target in targets:
        if target.set_name not in declared:
            raise UsageError(f"--target {target.set_name}: no spec declares that set")
    names = {t.set_name for t in targets}
    return replace(desired, sets=tuple(s for s in desired.sets if s.key.name in names))


def restrict_plan(plan: Plan, targets: Sequence[Target]) -> Plan:
    """Only the rows the targets name: whole sets, or single (declared or live) destinations."""
    if not targets:
        return plan
    whole = {t.set_name for t in targets if t.destination is None}
    single = {(t.set_name, t.destination) for t in targets if t.destination is not None}
    rows = tuple(
        d for d in plan.destinations if d.key.name in whole or (d.key.name, d.name) in single
    )
    readable = {s.key.name for s in plan.sets if s.status is not SetStatus.ERROR}
    for set_name, destination in sorted(single):
        found = any((d.key.name, d.name) == (set_name, destination) for d in rows)
        if not found and set_name in readable:
            raise UsageError(
                f"--target {set_name}/{destination}: no such destination is declared or live"
            )
    names = whole | {s for s, _ in single}
    return replace(plan, sets=tuple(s for s in plan.sets if s.key.name in names), destinations=rows)
