"""Helpers every format needs: plain JSON data, and text that cannot drive a terminal.

Names and values come from spec files and from the API, so they may hold control
characters; a format must never pass one through to a CI log or a terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

# Control characters (C0, DEL, C1: ESC and CSI start escape sequences), format characters
# (bidirectional overrides, zero-width marks), line and paragraph separators, lone surrogates.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _escape_char(char: str) -> str:
    """``char`` as JSON ``\\uXXXX`` escapes (a surrogate pair beyond the BMP)."""
    units = char.encode("utf-16-be", "surrogatepass")
    return "".join(
        f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2)
    )


def escape_unsafe(text: str, *, keep: str = "") -> str:
    """``text`` with every unsafe character (except those in ``keep``) as a ``\\uXXXX`` escape.

    The escapes are JSON's, so applying this to JSON text keeps its meaning.
    """
    if text.isprintable():  # fast path: every unsafe character is non-printable
        return text
    return "".join(
        _escape_char(char)
        if char not in keep and unicodedata.category(char) in _UNSAFE_CATEGORIES
        else char
        for char in text
    )


def to_json_data(value: Any) -> Any:
    """``value`` with every mapping a ``dict`` and every list or tuple a ``list``."""
    if isinstance(value, Mapping):
        return {str(key): to_json_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_data(item) for item in value]
    return value
