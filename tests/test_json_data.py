"""Plain JSON data and ASCII-only JSON text."""

from __future__ import annotations

import json
from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from driftcheck.json_data import json_text, json_text_at, to_json_data

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
)


def test_mappings_become_dicts_and_tuples_lists() -> None:
    frozen = MappingProxyType({"a": (1, MappingProxyType({"b": ("x",)})), 2: None})
    data = to_json_data(frozen)
    assert data == {"a": [1, {"b": ["x"]}], "2": None}
    assert type(data) is dict and type(data["a"]) is list and type(data["a"][1]) is dict


@given(json_values)
def test_json_text_is_printable_ascii_and_lossless(value: object) -> None:
    text = json_text(value)
    assert all(c == "\n" or " " <= c <= "~" for c in text)
    assert json.loads(text) == value


def test_json_text_at_indents_every_line_but_the_first() -> None:
    assert json_text_at({"a": [1]}, 2) == '{\n      "a": [\n        1\n      ]\n    }'
    assert json_text_at({"a": 1}, 0) == json_text({"a": 1})
