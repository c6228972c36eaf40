"""Every scenario in every format, compared with ``golden/<scenario>.<ext>``.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/formats`` and
review the diff of ``tests/formats/golden/`` like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from driftcheck.formats import Format, json_format, render, sarif
from tests.formats.scenarios import SCENARIOS

GOLDEN = Path(__file__).parent / "golden"
EXTENSIONS = {
    Format.TEXT: "txt",
    Format.JSON: "json",
    Format.MARKDOWN: "md",
    Format.JUNIT: "junit.xml",
    Format.GITHUB: "github",
    Format.SARIF: "sarif",
}
GOLDEN_VERSION = "0.1.0"  # pinned, so that a release does not rewrite every golden file


def test_every_format_has_a_golden_extension() -> None:
    assert set(EXTENSIONS) == set(Format)


@pytest.mark.parametrize("fmt", list(Format), ids=str)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_rendering_matches_the_golden_file(
    scenario: str, fmt: Format, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in (json_format, sarif):
        monkeypatch.setattr(module, "__version__", GOLDEN_VERSION)
    path = GOLDEN / f"{scenario}.{EXTENSIONS[fmt]}"
    rendered = render(SCENARIOS[scenario](), fmt)
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest tests/formats"
    assert rendered == path.read_text(encoding="utf-8")
