"""The `driftcheck-validate` pre-commit hook (.pre-commit-hooks.yaml at the repository root).

The hook validates the spec directory as a whole (`pass_filenames: false`, `args: [specs/]`):
pre-commit would otherwise pass every changed YAML file, CI workflows included, and split them
into batches, losing the checks across files. The last test installs the hook with pre-commit's
own `try-repo` (skipped when pre-commit is not installed; it needs PyPI and takes ~10 s).
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HOOK_ID = "driftcheck-validate"
WORKFLOW = "on: push\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"
BAD_SPEC = (
    "version: 1\nconfiguration_sets:\n  s:\n    event_destinations:\n      d:\n"
    "        Enabled: true\n        MatchingEventTypes: [BOUNCES]\n"
    "        PinpointDestination: {}\n"
)


def hook() -> dict[str, Any]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [found] = [h for h in hooks if h["id"] == HOOK_ID]
    return dict(found)


def user_repository(root: Path, spec_text: str | None = None) -> Path:
    """A repository as users have one: the demo specs, a CI workflow, a compose file."""
    root.mkdir()
    shutil.copytree(REPO / "specs", root / "specs")
    if spec_text is not None:
        (root / "specs" / "broken.yaml").write_text(spec_text, encoding="utf-8")
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW, encoding="utf-8")
    (root / "compose.yaml").write_text("services: {web: {image: nginx}}\n", encoding="utf-8")
    return root


def run_entry(cwd: Path) -> subprocess.CompletedProcess[str]:
    """The hook's command as pre-commit runs it (from the root, no file names)."""
    program, *arguments = shlex.split(hook()["entry"])
    assert program == "driftcheck"
    command = [sys.executable, "-m", "driftcheck", *arguments, *hook()["args"]]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_the_hook_validates_the_spec_directory_as_a_whole() -> None:
    assert hook() == {
        "id": HOOK_ID,
        "name": "driftcheck validate",
        "description": "Check driftcheck specs offline (no AWS call); every problem as "
        "FILE:LINE:COL.",
        "entry": "driftcheck validate",
        "language": "python",
        "args": ["specs/"],
        "pass_filenames": False,
        "types": ["yaml"],
    }
    assert 'driftcheck = "driftcheck.cli:main"' in (REPO / "pyproject.toml").read_text()


def test_other_yaml_files_are_not_taken_for_specs(tmp_path: Path) -> None:
    result = run_entry(user_repository(tmp_path / "repo"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "OK: 2 configuration sets, 6 event destinations in 2 files.\n"


def test_a_bad_spec_fails_the_hook_with_its_location(tmp_path: Path) -> None:
    result = run_entry(user_repository(tmp_path / "repo", BAD_SPEC))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "specs/broken.yaml:7:30: `BOUNCES` is not a valid value for an item of "
        "`MatchingEventTypes`; did you mean `BOUNCE`?",
        "driftcheck: error: 1 problem in the specs",
    ]


def _git(cwd: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *arguments],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None or shutil.which("git") is None,
    reason="pre-commit (pip install pre-commit) and git are needed to install the hook",
)
def test_pre_commit_try_repo_installs_and_runs_the_hook(tmp_path: Path) -> None:
    """pre-commit installs driftcheck from a commit of this source tree and runs the hook.

    The source is copied into a fresh repository, so the test depends neither on what is
    committed in this checkout nor on its working tree.
    """
    hooks_repo = tmp_path / "driftcheck"
    hooks_repo.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, hooks_repo / name)
    shutil.copytree(
        REPO / "driftcheck",
        hooks_repo / "driftcheck",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    _git(hooks_repo, "init", "--quiet")
    _git(hooks_repo, "add", "--all")
    _git(hooks_repo, "commit", "--quiet", "--no-gpg-sign", "--message", "driftcheck")
    users_repo = user_repository(tmp_path / "users")
    _git(users_repo, "init", "--quiet")
    _git(users_repo, "add", "--all")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks_repo), HOOK_ID, "--all-files"],
        cwd=users_repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "driftcheck validate......" in result.stdout
    assert result.stdout.rstrip().endswith("Passed"), result.stdout
