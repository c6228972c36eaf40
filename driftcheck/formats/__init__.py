"""Output formats: each module turns a :class:`~driftcheck.model.Plan` into a string.

Formatters are pure: they never print, read files or call the API; only the CLI writes.
They share their sentences (:mod:`.sentences`) and, for annotations, their findings
(:mod:`.findings`), so that every format says the same thing the same way.
To add a format, write a module with ``render(plan, *, color) -> str``, add a member to
:class:`Format` and its entries in ``_RENDERERS`` and ``DESCRIPTIONS`` (tests check that
every member renders, has a golden file per scenario and a description).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Protocol

from driftcheck.formats import github, json_format, junit, markdown, sarif, text
from driftcheck.model import Plan


class Format(str, Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    JUNIT = "junit"
    GITHUB = "github"
    SARIF = "sarif"

    def __str__(self) -> str:
        return self.value


# One line per format, for ``--help``; only ``text`` is ever coloured.
DESCRIPTIONS: Mapping[Format, str] = MappingProxyType(
    {
        Format.TEXT: "Terraform-like plan for people and CI logs (coloured on a terminal)",
        Format.JSON: "versioned machine-readable plan (format_version 1)",
        Format.MARKDOWN: "verdict, tables and folded differences for a PR comment or "
        "$GITHUB_STEP_SUMMARY",
        Format.JUNIT: "JUnit XML: a test per destination, drift as failures, unreadable "
        "sets as errors",
        Format.GITHUB: "GitHub Actions ::error/::warning annotations on the spec lines",
        Format.SARIF: "SARIF 2.1.0 for code scanning: drift as results on the spec lines",
    }
)


class Renderer(Protocol):
    def __call__(self, plan: Plan, *, color: bool = False) -> str: ...


_RENDERERS: Mapping[Format, Renderer] = MappingProxyType(
    {
        Format.TEXT: text.render,
        Format.JSON: json_format.render,
        Format.MARKDOWN: markdown.render,
        Format.JUNIT: junit.render,
        Format.GITHUB: github.render,
        Format.SARIF: sarif.render,
    }
)


def render(plan: Plan, fmt: Format, *, color: bool = False) -> str:
    """``plan`` in format ``fmt``; ``color`` asks for ANSI colours where the format has any."""
    return _RENDERERS[fmt](plan, color=color)


__all__ = ["DESCRIPTIONS", "Format", "Renderer", "render"]
