"""Fixtures of the spec tests: spec files written under tmp_path, the working directory.

Tests pass relative names, so that problems read exactly as a user would see them:
``spec.yaml:3:5: message``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


Write = Callable[..., str]


@pytest.fixture
def write(workdir: Path) -> Write:
    """write(text, name="spec.yaml") -> name; the text is dedented."""

    def _write(text: str | bytes, name: str = "spec.yaml") -> str:
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return name

    return _write
