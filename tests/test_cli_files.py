"""The CLI's files, in a real subprocess against the emulator: the spec files it reads (and
says it read), the outputs it writes without destroying anything, and saved plans.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from driftcheck.emulator import Emulator
from tests import test_cli_ci
from tests.conftest import run_cli
from tests.test_cli_ci import SPECS, assert_error, document_of, plan

env, demo = test_cli_ci.env, test_cli_ci.demo  # the same fixtures: the demo state on the emulator


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    """The repository's two specs, one of them through a directory link, plus one spec
    file that declares no set: three spec files, as `plan` on main read only two of."""
    root = tmp_path / "specs"
    root.mkdir()
    shutil.copy(SPECS / "marketing.yaml", root / "marketing.YAML")
    (tmp_path / "team").mkdir()
    shutil.copy(SPECS / "transactional.yaml", tmp_path / "team" / "transactional.yml")
    (root / "team").symlink_to("../team")
    (root / "empty.yaml").write_text("version: 1\nconfiguration_sets: {}\n")
    return root


# --- spec files read -----------------------------------------------------------------------


def test_validate_and_plan_say_how_many_spec_files_they_read(
    demo: Emulator, env: dict[str, str], specs: Path
) -> None:
    validated = run_cli("validate", str(specs), env=env)
    assert validated.code == 0, validated
    assert validated.stdout == "OK: 2 configuration sets, 6 event destinations in 3 files.\n"

    text = plan(demo, env, str(specs))
    assert text.code == 2, text  # the linked set's drift is found, not skipped
    assert text.stderr == "driftcheck: read 3 spec files\n"
    assert "transactional" in text.stdout

    as_json = plan(demo, env, str(specs), "--format", "json")
    assert as_json.code == 2, as_json
    document = document_of(as_json)
    assert document["summary"]["files"] == 3
    assert document["format_version"] == "1"


def test_a_link_loop_in_the_specs_is_a_located_error_before_any_api_call(
    demo: Emulator, env: dict[str, str], specs: Path
) -> None:
    (specs / "team" / "again").symlink_to(".")  # team/again is team: it contains itself
    demo.reset_stats()
    result = plan(demo, env, str(specs))
    assert_error(result, "1 problem in the specs")
    assert (
        f"{specs}/team/again:1:1: a symbolic link loop: it leads back to {specs}/team, which "
        "contains it\n"
    ) in result.stderr
    assert "internal error" not in result.stderr
    assert demo.stats().total == 0


# --- outputs -------------------------------------------------------------------------------


def test_outputs_to_dev_null_and_a_link_destroy_nothing(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    """As root in a CI container, `--output junit=/dev/null` once made it a regular file."""
    (tmp_path / "artifacts").mkdir()
    link = tmp_path / "sarif.json"
    link.symlink_to(tmp_path / "artifacts" / "sarif.json")
    result = plan(demo, env, str(SPECS), "--output", "junit=/dev/null", "--output", f"sarif={link}")
    assert result.code == 2, result
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
    assert link.is_symlink()
    assert json.loads((tmp_path / "artifacts" / "sarif.json").read_text())["version"] == "2.1.0"


def test_json_to_dev_stdout_is_the_one_stdout_format(demo: Emulator, env: dict[str, str]) -> None:
    result = plan(demo, env, str(SPECS), "--output", "json=/dev/stdout")
    assert result.code == 2, result
    assert document_of(result)["drift"] is True  # the JSON alone: no text plan before it


def test_an_output_to_a_directory_is_one_sentence(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    result = plan(demo, env, str(SPECS), "--output", f"junit={tmp_path}")
    assert_error(
        result,
        f"cannot write the junit output to {tmp_path}: it is a directory; outputs go to files",
    )
    assert tmp_path.is_dir()


# --- saved plans ---------------------------------------------------------------------------


def test_plan_out_says_where_it_saved_the_plan_and_replaces_a_saved_plan(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    first = plan(demo, env, str(SPECS), "--out", str(saved))
    assert first.code == 2, first
    assert first.stderr.splitlines()[-1] == (
        f"Saved the plan to {saved}; apply it with: driftcheck apply {saved}"
    )
    assert json.loads(saved.read_text())["kind"] == "driftcheck-saved-plan"
    saved.chmod(0o640)
    again = plan(demo, env, str(SPECS), "--out", str(saved))  # a saved plan is replaced
    assert again.code == 2, again
    assert stat.S_IMODE(saved.stat().st_mode) == 0o640


@pytest.mark.parametrize("name", ["prod.yaml", "report.json"])
def test_plan_out_refuses_to_overwrite_a_file_that_is_not_a_saved_plan(
    demo: Emulator, env: dict[str, str], tmp_path: Path, name: str
) -> None:
    """`plan --out specs/prod.yaml` by mistake: the spec survives; nothing is written."""
    victim = tmp_path / name
    content = (SPECS / "marketing.yaml").read_text() if name.endswith("yaml") else '{"a": 1}\n'
    victim.write_text(content)
    demo.reset_stats()
    report = tmp_path / "report.xml"
    result = plan(demo, env, str(SPECS), "--out", str(victim), "--output", f"junit={report}")
    assert_error(
        result,
        f"{victim} exists and is not a driftcheck saved plan; `plan --out` replaces only a "
        "saved plan: choose another path, or remove the file first; nothing was written",
    )
    assert victim.read_text() == content
    assert not report.exists() and result.stdout == ""
    assert demo.stats().total == 0  # refused before any API call


def test_apply_refuses_a_json_report_in_one_sentence(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    result = plan(demo, env, str(SPECS), "--output", f"json={report}")
    assert result.code == 2, result
    demo.reset_stats()
    refused = run_cli("apply", str(report), "--endpoint-url", demo.url, env=env)
    assert_error(
        refused,
        f"{report} is a JSON report (`plan --format json`), not a saved plan; apply takes the "
        "file that `driftcheck plan --out FILE` writes",
    )
    assert demo.stats().total == 0


# --- import --------------------------------------------------------------------------------


def test_import_out_dash_is_stdout_and_a_link_stays_a_link(
    demo: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    args = ["import", "--configuration-set", "transactional", "--endpoint-url", demo.url]
    to_stdout = run_cli(*args, "--out", "-", env=env)
    assert to_stdout.code == 0, to_stdout
    assert "  transactional:\n" in to_stdout.stdout
    assert not (Path.cwd() / "-").exists()

    link = tmp_path / "live.yaml"
    link.symlink_to(tmp_path / "real.yaml")  # dangling: nothing to overwrite
    written = run_cli(*args, "--out", str(link), env=env)
    assert written.code == 0, written
    assert link.is_symlink()
    assert uncommented((tmp_path / "real.yaml").read_text()) == uncommented(to_stdout.stdout)
    kept = run_cli(*args, "--out", str(link), env=env)  # now it exists: --force needed
    assert_error(kept, f"{link} already exists; pass --force to overwrite it")


def uncommented(spec: str) -> list[str]:
    """The spec without its header comment (which holds the time it was generated)."""
    return [line for line in spec.splitlines() if not line.startswith("#")]
