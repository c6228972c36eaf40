"""Output formats: each module turns a :class:`~driftcheck.plan_model.Plan` into a string.

Formatters are pure: they never print, read files or call the API; only the CLI writes.
They share their sentences (:mod:`.sentences`) and, for annotations, their findings
(:mod:`.findings`), so that every format says the same thing the same way.
To add a format, write a module with ``render(plan, *, color) -> str``, add a member to
:class:`Format` (its value names the module, see ``_MODULES``) and its entry in
``DESCRIPTIONS`` (tests check that every member renders, has a golden file per scenario and
a description). A renderer's module is imported when it is first used, so ``--help`` and
``validate`` do not pay for six formats (XML, JSON, markdown) they never render.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from importlib import import_module
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from driftcheck.plan_model import Plan


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


# The module of each format (driftcheck.formats.<name>), imported on first use.
_MODULES: Mapping[Format, str] = MappingProxyType(
    {
        Format.TEXT: "text",
        Format.JSON: "json_format",
        Format.MARKDOWN: "markdown",
        Format.JUNIT: "junit",
        Format.GITHUB: "github",
        Format.SARIF: "sarif",
    }
)


def renderer(fmt: Format) -> Renderer:
    """The ``render`` function of format ``fmt`` (its module is imported now if not yet)."""
    module = import_module(f"{__name__}.{_MODULES[fmt]}")
    return cast("Renderer", module.render)


def render(plan: Plan, fmt: Format, *, color: bool = False) -> str:
    """``plan`` in format ``fmt``; ``color`` asks for ANSI colours where the format has any."""
    return renderer(fmt)(plan, color=color)


__all__ = ["DESCRIPTIONS", "Format", "Renderer", "render", "renderer"]
