"""Spec files and directories in, one validated :class:`DesiredState` out."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

from driftcheck.desired.document import FileSpec, read_document
from driftcheck.desired.yaml_loader import load_yaml, offset_position
from driftcheck.errors import Problem, SpecError
from driftcheck.files import kind_of, read_bytes
from driftcheck.gc_pause import gc_paused
from driftcheck.model import DesiredSet, DesiredState, SetKey

SPEC_SUFFIXES = (".yaml", ".yml")  # compared without regard to case: *.YAML, *.Yml...


def spec_files(paths: Sequence[str | Path]) -> list[Path]:
    """The spec files that ``paths`` name, in load order; SpecError for a path that is
    missing or cannot be searched.

    A file is taken whatever its name (a pipe too: ``validate <(sops -d spec.yaml)``); a
    directory gives its ``*.yaml`` and ``*.yml`` files (any case), recursively, sorted,
    following symbolic links (each real directory once; a loop is a problem), skipping
    hidden files and directories (names starting with ``.``). A FIFO, device or socket in
    a directory, a broken link named like a spec, and an unreadable directory are problems.
    A file named twice, or reached through two paths, is loaded once.
    """
    files, problems = _collect(paths)
    if problems:
        raise SpecError(problems)
    return [path for _, path in files]


NO_REGION = "no region: add `region:` to the spec, pass --region, or set AWS_DEFAULT_REGION"
# SES quota, per account and region, not adjustable (both APIs manage the same sets):
# https://docs.aws.amazon.com/ses/latest/dg/quotas.html
MAX_CONFIGURATION_SETS = 10_000


def load_specs(
    paths: Sequence[str | Path],
    *,
    cli_vars: Mapping[str, str] | None = None,
    default_region: str | None = None,
    require_region: bool = False,
    environ: Mapping[str, str] | None = None,
) -> DesiredState:
    """Load and validate the specs in ``paths`` (files or directories) as one desired state.

    ``cli_vars`` (``--var name=value``) override every file's ``vars``; ``${env:NAME}`` reads
    ``environ`` (default: the process environment). A file without ``region`` uses
    ``default_region``; without either, the region is ``""``, or a problem when
    ``require_region``. Raises :class:`SpecError` with every problem found in every file.
    """
    files, problems = _collect(paths)
    cli_vars = dict(cli_vars or {})
    environ = os.environ if environ is None else environ
    with gc_paused():
        sets = _load_sets(files, cli_vars, environ, default_region, require_region, problems)
    problems.extend(over_quota(sets))
    if problems:
        # Problems inside an aliased node are found once per alias: report them once.
        raise SpecError(list(dict.fromkeys(problems)))
    return DesiredState(
        tuple(sorted(sets, key=lambda s: s.key)), files=tuple(display for display, _ in files)
    )


def _load_sets(
    files: list[tuple[str, Path]],
    cli_vars: Mapping[str, str],
    environ: Mapping[str, str],
    default_region: str | None,
    require_region: bool,
    problems: list[Problem],
) -> list[DesiredSet]:
    """The sets that ``files`` declare; their problems are added to ``problems``."""
    sets: list[DesiredSet] = []
    declared: dict[tuple[str, str], DesiredSet] = {}  # (region, name) -> first declaration
    for display, path in files:
        spec, file_problems = _load_file(display, path, cli_vars, environ)
        problems.extend(file_problems)
        if spec is None:
            continue
        region = spec.region or default_region or ""
        if not region and require_region and spec.sets:
            problems.append(Problem(display, 1, 1, NO_REGION))
        for set_spec in spec.sets:
            desired = DesiredSet(
                SetKey(spec.api, region, set_spec.name), set_spec.destinations, set_spec.source
            )
            first = declared.setdefault((region, set_spec.name), desired)
            if first is not desired:
                problems.append(_declared_twice(desired, first))
            else:
                sets.append(desired)
    return sets


def over_quota(sets: Sequence[DesiredSet], quota: int = MAX_CONFIGURATION_SETS) -> list[Problem]:
    """A problem at the first set (in load order) beyond ``quota`` sets in one region.

    SES refuses to create more, so such specs could never be in sync.
    """
    counts: dict[str, int] = {}
    problems = []
    for desired in sets:
        region = desired.key.region
        counts[region] = counts.get(region, 0) + 1
        if counts[region] == quota + 1:
            where = f"in {region}" if region else "without a region"
            source = desired.source
            message = (
                f"configuration set `{desired.key.name}` is one more than SES allows {where}: "
                f"at most {quota:,} configuration sets per account and region"
            )
            problems.append(Problem(source.file, source.line, source.column, message))
    return problems


def _declared_twice(second: DesiredSet, first: DesiredSet) -> Problem:
    key, source = second.key, second.source
    where = f"in {key.region}" if key.region else "without a region"
    if first.key.api is key.api:
        message = (
            f"configuration set `{key.name}` ({where}, api {key.api.value}) is declared twice; "
            f"also declared at {first.source}"
        )
    else:
        message = (
            f"configuration set `{key.name}` ({where}) is also declared at {first.source} with "
            f"api {first.key.api.value}; both APIs manage the same SES configuration set"
        )
    return Problem(source.file, source.line, source.column, message)


def _load_file(
    display: str, path: Path, cli_vars: Mapping[str, str], environ: Mapping[str, str]
) -> tuple[FileSpec | None, list[Problem]]:
    try:
        data = read_bytes(path, what="a spec file")
    except OSError as error:
        return None, [Problem(display, 1, 1, f"cannot read the file: {error.strerror or error}")]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = offset_position(data, error.start)
        bad = data[error.start]
        return None, [
            Problem(
                display, line, column, f"the file is not UTF-8 (byte 0x{bad:02x}); save it as UTF-8"
            )
        ]
    loaded = load_yaml(data, display)
    problems = list(loaded.problems)
    if loaded.root is None:
        if not problems:
            problems.append(
                Problem(
                    display,
                    1,
                    1,
                    "the file is empty; a spec needs at least `version: 1` and "
                    "`configuration_sets`",
                )
            )
        return None, problems
    spec, document_problems = read_document(loaded.root, display, cli_vars, environ)
    return spec, problems + document_problems


def _collect(paths: Sequence[str | Path]) -> tuple[list[tuple[str, Path]], list[Problem]]:
    """(name for messages, path) of every spec file, and problems with the paths."""
    finder = _Finder()
    for given in paths:
        finder.given(os.fspath(given))
    return finder.files, finder.problems


_Identity = tuple[int, int]  # (st_dev, st_ino): one file or directory, whatever its path


class _Finder:
    """The spec files of the given paths: each file and each real directory once.

    Directory symbolic links are followed; a link back to a directory being searched is a
    loop, reported. Hidden entries (``.git``, ``.hidden.yaml``) are skipped. Every other
    path that cannot be searched or read is a problem naming it, never skipped: a gate must
    not pass because it read fewer specs than the user wrote.
    """

    def __init__(self) -> None:
        self.files: list[tuple[str, Path]] = []
        self.problems: list[Problem] = []
        self.seen_files: set[_Identity] = set()
        self.specs_under: dict[_Identity, int] = {}  # directory -> spec files found under it

    def problem(self, display: str, message: str) -> None:
        self.problems.append(Problem(display, 1, 1, message))

    def given(self, display: str) -> None:
        status = self.status(display, Path(display), named=True)
        if status is None:
            return
        if stat.S_ISDIR(status.st_mode):
            reported = len(self.problems)
            found = self.directory(display, Path(display), status, {})
            if found == 0 and len(self.problems) == reported:
                self.problem(display, "the directory holds no *.yaml or *.yml spec file")
        elif stat.S_ISREG(status.st_mode) or stat.S_ISFIFO(status.st_mode):
            self.add(display, Path(display), status)  # a pipe too: `validate <(sops -d x)`
        else:
            self.problem(display, f"{kind_of(status.st_mode)}, not a spec file")

    def status(self, display: str, path: Path, *, named: bool) -> os.stat_result | None:
        """``os.stat`` of ``path`` (links followed), or None after reporting why not.

        A broken link or a loop of links is reported only when ``named`` (given, or named
        like a spec): it cannot be a directory, and an unrelated one is not a spec."""
        try:
            return path.stat()
        except FileNotFoundError:
            if path.is_symlink():
                if named:
                    self.problem(display, f"a broken symbolic link (to {path.readlink()})")
            elif named:
                self.problem(display, "no such file or directory")
        except OSError as error:
            if error.errno != errno.ELOOP:
                self.problem(display, f"cannot read it: {error.strerror or error}")
            elif named:
                self.problem(display, "a symbolic link loop: the links lead back to themselves")
        return None

    def add(self, display: str, path: Path, status: os.stat_result) -> None:
        identity = (status.st_dev, status.st_ino)
        if identity not in self.seen_files:  # the same file through two paths: read once
            self.seen_files.add(identity)
            self.files.append((display, path))

    def directory(
        self, display: str, path: Path, status: os.stat_result, ancestors: dict[_Identity, str]
    ) -> int:
        """Search ``path`` (sorted, depth first); how many spec files it holds.

        ``ancestors`` are the directories being searched that contain it, by identity."""
        identity = (status.st_dev, status.st_ino)
        if identity in ancestors:
            self.problem(
                display,
                f"a symbolic link loop: it leads back to {ancestors[identity]}, which contains it",
            )
            return 0
        if identity in self.specs_under:  # given twice, or reached through another link
            return self.specs_under[identity]
        self.specs_under[identity] = 0
        try:
            with os.scandir(path) as entries:
                names = sorted(entry.name for entry in entries if not entry.name.startswith("."))
        except OSError as error:
            self.problem(display, f"cannot read the directory: {error.strerror or error}")
            return 0
        found = 0
        for name in names:
            child_display, child = str(Path(display, name)), path / name
            is_spec = name.lower().endswith(SPEC_SUFFIXES)
            child_status = self.status(child_display, child, named=is_spec)
            if child_status is None:
                continue
            if stat.S_ISDIR(child_status.st_mode):
                found += self.directory(
                    child_display, child, child_status, {**ancestors, identity: display}
                )
            elif is_spec and stat.S_ISREG(child_status.st_mode):
                self.add(child_display, child, child_status)
                found += 1
            elif is_spec:
                self.problem(
                    child_display,
                    f"{kind_of(child_status.st_mode)}, not a regular file; a spec directory "
                    "holds regular files (name a pipe on the command line to read it)",
                )
        self.specs_under[identity] = found
        return found
