"""Safe YAML loading into a small tree of nodes that remember where they were written.

PyYAML's own node graph is not used: the event stream of the safe parser (libyaml's
``CSafeLoader`` when available, else the pure-Python ``SafeLoader``) is folded into
:class:`ScalarNode`, :class:`ListNode` and :class:`MapNode` (slotted, 1-based marks), so no
PyYAML type leaves this module. Measured on a 104,000-line spec (2,000 sets x 10
destinations), with the garbage collector paused as load_specs does: events alone 0.21 s;
this tree 0.46 s and 65 MiB peak RSS; ``yaml.compose`` 0.42 s but 113 MiB (1.85 s with the
collector running), and it would still need a second walk for the checks below. On top of
plain safe loading this module:

- reports duplicate mapping keys (PyYAML silently keeps the last one);
- refuses every tag but the standard scalar ones (``!!str``, ``!!int``, ``!!float``, ``!!bool``,
  ``!!null``, ``!!timestamp``, ``!!binary``), ``!!map`` and ``!!seq``;
- supports merge keys (``<<: *defaults``, ``<<: [*a, *b]``) with YAML's rules: keys written in
  the mapping win, then earlier merged mappings win over later ones;
- keeps an alias as a reference to the anchored node (nothing is copied) and refuses a file
  whose aliases would expand to more than :data:`MAX_ALIAS_NODES` nodes in total (a "billion
  laughs"), counted from each anchored node's expanded size, computed once when it is
  composed; undefined and recursive aliases are refused too;
- refuses nesting deeper than :data:`MAX_DEPTH` (so later recursive walks cannot overflow).

Mapping keys are kept as the text written (``123:`` is the key ``"123"``): every key in a
spec is a name.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from driftcheck.errors import Problem

MAX_ALIAS_NODES = 1_000_000
"""The most nodes that the aliases of one file may expand to, all aliases together."""

MAX_DEPTH = 64
"""The deepest nesting of lists and mappings accepted (a spec needs about 8)."""

try:
    _DEFAULT_LOADER: type[Any] = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _DEFAULT_LOADER = yaml.SafeLoader

ScalarValue = str | bool | int | float | None | date | bytes


@dataclass(slots=True, eq=False)
class ScalarNode:
    value: ScalarValue  # as YAML resolves it: ``true`` is True, ``12`` is 12, ``~`` is None
    text: str  # as written (after quoting and escapes)
    line: int
    column: int


@dataclass(slots=True, eq=False)
class ListNode:
    items: list[Node]
    line: int
    column: int


@dataclass(slots=True, eq=False)
class MapNode:
    entries: dict[str, tuple[ScalarNode, Node]]  # key text -> (key node, value node)
    line: int
    column: int


Node = ScalarNode | ListNode | MapNode


@dataclass(frozen=True)
class LoadedYaml:
    """The document of one file, or None when it cannot be trusted (problems say why)."""

    root: Node | None
    problems: tuple[Problem, ...]


def load_yaml(data: bytes, file: str, loader: type[Any] | None = None) -> LoadedYaml:
    """Parse the UTF-8 bytes ``data`` of ``file`` (a name for messages) into a tree.

    An empty document (an empty file, only comments, or a lone ``---``) has root None.
    """
    loader_class = loader or _DEFAULT_LOADER
    builder = _Builder(file)
    # libyaml reports reader errors as byte offsets, the pure-Python reader as characters.
    stream: bytes | str = data if loader_class is not yaml.SafeLoader else data.decode("utf-8")
    parser = None
    try:
        parser = loader_class(stream)  # the pure-Python reader checks the characters here
        builder.run(parser.get_event)
    except _Fatal as fatal:
        builder.problems.append(fatal.problem)
        builder.trusted = False
    except yaml.MarkedYAMLError as error:
        builder.problems.append(_syntax_problem(file, stream, error))
        builder.trusted = False
    except yaml.YAMLError as error:
        builder.problems.append(_reader_problem(file, stream, error))
        builder.trusted = False
    finally:
        if parser is not None:
            parser.dispose()
    root = builder.root if builder.trusted else None
    if isinstance(root, ScalarNode) and root.value is None and not root.text:
        root = None  # a lone `---`
    return LoadedYaml(root, tuple(builder.problems))


# --- tags and scalar values --------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_NULL = _TAG + "null"
_BOOL = _TAG + "bool"
_MERGE = _TAG + "merge"
_MAPPING_TAGS = frozenset({None, "!", _TAG + "map"})
_SEQUENCE_TAGS = frozenset({None, "!", _TAG + "seq"})
# Tags that resolve to a plain string (``=`` resolves to "value", an old YAML 1.1 feature).
_STRING_TAGS = frozenset({_STR, _TAG + "value", _TAG + "yaml"})
_SCALAR_TAGS = frozenset(
    {_STR, _NULL, _BOOL} | {_TAG + t for t in ("int", "float", "timestamp", "binary")}
)
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_BOOL_VALUES: dict[str, bool] = yaml.constructor.SafeConstructor.bool_values


def _resolve_plain(text: str) -> str:
    """The tag YAML gives the plain (unquoted, untagged) scalar ``text``."""
    for tag, regexp in _IMPLICIT.get(text[:1], ()):
        if regexp.match(text):
            return str(tag)
    return _STR


def _construct(tag: str, text: str) -> ScalarValue:
    """The value of a scalar with a safe scalar ``tag`` (ValueError when it is malformed)."""
    if tag in _STRING_TAGS:
        return text
    if tag == _BOOL and text.lower() in _BOOL_VALUES:
        return _BOOL_VALUES[text.lower()]
    if tag == _NULL:
        return None
    construct: Callable[[Any, yaml.ScalarNode], ScalarValue] = (
        yaml.constructor.SafeConstructor.yaml_constructors[tag]
    )
    try:
        return construct(_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    except (ValueError, KeyError, TypeError, yaml.YAMLError) as error:
        raise ValueError(text) from error


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _unsupported_tag(tag: str, kind: str) -> str:
    shown = _short_tag(tag)
    if "python/" in tag:
        return f"the tag `{shown}` is not allowed: specs are loaded safely, without Python objects"
    if tag in _SCALAR_TAGS or tag in _MAPPING_TAGS or tag in _SEQUENCE_TAGS:
        return f"the tag `{shown}` cannot be used on a {kind}"
    return (
        f"the tag `{shown}` is not supported in specs; use only !!str, !!int, !!float, "
        "!!bool, !!null, !!timestamp, !!binary, !!map or !!seq"
    )


# --- the builder -------------------------------------------------------------------------


class _Fatal(Exception):
    """A problem after which the rest of the file cannot be trusted."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# The key of a mapping waiting for the value of a key that was refused.
_SKIPPED_KEY = ScalarNode("", "", 0, 0)


class _Frame:
    """A list or mapping being composed."""

    __slots__ = ("anchor", "key", "key_merges", "merge_key", "merge_value", "node", "size")

    def __init__(self, node: ListNode | MapNode, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.size = 1  # nodes in the expanded subtree, aliases counted in full
        self.key: ScalarNode | None = None  # mappings: the key waiting for its value
        self.key_merges = False  # whether that key is the merge key `<<`
        self.merge_key: ScalarNode | None = None  # the merge key `<<` of the mapping
        self.merge_value: Node | None = None  # and its value


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.trusted = True
        self.root: Node | None = None
        self.documents = 0
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Node, int]] = {}  # anchor -> (node, expanded size)
        self.open_anchors: set[str] = set()  # anchors of lists/mappings being composed
        self.alias_nodes = 0  # nodes that aliases expand to, all together

    def problem(self, line: int, column: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, column, message))

    def run(self, get_event: Callable[[], Any]) -> None:
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        map_start, list_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        map_end, list_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        stack = self.stack
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                self.scalar(event)
            elif kind is map_start or kind is list_start:
                self.start(event, kind is map_start)
            elif kind is map_end or kind is list_end:
                frame = stack.pop()
                if frame.merge_value is not None:
                    assert isinstance(frame.node, MapNode)
                    self.merge(frame.node, frame.merge_value)
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (frame.node, frame.size)
                    self.open_anchors.discard(frame.anchor)
                self.add(frame.node, frame.size)
            elif kind is alias_event:
                self.alias(event)
            elif kind is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    mark = event.start_mark
                    self.problem(
                        mark.line + 1,
                        mark.column + 1,
                        "a spec file holds one YAML document; this second one is ignored",
                    )
                    return
            elif kind is yaml.StreamEndEvent:
                return

    def start(self, event: Any, mapping: bool) -> None:
        mark = event.start_mark
        line, column = mark.line + 1, mark.column + 1
        if len(self.stack) >= MAX_DEPTH:
            raise _Fatal(
                Problem(self.file, line, column, f"nesting deeper than {MAX_DEPTH} levels")
            )
        tag = event.tag
        if tag not in (_MAPPING_TAGS if mapping else _SEQUENCE_TAGS):
            self.problem(line, column, _unsupported_tag(tag, "mapping" if mapping else "list"))
            self.trusted = False
        node: ListNode | MapNode = (
            MapNode({}, line, column) if mapping else ListNode([], line, column)
        )
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(node, event.anchor))

    def scalar(self, event: Any) -> None:
        mark = event.start_mark
        line, column = mark.line + 1, mark.column + 1
        text: str = event.value
        tag: str | None = event.tag
        stack = self.stack
        if stack and stack[-1].key is None and type(stack[-1].node) is MapNode:
            # A mapping key: kept as written.
            if (tag is None and event.implicit[0] and text == "<<") or tag == _MERGE:
                stack[-1].key = ScalarNode(text, text, line, column)
                stack[-1].key_merges = True
                return
            if tag not in (None, "!") and tag not in _SCALAR_TAGS:
                self.problem(line, column, _unsupported_tag(tag, "scalar"))
                self.trusted = False
            text = sys.intern(text)
            key = ScalarNode(text, text, line, column)
            if event.anchor is not None:
                self.anchors[event.anchor] = (key, 1)
            stack[-1].key = key
            stack[-1].size += 1
            return
        value: ScalarValue = text
        if tag is None or tag == "!":
            if event.implicit[0]:
                resolved = _resolve_plain(text)
                if resolved != _STR:
                    value = self.value(resolved, text, line, column)
        elif tag in _SCALAR_TAGS:
            value = self.value(tag, text, line, column)
        else:
            self.problem(line, column, _unsupported_tag(tag, "scalar"))
            self.trusted = False
        node = ScalarNode(value, text, line, column)
        if event.anchor is not None:
            self.anchors[event.anchor] = (node, 1)
        self.add(node, 1)

    def value(self, tag: str, text: str, line: int, column: int) -> ScalarValue:
        try:
            return _construct(tag, text)
        except ValueError:
            self.problem(line, column, f"`{text}` is not a valid {_short_tag(tag)} value")
            self.trusted = False
            return text

    def alias(self, event: Any) -> None:
        anchor: str = event.anchor
        mark = event.start_mark
        line, column = mark.line + 1, mark.column + 1
        if anchor in self.open_anchors:
            raise _Fatal(
                Problem(
                    self.file,
                    line,
                    column,
                    f"the alias `*{anchor}` refers to a node that contains it (recursive alias)",
                )
            )
        if anchor not in self.anchors:
            raise _Fatal(
                Problem(self.file, line, column, f"the alias `*{anchor}` has no anchor `&{anchor}`")
            )
        node, size = self.anchors[anchor]
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _Fatal(
                Problem(
                    self.file,
                    line,
                    column,
                    f"the aliases in this file expand to more than {MAX_ALIAS_NODES:,} nodes; "
                    "refusing to load it (an alias bomb?)",
                )
            )
        self.add(node, size)

    def add(self, node: Node, size: int) -> None:
        """Attach a completed node to the list or mapping being composed."""
        stack = self.stack
        if not stack:
            self.root = node
            return
        frame = stack[-1]
        frame.size += size
        parent = frame.node
        if isinstance(parent, ListNode):
            parent.items.append(node)
            return
        key = frame.key
        if key is None:  # a list, a mapping or an alias used as a key
            if type(node) is ScalarNode:
                frame.key = node
            else:
                kind = "a list" if type(node) is ListNode else "a mapping"
                self.problem(node.line, node.column, f"a mapping key must be a name, not {kind}")
                frame.key = _SKIPPED_KEY
            return
        frame.key = None
        if key is _SKIPPED_KEY:
            return
        if frame.key_merges:
            frame.key_merges = False
            if frame.merge_key is None:
                frame.merge_key, frame.merge_value = key, node
                return
            first_key = frame.merge_key
        else:
            entries = parent.entries
            first = entries.get(key.text)
            if first is None:
                entries[key.text] = (key, node)
                return
            first_key = first[0]
        self.problem(
            key.line,
            key.column,
            f"duplicate key `{key.text}`, also declared at "
            f"{self.file}:{first_key.line}:{first_key.column} "
            "(YAML would silently keep only the last one)",
        )

    def merge(self, mapping: MapNode, value: Node) -> None:
        """Apply a merge key ``<<: value``: written keys win, then earlier merged mappings."""
        sources = value.items if isinstance(value, ListNode) else [value]
        for source in sources:
            if not isinstance(source, MapNode):
                self.problem(
                    source.line,
                    source.column,
                    "a merge key `<<` takes a mapping or a list of mappings (e.g. `<<: *base`)",
                )
                continue
            for key, entry in source.entries.items():
                mapping.entries.setdefault(key, entry)


# --- PyYAML errors -----------------------------------------------------------------------


def _syntax_problem(file: str, stream: bytes | str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = f"YAML syntax error: {error.problem or error.context or 'invalid YAML'}"
    if error.context and error.problem and error.context_mark is not None:
        context_mark = error.context_mark
        message += (
            f" ({error.context}, which started at line {context_mark.line + 1},"
            f" column {context_mark.column + 1})"
        )
    text = stream.decode("utf-8") if isinstance(stream, bytes) else stream
    lines = text.splitlines()
    if line <= len(lines) and lines[line - 1][column - 1 : column] == "\t":
        message += "; indent with spaces, YAML does not allow tabs there"
    return Problem(file, line, column, message)


def _reader_problem(file: str, stream: bytes | str, error: yaml.YAMLError) -> Problem:
    """A reader error (e.g. a control character) at its offset into ``stream``."""
    position = getattr(error, "position", None)
    reason = getattr(error, "reason", None) or str(error)
    character = getattr(error, "character", None)
    if isinstance(character, int):
        reason += f" (#x{character:04x})"
    elif isinstance(character, (str, bytes)) and len(character) == 1:
        reason += f" (#x{ord(character):04x})"
    if not isinstance(position, int):
        return Problem(file, 1, 1, f"cannot read the YAML: {reason}")
    line, column = offset_position(stream, position)
    return Problem(file, line, column, f"cannot read the YAML: {reason}")


def offset_position(stream: bytes | str, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of ``offset`` into ``stream``.

    ``stream`` is UTF-8 bytes (offset in bytes, valid UTF-8 before it) or text.
    """
    if isinstance(stream, bytes):
        line_start = stream.rfind(b"\n", 0, offset) + 1
        line = stream.count(b"\n", 0, offset) + 1
        return line, len(stream[line_start:offset].decode("utf-8", "replace")) + 1
    line_start = stream.rfind("\n", 0, offset) + 1
    return stream.count("\n", 0, offset) + 1, offset - line_start + 1
