"""What the commands say on the terminal besides their output: colours, the progress bar,
problems and notes on stderr, and the exit code a plan earns."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from driftcheck.errors import ExitCode

if TYPE_CHECKING:
    from driftcheck.plan_model import Plan

PROGRESS_THRESHOLD = 5  # show a progress bar only when reading more sets than this


def use_color(no_color: bool, stream: TextIO | None = None) -> bool:
    """Colours only on a terminal (stdout by default), never with --no-color or NO_COLOR."""
    return not no_color and "NO_COLOR" not in os.environ and (stream or sys.stdout).isatty()


@contextmanager
def progress(total: int, *, color: bool = True) -> Iterator[Callable[[], None] | None]:
    """A progress bar on stderr while reading many sets on a terminal; never in pipes or CI.

    Without ``color`` (--no-color) it is drawn without any colour or style.
    """
    if total <= PROGRESS_THRESHOLD or not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    styled = use_color(not color, sys.stderr)
    console = Console(stderr=True, color_system="auto" if styled else None)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Reading configuration sets", total=total)
        yield lambda: bar.advance(task)


def exit_code(result: Plan) -> ExitCode:
    """Errors beat drift, drift beats success."""
    if result.failed_sets:
        return ExitCode.ERROR
    return ExitCode.DRIFT if result.drift else ExitCode.OK


def report_problems(result: Plan, *, warnings: bool = True) -> None:
    """Unreadable sets (and warnings, unless the text plan on stdout shows them) on stderr."""
    for warning in result.warnings if warnings else ():
        sys.stderr.write(f"driftcheck: warning: {warning}\n")
    for failed in result.failed_sets:
        assert failed.error is not None
        print_error(f"cannot read {failed.key}: {failed.error.code}: {failed.error.message}")


def report_ignore_file(path: Path | None) -> None:
    """Name the ignore file used, so a log shows which patterns a verdict depended on."""
    if path is not None:
        sys.stderr.write(f"driftcheck: ignore patterns read from {path}\n")


def print_error(message: str) -> None:
    sys.stderr.write(f"driftcheck: error: {message}\n")
