"""Text that is safe to show: no name or value may smuggle a control character into a
terminal or a CI log.

Names and values come from spec files and from the API, so they may hold control
characters (an ESC starts a terminal escape sequence, a bidirectional override reorders
what a reviewer reads). :func:`escape_unsafe` writes each one as a JSON ``\\uXXXX``
escape; every output (the formats, alerts, apply and import messages) passes names and
values through it. :func:`plural` words a count.
"""

from __future__ import annotations

import unicodedata

# Control characters (C0, DEL, C1: ESC and CSI start escape sequences), format characters
# (bidirectional overrides, zero-width marks), line and paragraph separators, lone surrogates.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def escape_char(char: str) -> str:
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
        escape_char(char)
        if char not in keep and unicodedata.category(char) in _UNSAFE_CATEGORIES
        else char
        for char in text
    )
