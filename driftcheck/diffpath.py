"""Difference paths: where in a definition a difference lies. The one owner of their grammar.

A path is what :class:`~driftcheck.plan_model.Difference` ``.path`` holds, what ``IgnoreChanges``
lists and what the ``:field.path`` of an ignore pattern matches::

    Enabled
    SnsDestination.TopicArn
    CloudWatchDestination.DimensionConfigurations[campaign].DefaultDimensionValue

Grammar:

- a path is a sequence of segments; the empty path ``""`` names the whole definition;
- a *member* segment is a member name, written ``.Name`` (without the dot first);
- a *key* segment names the item of a keyed list (a list whose items are identified by one
  of their members: CloudWatch dimensions by ``DimensionName``) whose key is that value,
  written ``[value]``. A list is only keyed when every item is a mapping with a string key
  and no key repeats; otherwise the list is compared and addressed as one value.
- a name or key is written as is when it is *plain* (ASCII letters, digits, ``_`` and ``-``:
  every valid SES dimension and member name); any other text, the empty string included, is
  written as a JSON string: ``DimensionConfigurations["a.b]c"]``, ``[""]``. Live data can hold
  anything, so no name is ever ambiguous: ``.``, ``[``, ``]`` and ``"`` only ever appear inside
  quotes or as syntax. Reading accepts a plain text in quotes too (``["x"]`` is ``[x]``);
  writing always uses the shortest form, so equal paths are equal strings.

A path *covers* itself and every path below it (``SnsDestination`` covers
``SnsDestination.TopicArn``). A *glob* (the ``:field.path`` of an ignore pattern) is written
the same way with ``*`` (any text, ``.`` and brackets included) and ``?`` (one character) in
its plain parts, and matches a path when it matches the path or a path that covers it;
``[`` is never a character class, and quoted text is literal.

What a path names in a normalised definition, so that a difference can be applied to it, is
:mod:`driftcheck.differences`' part.

Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from driftcheck.normalise import DIMENSION_NAME, DIMENSIONS

# list member -> the member that identifies each of its items
KEYED_LISTS: dict[str, str] = {DIMENSIONS: DIMENSION_NAME}
# members whose value is a set of strings: a difference adds or removes one item
SET_MEMBERS = frozenset({"MatchingEventTypes"})

_PLAIN = re.compile(r"[A-Za-z0-9_-]+")
_GLOB_PLAIN = re.compile(r"[A-Za-z0-9_*?-]+")
# a loose reading, for diagnostics: any unquoted text but the syntax, an empty key
_LOOSE_MEMBER = re.compile(r'[^.\[\]"]+')
_LOOSE_KEY = re.compile(r'[^\[\]"]*')


@dataclass(frozen=True, slots=True)
class Member:
    """A member of a mapping, by name."""

    name: str


@dataclass(frozen=True, slots=True)
class Key:
    """The item of a keyed list whose key member has this value."""

    value: str


Segment = Member | Key
Path = tuple[Segment, ...]


# --- writing -------------------------------------------------------------------------------


def _text(value: str) -> str:
    return value if _PLAIN.fullmatch(value) else json.dumps(value, ensure_ascii=False)


def format_path(segments: Iterable[Segment]) -> str:
    """The text of a path: ``(Member("A"), Key("x"), Member("B"))`` -> ``A[x].B``."""
    out: list[str] = []
    for segment in segments:
        if isinstance(segment, Key):
            out.append(f"[{_text(segment.value)}]")
        else:
            out.append(f".{_text(segment.name)}" if out else _text(segment.name))
    return "".join(out)


def child(path: str, segment: Segment) -> str:
    """``path`` followed by one more segment."""
    return format_path((*parse_path(path), segment))


# --- reading -------------------------------------------------------------------------------


class PathSyntaxError(ValueError):
    """A text that is not a path (the message says why, in one sentence)."""


@dataclass(frozen=True, slots=True)
class _Token:
    segment: Segment
    quoted: bool  # written as a JSON string (never a glob)
    start: int  # where its name or key starts in the text
    end: int  # where a name ends, or a key's closing bracket


def _read_text(text: str, position: int, plain: re.Pattern[str]) -> tuple[str, bool, int]:
    """The name or key at ``position``: its value, whether it was quoted, where it ends."""
    if text.startswith('"', position):
        try:
            value, end = json.JSONDecoder().raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise PathSyntaxError(
                f"unterminated or malformed quoted name at {position + 1}"
            ) from error
        return str(value), True, end  # a JSON value that starts with '"' is a string
    match = plain.match(text, position)
    if match is None:
        found = repr(text[position]) if position < len(text) else "the end"
        raise PathSyntaxError(f"expected a name at {position + 1}, found {found}")
    return match.group(), False, match.end()


def _tokens(
    text: str, plain: re.Pattern[str], plain_key: re.Pattern[str] | None = None
) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text.startswith("[", position):
            value, quoted, end = _read_text(text, position + 1, plain_key or plain)
            if not text.startswith("]", end):
                raise PathSyntaxError(f"expected ']' at {end + 1}")
            tokens.append(_Token(Key(value), quoted, position + 1, end + 1))
            position = end + 1
            continue
        if tokens:
            if not text.startswith(".", position):
                raise PathSyntaxError(f"expected '.' or '[' at {position + 1}")
            position += 1
        value, quoted, end = _read_text(text, position, plain)
        tokens.append(_Token(Member(value), quoted, position, end))
        position = end
    if tokens and isinstance(tokens[0].segment, Key):
        raise PathSyntaxError("a path starts with a member name, not '['")
    return tokens


@lru_cache(maxsize=4096)  # plans repeat the same few paths on many destinations
def parse_path(text: str) -> Path:
    """The segments of a path; :class:`PathSyntaxError` when ``text`` is not one."""
    return tuple(token.segment for token in _tokens(text, _PLAIN))


def read_loosely(text: str) -> list[tuple[Segment, int, int]]:
    """Each segment of ``text`` with where its name or key starts and where its name ends.

    Read loosely: an unquoted name may hold any text but ``.``, ``[``, ``]`` and ``"``, a key
    any but the last three, and a key may be empty, so that a caller that checks names
    (``IgnoreChanges``) can say what is wrong with one, not only that the path is malformed.
    """
    return [(t.segment, t.start, t.end) for t in _tokens(text, _LOOSE_MEMBER, _LOOSE_KEY)]


# --- comparing -------------------------------------------------------------------------------


def covers(prefix: str, path: str) -> bool:
    """Whether ``prefix`` names ``path`` or a member above it (``SnsDestination`` covers
    ``SnsDestination.TopicArn``, ``...DimensionConfigurations[d]`` covers its fields).
    A text that is not a path covers nothing."""
    try:
        above, below = parse_path(prefix), parse_path(path)
    except PathSyntaxError:
        return False
    return below[: len(above)] == above


def check_glob(pattern: str) -> None:
    """:class:`PathSyntaxError` when ``pattern`` is not a path glob."""
    _glob_regex(pattern)


def glob_matches(pattern: str, path: str) -> bool:
    """Whether the glob ``pattern`` matches ``path`` or a path that covers it."""
    regex = _glob_regex(pattern)
    try:
        segments = parse_path(path)
    except PathSyntaxError:
        return False
    # the path itself, then each path above it (the whole definition "" only for itself)
    lengths = range(len(segments), 0, -1) if segments else (0,)
    return any(regex.fullmatch(format_path(segments[:length])) for length in lengths)


@lru_cache(maxsize=1024)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """The regex of a glob over canonical path texts: its plain parts with ``*`` and ``?``,
    each segment's syntax and quoted parts literal (and written as paths write them)."""
    parts: list[str] = []
    for index, token in enumerate(_tokens(pattern, _GLOB_PLAIN)):
        segment = token.segment
        value = segment.value if isinstance(segment, Key) else segment.name
        if token.quoted or not {"*", "?"} & set(value):
            body = re.escape(_text(value))
        else:
            body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value)
        if isinstance(segment, Key):
            parts.append(rf"\[{body}\]")
        else:
            parts.append(body if index == 0 else rf"\.{body}")
    return re.compile("".join(parts), re.DOTALL)


# --- what a path names in a definition -------------------------------------------------------


def key_of(member: str, item: Any) -> str | None:
    """The key of ``item`` as an item of the keyed list ``member``; None when it has none."""
    key_member = KEYED_LISTS.get(member)
    key = item.get(key_member) if key_member is not None and isinstance(item, Mapping) else None
    return key if isinstance(key, str) else None


def keyed_items(member: str, value: Any) -> dict[str, Mapping[str, Any]] | None:
    """The items of the list ``value`` of ``member`` by key, when it is a keyed list whose
    every item has a distinct string key; None otherwise (the list is then one value)."""
    if member not in KEYED_LISTS or not isinstance(value, (list, tuple)):
        return None
    items: dict[str, Mapping[str, Any]] = {}
    for item in value:
        key = key_of(member, item)
        if key is None or key in items:
            return None
        items[key] = item
    return items
