"""The safe YAML loader: marks, duplicate keys, tags, aliases and merge keys, errors."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from driftcheck.desired.yaml_loader import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    ListNode,
    LoadedYaml,
    MapNode,
    Node,
    ScalarNode,
    load_yaml,
)

LOADERS = [pytest.param(yaml.CSafeLoader, id="libyaml"), pytest.param(yaml.SafeLoader, id="python")]


def plain(node: Node | None) -> Any:
    """The tree as plain Python data (what yaml.safe_load would give for string keys)."""
    if isinstance(node, MapNode):
        return {key: plain(value) for key, (_, value) in node.entries.items()}
    if isinstance(node, ListNode):
        return [plain(item) for item in node.items]
    return None if node is None else node.value


def loaded(text: str, loader: type[Any] = yaml.CSafeLoader) -> LoadedYaml:
    return load_yaml(text.encode("utf-8"), "f.yaml", loader)


def messages(result: LoadedYaml) -> list[str]:
    return [str(p) for p in result.problems]


@pytest.mark.parametrize("loader", LOADERS)
def test_keys_and_values_keep_their_line_and_column(loader: type[Any]) -> None:
    result = loaded("a:\n  bb: [x, {c: 1}]\n  'd': \"caf\u00e9\" # x\n  e: caf\u00e9 f\n", loader)
    assert result.problems == ()
    root = result.root
    assert isinstance(root, MapNode)
    assert (root.line, root.column) == (1, 1)
    a_key, a = root.entries["a"]
    assert (a_key.line, a_key.column, a.line, a.column) == (1, 1, 2, 3)
    assert isinstance(a, MapNode)
    bb_key, bb = a.entries["bb"]
    assert (bb_key.line, bb_key.column, bb.line, bb.column) == (2, 3, 2, 7)
    assert isinstance(bb, ListNode)
    x, c_map = bb.items
    assert (x.line, x.column, c_map.line, c_map.column) == (2, 8, 2, 11)
    d_key, d = a.entries["d"]
    assert (d_key.line, d_key.column, d.line, d.column) == (3, 3, 3, 8)
    _, e = a.entries["e"]
    # columns count characters, not bytes
    assert (e.line, e.column) == (4, 6)
    assert isinstance(e, ScalarNode) and e.value == "café f"


def test_scalars_resolve_like_the_safe_loader() -> None:
    text = (
        "s: text\nq: '12'\ni: 12\nh: 0x1F\nf: 1.5\nb: true\nyes_: yes\nn: ~\nempty:\n"
        "d: 2020-01-02\nt: !!str 12\nk: !!int '7'\nbin: !!binary aGk=\n"
    )
    result = loaded(text)
    assert result.problems == ()
    assert plain(result.root) == yaml.safe_load(text)
    assert plain(result.root)["d"] == datetime.date(2020, 1, 2)
    root = result.root
    assert isinstance(root, MapNode)
    i = root.entries["h"][1]
    assert isinstance(i, ScalarNode) and (i.value, i.text) == (31, "0x1F")


def test_keys_are_kept_as_written() -> None:
    result = loaded("123: a\ntrue: b\n~: c\n1.0: d\n")
    assert plain(result.root) == {"123": "a", "true": "b", "~": "c", "1.0": "d"}


def test_duplicate_keys_are_reported_at_the_second_with_the_first_place() -> None:
    result = loaded("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert messages(result) == [
        "f.yaml:4:3: duplicate key `c`, also declared at f.yaml:3:3 "
        "(YAML would silently keep only the last one)",
        "f.yaml:5:1: duplicate key `a`, also declared at f.yaml:1:1 "
        "(YAML would silently keep only the last one)",
    ]
    # a duplicate key does not make the rest untrustworthy: the first value is kept
    assert plain(result.root) == {"a": 1, "b": {"c": 1}}


def test_quoted_and_plain_spellings_of_a_key_are_duplicates() -> None:
    result = loaded("a: 1\n'a': 2\n")
    assert messages(result)[0].startswith(
        "f.yaml:2:1: duplicate key `a`, also declared at f.yaml:1:1"
    )


def test_merge_keys_follow_yaml_rules() -> None:
    text = (
        "base: &base {a: 1, b: 1}\nmore: &more {b: 2, c: 2}\n"
        "one:\n  <<: *base\n  a: 0\n"
        "two:\n  <<: [*more, *base]\n  d: 4\n"
    )
    result = loaded(text)
    assert result.problems == ()
    assert plain(result.root) == yaml.safe_load(text)
    assert plain(result.root)["one"] == {"a": 0, "b": 1}
    assert plain(result.root)["two"] == {"b": 2, "c": 2, "a": 1, "d": 4}


def test_a_merge_key_needs_mappings() -> None:
    result = loaded("x: &x 1\ny:\n  <<: *x\n  a: 1\n")
    assert messages(result) == [
        "f.yaml:1:4: a merge key `<<` takes a mapping or a list of mappings (e.g. `<<: *base`)"
    ]


def test_a_second_merge_key_is_a_duplicate() -> None:
    result = loaded("x: &x {a: 1}\ny:\n  <<: *x\n  <<: *x\n")
    assert messages(result)[0].startswith(
        "f.yaml:4:3: duplicate key `<<`, also declared at f.yaml:3:3"
    )


def test_a_quoted_merge_key_is_an_ordinary_key() -> None:
    assert plain(loaded("'<<': 1\n").root) == {"<<": 1}


def test_aliases_share_the_anchored_node() -> None:
    result = loaded("a: &x {k: v}\nb: *x\n")
    root = result.root
    assert isinstance(root, MapNode)
    assert root.entries["a"][1] is root.entries["b"][1]


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        aliases = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("loader", LOADERS)
def test_an_alias_bomb_is_refused_before_it_expands(loader: type[Any]) -> None:
    result = loaded(billion_laughs(), loader)
    assert result.root is None
    [problem] = result.problems
    assert "expand to more than 1,000,000 nodes" in problem.message
    assert "alias bomb" in problem.message
    # Level k expands to s(k) = 1 + 9 s(k-1) nodes, s(0) = 10: the aliases of levels 1 to 5
    # expand to 672,588 nodes; the first alias of level 6 (597,871 more) crosses the cap.
    assert MAX_ALIAS_NODES == 1_000_000
    assert (problem.line, problem.column) == (7, 10)


def test_an_alias_bomb_through_merge_keys_is_refused() -> None:
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}"]
    for level in range(1, 9):
        items = ", ".join(f"k{i}: *m{level - 1}" for i in range(9))
        lines.append(f"m{level}: &m{level} {{{items}}}")
    lines.append("x: {<<: [*m8, *m8, *m8]}")
    result = loaded("\n".join(lines) + "\n")
    assert result.root is None
    assert "expand to more than 1,000,000 nodes" in result.problems[0].message


def test_aliases_under_the_cap_are_fine() -> None:
    result = loaded(billion_laughs(levels=5))  # about 9 ** 5 = 59,049 nodes
    assert result.problems == ()
    assert len(plain(result.root)["a4"]) == 9


def test_a_recursive_alias_is_refused() -> None:
    result = loaded("a: &a\n  b: [1, *a]\n")
    assert result.root is None
    assert messages(result) == [
        "f.yaml:2:10: the alias `*a` refers to a node that contains it (recursive alias)"
    ]


def test_an_undefined_alias_is_refused() -> None:
    result = loaded("a: *nope\n")
    assert result.root is None
    assert messages(result) == ["f.yaml:1:4: the alias `*nope` has no anchor `&nope`"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a: !!python/object/apply:os.system ['echo hi']\n",
            "f.yaml:1:4: the tag `!!python/object/apply:os.system` is not allowed: "
            "specs are loaded safely, without Python objects",
        ),
        (
            "a: !!python/name:os.system\n",
            "f.yaml:1:4: the tag `!!python/name:os.system` is not allowed: "
            "specs are loaded safely, without Python objects",
        ),
        (
            "a: !Ref topic\n",
            "f.yaml:1:4: the tag `!Ref` is not supported in specs; use only !!str, !!int, "
            "!!float, !!bool, !!null, !!timestamp, !!binary, !!map or !!seq",
        ),
        ("a: !!set {x, y}\n", "f.yaml:1:4: the tag `!!set` is not supported in specs"),
        ("a: !!str [x]\n", "f.yaml:1:4: the tag `!!str` cannot be used on a list"),
        ("a: !!int abc\n", "f.yaml:1:4: `abc` is not a valid !!int value"),
    ],
)
def test_unsafe_or_unknown_tags_are_refused(text: str, message: str) -> None:
    result = loaded(text)
    assert result.root is None
    assert messages(result)[0].startswith(message)


def test_every_bad_tag_is_reported() -> None:
    result = loaded("a: !!python/object:x {}\nb: !x y\n")
    assert [(p.line, p.column) for p in result.problems] == [(1, 4), (2, 4)]


def test_a_mapping_as_a_key_is_refused() -> None:
    result = loaded("? [a, b]\n: c\nd: e\n")
    assert messages(result) == ["f.yaml:1:3: a mapping key must be a name, not a list"]
    assert plain(result.root) == {"d": "e"}


def test_a_second_document_is_refused() -> None:
    result = loaded("a: 1\n---\nb: 2\n")
    assert messages(result) == [
        "f.yaml:2:1: a spec file holds one YAML document; this second one is ignored"
    ]
    assert plain(result.root) == {"a": 1}


@pytest.mark.parametrize("loader", LOADERS)
def test_syntax_errors_carry_the_parser_position(loader: type[Any]) -> None:
    result = loaded("a: 1\nb: [x, y\nc: d\n", loader)
    assert result.root is None
    [problem] = result.problems
    assert (problem.line, problem.column) == (3, 2)
    assert problem.message.startswith("YAML syntax error:")
    assert "expected ',' or ']'" in problem.message  # libyaml and PyYAML word it differently
    assert "flow sequence, which started at line 2, column 4" in problem.message


@pytest.mark.parametrize("loader", LOADERS)
def test_a_tab_gets_a_hint(loader: type[Any]) -> None:
    result = loaded("a: 1\nb:\n\tc: 2\n", loader)
    [problem] = result.problems
    assert (problem.line, problem.column) == (3, 1)
    assert problem.message.startswith("YAML syntax error: ")
    assert problem.message.endswith("; indent with spaces, YAML does not allow tabs there")


def test_bad_indentation_is_a_syntax_error() -> None:
    result = loaded("a:\n  b: 1\n c: 2\n")
    [problem] = result.problems
    assert (problem.line, problem.column) == (3, 2)
    assert problem.message.startswith("YAML syntax error:")


@pytest.mark.parametrize("loader", LOADERS)
def test_a_control_character_is_reported_where_it_is(loader: type[Any]) -> None:
    result = loaded("a: 1\nb: '\u00e9\u00e9\x07'\n", loader)
    assert result.root is None
    [problem] = result.problems
    assert (problem.line, problem.column) == (2, 7)
    assert "control characters are not allowed" in problem.message or (
        "special characters are not allowed" in problem.message
    )
    assert "#x0007" in problem.message


def test_nesting_is_limited() -> None:
    result = loaded("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    assert result.root is None
    # the top-level mapping is level 1: the 64th `[` (column 3 + 64) is one too many
    assert messages(result) == [f"f.yaml:1:{3 + MAX_DEPTH}: nesting deeper than 64 levels"]


def test_an_empty_document_has_no_root() -> None:
    for text in ("", "# just a comment\n", "---\n", "\n\n"):
        result = loaded(text)
        assert result == LoadedYaml(None, ())


# --- property: the tree holds what yaml.safe_load gives ------------------------------------

keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(document=documents, flow=st.booleans())
def test_the_tree_holds_what_safe_load_gives(document: Any, flow: bool) -> None:
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)
    result = loaded(text)
    assert result.problems == ()
    assert plain(result.root) == yaml.safe_load(text)


@settings(max_examples=100, deadline=None)
@given(document=st.dictionaries(keys, scalars, min_size=1, max_size=6))
def test_every_key_is_marked_where_it_is_written(document: dict[str, Any]) -> None:
    text = yaml.safe_dump(document, default_flow_style=False, allow_unicode=True, width=10_000)
    lines = text.splitlines()
    result = loaded(text)
    root = result.root
    assert isinstance(root, MapNode)
    assert sorted(root.entries) == sorted(document)
    for key_node, _ in root.entries.values():
        line = lines[key_node.line - 1]
        # one key per line, at column 1, or after `? ` for a complex key
        assert key_node.column == (3 if line.startswith("? ") else 1)
        written = line[key_node.column - 1 :]
        assert written.startswith(key_node.text) or written[0] in "'\""
