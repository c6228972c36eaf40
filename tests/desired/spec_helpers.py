"""Helpers shared by the spec tests (imported by name: tests/desired is on sys.path)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from driftcheck.desired import load_specs
from driftcheck.errors import SpecError
from driftcheck.model import DesiredState


def load(
    paths: Sequence[str | Path],
    *,
    cli_vars: Mapping[str, str] | None = None,
    default_region: str | None = None,
    require_region: bool = False,
    environ: Mapping[str, str] | None = None,
) -> DesiredState:
    """load_specs with an empty environment unless one is given."""
    return load_specs(
        paths,
        cli_vars=cli_vars,
        default_region=default_region,
        require_region=require_region,
        environ=environ or {},
    )


def problems(
    paths: Sequence[str | Path],
    *,
    cli_vars: Mapping[str, str] | None = None,
    default_region: str | None = None,
    require_region: bool = False,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """The problems of loading ``paths``, as the user reads them; fails if they load."""
    with pytest.raises(SpecError) as info:
        load(
            paths,
            cli_vars=cli_vars,
            default_region=default_region,
            require_region=require_region,
            environ=environ,
        )
    return [str(p) for p in info.value.problems]


def destination(body: str, api: str = "pinpoint-email", name: str = "dest") -> str:
    """A spec with one set `marketing` holding one destination ``name`` with ``body``.

    The destination's name is at line 7, column 7; the body's first line is line 8, column 9.
    """
    lines = textwrap.dedent(body).strip("\n").splitlines()
    indented = "\n".join("        " + line for line in lines)
    return (
        f"version: 1\napi: {api}\nregion: us-east-1\nconfiguration_sets:\n"
        f"  marketing:\n    event_destinations:\n      {name}:\n{indented}\n"
    )
