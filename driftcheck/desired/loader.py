"""Spec files and directories in, one validated :class:`DesiredState` out."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from driftcheck.desired.checker import closest, quoted_list
from driftcheck.desired.document import Document, SetSpec, SetsRead, read_top
from driftcheck.desired.variables import ACCOUNT, ACCOUNT_ID, BUILT_IN, REGION, redefined
from driftcheck.desired.yaml_loader import MapNode, Node, load_yaml, offset_position
from driftcheck.errors import Problem, SpecError, UsageError
from driftcheck.files import kind_of, read_bytes
from driftcheck.gc_pause import gc_paused
from driftcheck.model import Api, DesiredSet, DesiredState, SetKey, Source
from driftcheck.wording import plural

if TYPE_CHECKING:
    from driftcheck.targets.accounts import Account

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
NO_REGION_VARIABLE = (
    "`${region}` needs a region: add `region:` or `regions:` to the spec, pass --region, "
    "or set AWS_DEFAULT_REGION"
)
# SES quota, per account and region, not adjustable (both APIs manage the same sets):
# https://docs.aws.amazon.com/ses/latest/dg/quotas.html
MAX_CONFIGURATION_SETS = 10_000
# A value holding ${account_id} or ${region} reads differently per target: one mistake in
# it makes one message per account and region. At most this many of the messages found for
# some targets only are shown per place (those found for every target are all shown).
MAX_MESSAGES_PER_PLACE = 3
# What a spec is checked with when it covers no account at all (an accounts file with only
# `organization`, validated offline): its values are still checked, nothing is declared.
EXAMPLE_ACCOUNT_ID = "000000000000"


def load_specs(
    paths: Sequence[str | Path],
    *,
    cli_vars: Mapping[str, str] | None = None,
    default_region: str | None = None,
    require_region: bool = False,
    environ: Mapping[str, str] | None = None,
    fleet: Sequence[Account] | None = None,
) -> DesiredState:
    """Load and validate the specs in ``paths`` (files or directories) as one desired state.

    ``cli_vars`` (``--var name=value``) override every file's ``vars``; ``${env:NAME}`` reads
    ``environ`` (default: the process environment). Raises :class:`SpecError` with every
    problem found in every file (:class:`UsageError` when ``cli_vars`` defines a built-in).

    Without ``fleet`` (no accounts file), a file declares its sets in its ``region``, in each
    of its ``regions``, or else in ``default_region``; without any, the region is ``""``, or
    a problem when ``require_region``. Keys have no account.

    ``fleet`` (``--accounts``: the accounts to read, those the accounts file names and those
    its ``organization`` lists) makes each file declare its sets in every account of its
    ``accounts`` (default: the whole fleet) and, in each, in the file's ``region``/``regions``
    if it names some (the spec wins: it says where the sets must be), else in the account's
    own ``regions``; ``default_region`` is not used. A file's sets are read with each
    (account, region)'s variables (see :meth:`_Loader.variables`), once per distinct values
    of the variables they use.
    """
    files, problems = _collect(paths)
    cli_vars = dict(cli_vars or {})
    _check_cli_vars(cli_vars, fleet is not None)
    environ = os.environ if environ is None else environ
    loader = _Loader(cli_vars, environ, default_region, require_region, fleet)
    with gc_paused():
        for display, path in files:
            loader.file(display, path)
    problems.extend(loader.problems)
    problems.extend(over_quota(loader.sets))
    if problems:
        # Problems inside an aliased node are found once per alias: report them once.
        raise SpecError(list(dict.fromkeys(problems)))
    return DesiredState(
        tuple(sorted(loader.sets, key=lambda s: s.key)),
        files=tuple(display for display, _ in files),
    )


def _check_cli_vars(cli_vars: Mapping[str, str], with_accounts: bool) -> None:
    for name in cli_vars:
        if name in _reserved(with_accounts):
            raise UsageError(f"--var {name}=...: {redefined(name)}")


def _reserved(with_accounts: bool) -> tuple[str, ...]:
    """The built-in variables that ``vars`` and ``--var`` cannot define.

    Without ``--accounts``, they are ordinary names: specs written for one account before the
    built-ins existed (``vars: {region: ...}``, ``import --parametrize account_id=...``) keep
    working unchanged, their own value winning over the built-in ``${region}``."""
    return (ACCOUNT_ID, ACCOUNT, REGION) if with_accounts else ()


@dataclass(frozen=True)
class _Target:
    """One (account, region) that a file declares its sets in (no account without a fleet)."""

    region: str
    account: Account | None = None

    def __str__(self) -> str:
        region = self.region or "no region"
        return f"account `{self.account.name}`, {region}" if self.account else region


class _Loader:
    """Reads spec files one by one, collecting their sets and problems."""

    def __init__(
        self,
        cli_vars: Mapping[str, str],
        environ: Mapping[str, str],
        default_region: str | None,
        require_region: bool,
        fleet: Sequence[Account] | None,
    ) -> None:
        self.cli_vars = cli_vars
        self.environ = environ
        self.default_region = default_region
        self.require_region = require_region
        self.fleet = fleet
        self.sets: list[DesiredSet] = []
        self.problems: list[Problem] = []
        # (account, region, name) -> first declaration (both APIs manage the same sets)
        self.declared: dict[tuple[str, str, str], DesiredSet] = {}

    def file(self, display: str, path: Path) -> None:
        root = _read_root(display, path, self.problems)
        if root is None:
            return
        document = read_top(
            root,
            display,
            self.cli_vars,
            self.environ,
            reserved=_reserved(self.fleet is not None),
            with_accounts=self.fleet is not None,
        )
        self.problems.extend(document.problems)
        targets = self.targets(document)
        if document.problems or document.api is None or not targets:
            # Checked once, for its problems; it declares nothing.
            self.problems.extend(self.read(document, self.example(document, targets)).problems)
            return
        self.declare(document, document.api, targets)

    def targets(self, document: Document) -> list[_Target]:
        """Where ``document`` declares its sets (its account names' problems reported)."""
        if self.fleet is None:
            regions = document.regions or (self.default_region or "",)
            if regions == ("",) and self.require_region and _declares_sets(document):
                self.problems.append(Problem(document.file, 1, 1, NO_REGION))
            return [_Target(region) for region in regions]
        accounts = self.accounts(document, self.fleet)
        return [
            _Target(region, account)
            for account in accounts
            for region in document.regions or account.regions
        ]

    def accounts(self, document: Document, fleet: Sequence[Account]) -> list[Account]:
        if document.accounts is None:
            return list(fleet)
        named = {a.name: a for a in fleet if not a.from_organization}
        listed = {a.name for a in fleet if a.from_organization}
        accounts = []
        for wanted in document.accounts:
            account = named.get(wanted.name)
            if account is not None:
                accounts.append(account)
                continue
            message = f"account `{wanted.name}` is not in the accounts file"
            if wanted.name in listed:
                message += (
                    "; it is listed by `organization`, whose accounts a spec reaches "
                    'with `accounts: "*"` only'
                )
            else:
                suggestion = closest(wanted.name, named)
                if suggestion:
                    message += f" (did you mean `{suggestion}`?)"
                elif named:
                    message += f"; it names {quoted_list(named, 'and')}"
            source = wanted.source
            self.problems.append(Problem(source.file, source.line, source.column, message))
        return accounts

    def example(self, document: Document, targets: list[_Target]) -> _Target:
        """The target to check a document with when it declares nothing."""
        if targets:
            return targets[0]
        if self.fleet is None:
            return _Target(self.default_region or "")
        # Imported here: driftcheck.targets imports this package.
        from driftcheck.targets.accounts import Account

        account = Account("example", EXAMPLE_ACCOUNT_ID, (), Source(document.file, 1, 1))
        return _Target(document.regions[0] if document.regions else "us-east-1", account)

    def read(self, document: Document, target: _Target) -> SetsRead:
        values, unavailable = self.variables(document, target)
        return document.read_sets(values, unavailable)

    def variables(
        self, document: Document, target: _Target
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The variables of ``document`` for ``target``, and the built-ins it lacks (why).

        From lowest to highest: the file's ``vars``, the account's ``vars``, ``--var``; the
        built-ins cannot be redefined where they have a value (see :func:`_reserved`)."""
        account = target.account
        values = {**document.vars, **(account.vars if account else {}), **self.cli_vars}
        unavailable = {}
        if REGION in values and account is None:
            pass  # without --accounts, a `region` of vars or --var keeps its meaning
        elif target.region:
            values[REGION] = target.region
        else:
            unavailable[REGION] = NO_REGION_VARIABLE
        if account is not None:
            values[ACCOUNT_ID], values[ACCOUNT] = account.account_id, account.name
        else:
            for name in (ACCOUNT_ID, ACCOUNT):
                unavailable[name] = (
                    f"`${{{name}}}` ({BUILT_IN[name]}) needs --accounts FILE; "
                    f"without it, define `{name}` under `vars:` or pass --var {name}=..."
                )
        return values, unavailable

    def declare(self, document: Document, api: Api, targets: list[_Target]) -> None:
        """Read ``document``'s sets for each target (once per distinct set of the values it
        uses) and declare them; a problem found for some targets only names the first."""
        reads: dict[object, SetsRead] = {}
        found: dict[Problem, list[_Target]] = {}
        for target in targets:
            values, unavailable = self.variables(document, target)
            used = (tuple(values.get(name) for name in document.references), frozenset(values))
            read = reads.get(used)
            if read is None:
                read = reads[used] = document.read_sets(values, unavailable)
            for problem in read.problems:
                found.setdefault(problem, []).append(target)
            if not read.problems:
                self.add(api, target, read.sets)
        # (line, column) -> messages found there for some targets only
        shown: dict[tuple[int, int], int] = {}
        for problem, where in found.items():
            if len(where) < len(targets):
                place = (problem.line, problem.column)
                shown[place] = shown.get(place, 0) + 1
                if shown[place] > MAX_MESSAGES_PER_PLACE:
                    continue
                others = len(where) - 1
                more = f", and {plural(others, 'other target')}" if others else ""
                problem = replace(problem, message=f"{problem.message} (for {where[0]}{more})")
            self.problems.append(problem)
        for (line, column), count in shown.items():
            if count > MAX_MESSAGES_PER_PLACE:
                hidden = count - MAX_MESSAGES_PER_PLACE
                message = (
                    f"… and {plural(hidden, 'more problem')} here, for other accounts or regions"
                )
                self.problems.append(Problem(document.file, line, column, message))

    def add(self, api: Api, target: _Target, sets: Sequence[SetSpec]) -> None:
        account = target.account
        account_id, name = (account.account_id, account.name) if account else ("", "")
        for set_spec in sets:
            key = SetKey(api, target.region, set_spec.name, account=account_id, account_name=name)
            desired = DesiredSet(key, set_spec.destinations, set_spec.source)
            first = self.declared.setdefault((account_id, target.region, set_spec.name), desired)
            if first is not desired:
                self.problems.append(_declared_twice(desired, first))
            else:
                self.sets.append(desired)


def _declares_sets(document: Document) -> bool:
    node = document.sets_node
    return not isinstance(node, MapNode) or bool(node.entries)


def over_quota(sets: Sequence[DesiredSet], quota: int = MAX_CONFIGURATION_SETS) -> list[Problem]:
    """A problem at the first set (in load order) beyond ``quota`` sets in one account and
    region.

    SES refuses to create more, so such specs could never be in sync.
    """
    counts: dict[tuple[str, str], int] = {}
    problems = []
    for desired in sets:
        target = desired.key.target
        counts[target] = counts.get(target, 0) + 1
        if counts[target] == quota + 1:
            source = desired.source
            message = (
                f"configuration set `{desired.key.name}` is one more than SES allows "
                f"{_where(desired.key)}: at most {quota:,} configuration sets per account "
                "and region"
            )
            problems.append(Problem(source.file, source.line, source.column, message))
    return problems


def _where(key: SetKey) -> str:
    if key.account:
        return f"in account `{key.account_name or key.account}`, {key.region or 'no region'}"
    return f"in {key.region}" if key.region else "without a region"


def _declared_twice(second: DesiredSet, first: DesiredSet) -> Problem:
    key, source = second.key, second.source
    where = _where(key)
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


def _read_root(display: str, path: Path, problems: list[Problem]) -> Node | None:
    """The YAML document of the file ``path``, or None (its problems added to ``problems``)."""
    try:
        data = read_bytes(path, what="a spec file")
    except OSError as error:
        problems.append(Problem(display, 1, 1, f"cannot read the file: {error.strerror or error}"))
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = offset_position(data, error.start)
        bad = data[error.start]
        message = f"the file is not UTF-8 (byte 0x{bad:02x}); save it as UTF-8"
        problems.append(Problem(display, line, column, message))
        return None
    loaded = load_yaml(data, display)
    problems.extend(loaded.problems)
    if loaded.root is None and not loaded.problems:
        problems.append(
            Problem(
                display,
                1,
                1,
                "the file is empty; a spec needs at least `version: 1` and `configuration_sets`",
            )
        )
    return loaded.root


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
