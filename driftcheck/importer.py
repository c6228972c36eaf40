"""``driftcheck import``: a version-1 spec of the live destinations, to start managing them.

The spec is deterministic: sets and destinations sorted by name; the top-level keys in the
order ``version``, ``api``, ``region``, ``vars``, ``configuration_sets``; within a destination
``Enabled`` (always written), ``MatchingEventTypes`` (sorted, one flow list), then the
destination block, whose members follow the order of botocore's service model (dimensions
sorted by name). A header comment says when and from where it was generated.

``--parametrize account_id=123456789012`` replaces each literal occurrence of a value inside ARN
strings with ``${account_id}`` and declares the variable under ``vars:``, so one spec can
serve several accounts (``--var account_id=...`` at plan time). A literal ``${`` in a value
is written ``$${``, so the spec loads back to exactly the live values. Scalars are written by
PyYAML's safe dumper, which quotes whatever YAML would otherwise read as another type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from driftcheck import __version__
from driftcheck.desired.document import NAME, VERSION, read_document, read_top
from driftcheck.desired.variables import ACCOUNT_ID, BUILT_IN, REGION, VARIABLE_NAME
from driftcheck.desired.yaml_loader import MapNode, Node, load_yaml
from driftcheck.errors import DriftcheckError, UsageError
from driftcheck.files import write_file
from driftcheck.live.clients import ClientSettings, make_clients
from driftcheck.live.lister import ListError, list_configuration_sets
from driftcheck.live.reader import read_live_state
from driftcheck.model import Api, Definition, LiveSet, SetKey, SetStatus
from driftcheck.normalise import normalise_definition, unreadable_type_note
from driftcheck.safe_text import escape_unsafe
from driftcheck.service_model import DEFINITION_SHAPE, Shape, destination_blocks, shape
from driftcheck.targets import Account
from driftcheck.wording import plural

if TYPE_CHECKING:
    from driftcheck.live.sessions import AccountSessions

_GENERATED_NAME = "<generated spec>"
_DESTINATIONS = "event_destinations"


class ImportSpecError(DriftcheckError):
    """The live state cannot be imported (a set missing or unreadable, a destination that a
    spec of this API cannot express)."""


# --- reading what to import ----------------------------------------------------------------


def read_sets_to_import(
    api: Api,
    region: str,
    settings: ClientSettings,
    names: Sequence[str] | None,
    *,
    account: Account | None = None,
    sessions: AccountSessions | None = None,
) -> list[LiveSet]:
    """The live sets named by ``names`` (``--configuration-set``), or every set (``--all``)
    when ``names`` is None; ImportSpecError when one is missing or cannot be read.
    ``account``: the sets of that account of an accounts file (its credentials in
    ``sessions``)."""
    explicit = names is not None
    account_id = account.account_id if account is not None else ""
    if sessions is not None and sessions.failure(account_id) is not None:
        failure = sessions.failures[account_id]
        raise ImportSpecError(
            f"cannot read account {account_id}: {failure.code}: {failure.message}"
        )
    if names is None:
        target = (account_id, api, region)
        client = make_clients([target], settings, sessions)[target]
        try:
            names = list_configuration_sets(client, api)
        except ListError as error:  # the run's ApiError without an account: kept
            if not account_id:
                raise
            raise ImportSpecError(f"account {account_id}: {error}") from error
    for name in names:
        if not NAME.match(name):
            raise UsageError(
                f"--configuration-set {name!r}: a name is 1 to 64 letters, digits, `_` or `-`"
            )
    name_of = account.name if account is not None else ""
    keys = [
        SetKey(api, region, name, account=account_id, account_name=name_of)
        for name in sorted(set(names))
    ]
    live = read_live_state(keys, settings, sessions=sessions)
    unreadable = [s for s in live.sets.values() if s.status is SetStatus.ERROR]
    if unreadable:
        details = "; ".join(
            f"{s.key}: {s.error.code}: {s.error.message}" for s in unreadable if s.error
        )
        raise ImportSpecError(
            f"cannot read {plural(len(unreadable), 'configuration set')}: {details}"
        )
    missing = [k.name for k in keys if live.sets[k].status is SetStatus.MISSING]
    if missing and explicit:  # with --all, a set deleted since the listing is simply gone
        raise ImportSpecError(
            f"no configuration set named {', '.join(missing)} in {region} ({api.value})"
        )
    return [live.sets[k] for k in keys if live.sets[k].status is SetStatus.PRESENT]


def describe_source(api: Api, region: str, settings: ClientSettings) -> str:
    """Where the live state came from, for the header: never a secret (no URL credentials)."""
    where = f"{api.value} in {region}"
    if settings.endpoint_url:
        parts = urlsplit(settings.endpoint_url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        where += f" at {parts.scheme}://{host}{port}{parts.path}"
    if settings.profile:
        where += f", profile {settings.profile}"
    return where


# --- the spec --------------------------------------------------------------------------------


def import_spec(
    live_sets: Sequence[LiveSet],
    *,
    api: Api,
    region: str,
    variables: Mapping[str, str],
    generated_at: datetime,
    source_description: str,
    account: Account | None = None,
) -> str:
    """A version-1 spec (YAML text) declaring exactly the destinations of ``live_sets``.

    ``account`` (``--accounts``): the sets are that account's; the spec says
    ``accounts: [NAME]`` and writes the account's id inside ARNs as the built-in
    ``${account_id}`` (not declared under ``vars``).
    """
    built_in = {ACCOUNT_ID: account.account_id} if account is not None else {}
    substitute = _Substitution({**variables, **built_in})
    sets: dict[str, Any] = {}
    for live in sorted(live_sets, key=lambda s: s.key.name):
        wanted = (api, region, account.account_id if account is not None else "")
        if (live.key.api, live.key.region, live.key.account) != wanted:
            raise ValueError(f"{live.key} is not in {region} ({api.value})")
        sets[live.key.name] = {
            _DESTINATIONS: {
                name: _destination(live.key, name, live.destinations[name], substitute)
                for name in sorted(live.destinations)
            }
        }
    document: dict[str, Any] = {"version": VERSION}
    if account is not None:
        document["accounts"] = _FlowList([account.name])
    document.update({"api": api.value, "region": region})
    if variables:
        document["vars"] = dict(sorted(variables.items()))
    document["configuration_sets"] = sets
    text = _header(generated_at, source_description) + yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=4096
    )
    _check(text, variables, api, region, built_in)
    return text


def _destination(key: SetKey, name: str, raw: Definition, substitute: _Substitution) -> Any:
    definition = normalise_definition(raw)
    note = unreadable_type_note(key.api, definition)
    if note is not None:
        raise ImportSpecError(
            f"cannot import {_destination_name(key.name, name)} ({key.region}, {key.api.value}): "
            f"{note}"
        )
    ordered = _ordered(definition, shape(key.api, DEFINITION_SHAPE), key.api)
    ordered["MatchingEventTypes"] = _FlowList(ordered["MatchingEventTypes"])
    body: dict[str, Any] = {"Enabled": ordered.pop("Enabled")}
    body["MatchingEventTypes"] = ordered.pop("MatchingEventTypes")
    for block in destination_blocks(key.api):
        if block in ordered:
            body[block] = ordered.pop(block)
    body.update(ordered)  # anything else: the spec check below reports it
    result: dict[str, Any] = substitute.strings(body)
    return result


def _ordered(value: Any, value_shape: Shape, api: Api) -> Any:
    """``value`` with mapping keys in the model's member order (unknown ones after, sorted)."""
    if isinstance(value, Mapping) and value_shape.get("type") == "structure":
        members: dict[str, Any] = value_shape.get("members", {})
        keys = [m for m in members if m in value] + sorted(k for k in value if k not in members)
        return {
            k: _ordered(value[k], shape(api, members[k]["shape"]) if k in members else {}, api)
            for k in keys
        }
    if isinstance(value, list) and value_shape.get("type") == "list":
        member = shape(api, value_shape["member"]["shape"])
        return [_ordered(item, member, api) for item in value]
    return value


def _header(generated_at: datetime, source_description: str) -> str:
    when = generated_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    source = escape_unsafe(source_description)
    return (
        f"# Generated by `driftcheck import` (driftcheck {__version__}) on {when}\n"
        f"# from the live event destinations of {source}.\n"
        "# Review it and commit it; `driftcheck plan` then reports any drift from it.\n"
    )


def _check(
    text: str,
    variables: Mapping[str, str],
    api: Api,
    region: str,
    built_in: Mapping[str, str],
) -> None:
    """The generated text must load as a valid spec: a safety net for what the API allows
    and a spec does not. A problem names the set and destination it comes from, never a line
    of a text that is not written anywhere. ``built_in``: the values of the built-in
    variables (an accounts file's run), which ``vars`` does not declare."""
    loaded = load_yaml(text.encode("utf-8"), _GENERATED_NAME)
    problems = list(loaded.problems)
    if loaded.root is not None and built_in:
        top = read_top(
            loaded.root, _GENERATED_NAME, {}, {}, reserved=tuple(BUILT_IN), with_accounts=True
        )
        values = {**top.vars, **built_in, REGION: region}
        problems += [*top.problems, *top.read_sets(values, {}).problems]
    elif loaded.root is not None:
        problems += read_document(loaded.root, _GENERATED_NAME, variables, {})[1]
    if problems:
        first = problems[0]
        where = _declared_at(loaded.root, first.line) if loaded.root is not None else None
        what = "the live state" if where is None else _destination_name(*where)
        raise ImportSpecError(
            f"cannot import {what} ({region}, {api.value}) into a valid spec: {first.message}"
        )


def _destination_name(set_name: str, destination: str | None) -> str:
    if destination is None:
        return f"configuration set {set_name}"
    return f"event destination {destination} of configuration set {set_name}"


def _declared_at(root: Node, line: int) -> tuple[str, str | None] | None:
    """The set (and destination) whose entry in the generated spec holds ``line``."""
    starts: list[tuple[int, str, str | None]] = []
    sets = root.entries.get("configuration_sets") if isinstance(root, MapNode) else None
    if sets is not None and isinstance(sets[1], MapNode):
        for set_name, (set_key, body) in sets[1].entries.items():
            starts.append((set_key.line, set_name, None))
            destinations = body.entries.get(_DESTINATIONS) if isinstance(body, MapNode) else None
            if destinations is not None and isinstance(destinations[1], MapNode):
                for name, (key, _) in destinations[1].entries.items():
                    starts.append((key.line, set_name, name))
    before = [(set_name, name) for start, set_name, name in starts if start <= line]
    return before[-1] if before else None


class _Substitution:
    """``${name}`` for variable values inside ARN strings, ``$${`` for a literal ``${``."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        by_value: dict[str, str] = {}
        for name, value in sorted(variables.items()):
            if not VARIABLE_NAME.match(name):
                raise UsageError(
                    f"--parametrize {name}: a variable name starts with a letter or `_` and holds "
                    "letters, digits, `_` and `-`"
                )
            if not value or any(c in value for c in "${}"):
                raise UsageError(
                    f"--parametrize {name}: the value must be non-empty, without `$`, `{{` or `}}`"
                )
            if value in by_value:
                raise UsageError(f"--parametrize {by_value[value]} and {name} have the same value")
            by_value[value] = name
        self.by_value = by_value
        values = sorted(by_value, key=lambda v: (-len(v), v))  # the longest match wins
        self.pattern = re.compile("|".join(map(re.escape, values))) if values else None

    def strings(self, value: Any, member: str = "") -> Any:
        if isinstance(value, _FlowList):
            return _FlowList(self.strings(item) for item in value)
        if isinstance(value, Mapping):
            return {k: self.strings(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.strings(item) for item in value]
        if isinstance(value, str):
            return self.template(value) if member.endswith("Arn") else _literal(value)
        return value

    def template(self, text: str) -> str:
        if self.pattern is None:
            return _literal(text)
        out, position = [], 0
        for match in self.pattern.finditer(text):
            literal = text[position : match.start()]
            out.append(_literal(literal))
            # `$` right before `${name}` would read as the literal `$${`: keep that one as is
            if text[: match.start()].endswith("$"):
                out.append(match.group())
            else:
                out.append("${" + self.by_value[match.group()] + "}")
            position = match.end()
        out.append(_literal(text[position:]))
        return "".join(out)


def _literal(text: str) -> str:
    return text.replace("${", "$${")


# --- YAML output -----------------------------------------------------------------------------


class _FlowList(list[Any]):
    """A list written on one line: ``[BOUNCE, COMPLAINT]``."""


class _Dumper(yaml.SafeDumper):
    """The safe dumper, with block lists indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(_FlowList, _represent_flow_list)


# --- the output file -------------------------------------------------------------------------


def write_spec_file(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path`` with the one writer (:func:`driftcheck.files.write_file`):
    never over an existing regular file without ``force``; ``-``, stdout, a FIFO or a
    device is written to, as there is nothing to overwrite."""
    try:
        write_file(path, text, replace=force)
    except FileExistsError as error:
        raise UsageError(f"{path} already exists; pass --force to overwrite it") from error
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from error
