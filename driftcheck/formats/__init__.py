"""Output formats: each module turns a :class:`~driftcheck.model.Plan` into a string.

Formatters are pure: they never print, read files or call the API; only the CLI writes.
To add a format, write a module with ``render(plan, *, color) -> str``, add a member to
:class:`Format` and its entry in ``_RENDERERS`` (a test checks that every member renders).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Protocol

from driftcheck.formats import json_format, text
from driftcheck.model import Plan


class Format(str, Enum):
    TEXT = "text"
    JSON = "json"

    def __str__(self) -> str:
        return self.value


class Renderer(Protocol):
    def __call__(self, plan: Plan, *, color: bool = False) -> str: ...


_RENDERERS: Mapping[Format, Renderer] = MappingProxyType(
    {
        Format.TEXT: text.render,
        Format.JSON: json_format.render,
    }
)


def render(plan: Plan, fmt: Format, *, color: bool = False) -> str:
    """``plan`` in format ``fmt``; ``color`` asks for ANSI colours where the format has any."""
    return _RENDERERS[fmt](plan, color=color)


__all__ = ["Format", "Renderer", "render"]
