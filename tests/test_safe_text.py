"""Safe text: no control character of a name or value survives, and the escapes are JSON's."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from driftcheck.safe_text import escape_unsafe

UNSAFE = {"Cc", "Cf", "Zl", "Zp", "Cs"}
# every code point, lone surrogates included (names from the API are not always valid UTF-16)
any_text = st.text(st.characters(codec=None, exclude_categories=()))


def unsafe(text: str, keep: str = "") -> set[str]:
    return {c for c in text if c not in keep and unicodedata.category(c) in UNSAFE}


@given(any_text)
def test_no_unsafe_character_survives(text: str) -> None:
    assert unsafe(escape_unsafe(text)) == set()


@given(any_text)
def test_kept_characters_are_the_only_unsafe_ones_left(text: str) -> None:
    assert unsafe(escape_unsafe(text, keep="\n\t"), keep="\n\t") == set()
    assert escape_unsafe(text, keep="\n\t").count("\n") == text.count("\n")


@given(st.recursive(st.text() | st.integers() | st.booleans(), st.lists))
def test_escaping_json_text_keeps_its_meaning(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert json.loads(escape_unsafe(text)) == value


def test_an_escape_sequence_is_written_out() -> None:
    assert escape_unsafe("a\x1b[2Jb\u202e") == "a\\u001b[2Jb\\u202e"
    assert escape_unsafe("\U000e0001") == "\\udb40\\udc01"  # a surrogate pair beyond the BMP
