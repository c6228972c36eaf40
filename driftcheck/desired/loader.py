"""Spec files and directories in, one validated :class:`DesiredState` out."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from driftcheck.desired.document import FileSpec, read_document
from driftcheck.desired.yaml_loader import load_yaml, offset_position
from driftcheck.errors import Problem, SpecError
from driftcheck.model import DesiredSet, DesiredState, SetKey

SPEC_SUFFIXES = (".yaml", ".yml")


def spec_files(paths: Sequence[str | Path]) -> list[Path]:
    """The spec files that ``paths`` name, in load order; SpecError for a missing path.

    A file is taken whatever its name; a directory gives its ``*.yaml`` and ``*.yml`` files,
    recursively, sorted, skipping hidden files and directories (names starting with ``.``).
    A file named twice is loaded once.
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
    with _gc_paused():
        sets = _load_sets(files, cli_vars, environ, default_region, require_region, problems)
    problems.extend(over_quota(sets))
    if problems:
        # Problems inside an aliased node are found once per alias: report them once.
        raise SpecError(list(dict.fromkeys(problems)))
    return DesiredState(tuple(sorted(sets, key=lambda s: s.key)))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: loading allocates many objects but no cycles.

    Otherwise the collector's repeated passes over the growing tree cost a third of the time
    of a large spec.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
        data = path.read_bytes()
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
    files: list[tuple[str, Path]] = []
    problems: list[Problem] = []
    seen: set[Path] = set()

    def add(display: str, path: Path) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            files.append((display, path))

    for given in paths:
        display = os.fspath(given)
        path = Path(given)
        if path.is_dir():
            members = _directory_specs(path)
            if not members:
                problems.append(
                    Problem(display, 1, 1, "the directory holds no *.yaml or *.yml spec file")
                )
            for relative in members:
                add(str(Path(display, *relative)), path.joinpath(*relative))
        elif path.exists():
            add(display, path)
        else:
            problems.append(Problem(display, 1, 1, "no such file or directory"))
    return files, problems


def _directory_specs(directory: Path) -> list[tuple[str, ...]]:
    """The relative paths (as parts) of the spec files under ``directory``, sorted."""
    found: list[tuple[str, ...]] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(root).relative_to(directory).parts
        found.extend(
            (*base, name)
            for name in names
            if name.endswith(SPEC_SUFFIXES) and not name.startswith(".")
        )
    return sorted(found)
