"""Plain JSON data and its text: what every JSON document driftcheck writes is made of.

Definitions in a plan are any ``Mapping`` and may hold tuples (:mod:`driftcheck.model`);
:func:`to_json_data` turns them into the ``dict`` and ``list`` that :mod:`json` and the AWS
API expect, and :func:`json_text` writes ASCII-only JSON, so that no control character of
a name or value reaches a log as is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def to_json_data(value: Any) -> Any:
    """``value`` with every mapping a ``dict`` and every list or tuple a ``list``."""
    if isinstance(value, Mapping):
        return {str(key): to_json_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_data(item) for item in value]
    return value


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as ASCII-only JSON: lossless, and DEL escaped too, so no control character
    of a name or value reaches a log."""
    return json.dumps(value, indent=indent, ensure_ascii=True).replace("\x7f", "\\u007f")


def json_text_at(value: Any, depth: int) -> str:
    """``json_text(value)`` as it reads ``depth`` levels into an indented document."""
    text = json_text(value)
    return text.replace("\n", "\n" + "  " * depth) if depth else text
