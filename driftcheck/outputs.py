"""Where the plan goes: ``--format``, ``--output FORMAT[=PATH]`` and ``--github``.

Parsing happens before any API call, so a typo in a flag costs nothing; writing happens
after the plan, and tries every output before reporting the ones that failed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from driftcheck.errors import DriftcheckError, UsageError
from driftcheck.files import write_atomically
from driftcheck.formats import Format, render
from driftcheck.model import Plan

STDOUT = "-"


@dataclass(frozen=True, slots=True)
class Output:
    format: Format
    path: str = STDOUT  # "-" is stdout
    append: bool = False  # the GitHub step summary is appended to, as GitHub expects

    @property
    def to_stdout(self) -> bool:
        return self.path == STDOUT


def parse_output(text: str) -> Output:
    """``FORMAT`` or ``FORMAT=PATH`` (``-`` or no path: stdout)."""
    name, _, path = text.partition("=")
    try:
        fmt = Format(name.strip().lower())
    except ValueError:
        known = ", ".join(f.value for f in Format)
        raise UsageError(f"--output: unknown format {name!r}; known formats: {known}") from None
    return Output(fmt, path.strip() or STDOUT)


def resolve_outputs(
    fmt: Format | None, outputs: Sequence[str], github: bool, environ: Mapping[str, str]
) -> list[Output]:
    """Every output the flags ask for; text on stdout when they ask for none."""
    resolved = [parse_output(text) for text in outputs]
    if fmt is not None:
        resolved.insert(0, Output(fmt))
    stdout_formats = [o.format.value for o in resolved if o.to_stdout]
    if len(stdout_formats) > 1:
        names = ", ".join(stdout_formats)
        raise UsageError(f"only one format can go to stdout, not {names}; give the others a PATH")
    if not stdout_formats:
        resolved.insert(0, Output(Format.TEXT))  # the plan always shows in the log
    if github:
        summary = environ.get("GITHUB_STEP_SUMMARY")
        if environ.get("GITHUB_ACTIONS") != "true" or not summary:
            raise UsageError(
                "--github needs GITHUB_ACTIONS=true and GITHUB_STEP_SUMMARY (set by GitHub Actions)"
            )
        if stdout_formats and stdout_formats != [Format.TEXT.value]:
            raise UsageError(
                f"--github writes annotations to stdout, which cannot also carry "
                f"{stdout_formats[0]}; write it to a file with --output {stdout_formats[0]}=PATH"
            )
        # workflow commands are read from any stdout line: they follow the plan
        resolved += [Output(Format.GITHUB), Output(Format.MARKDOWN, summary, append=True)]
    return resolved


class OutputError(DriftcheckError):
    """Some outputs could not be written (the others were)."""


def write_outputs(plan: Plan, outputs: Sequence[Output], *, color: bool) -> None:
    """Write every output; OutputError naming each one that failed, after trying them all."""
    failures = []
    for output in outputs:
        text = render(plan, output.format, color=color and output.to_stdout)
        if output.to_stdout:
            sys.stdout.write(text)
            sys.stdout.flush()
            continue
        try:
            _write_file(Path(output.path), text, append=output.append)
        except OSError as error:
            reason = error.strerror or str(error)
            failures.append(
                f"cannot write the {output.format.value} output to {output.path}: {reason}"
            )
    if failures:
        raise OutputError("; ".join(failures))


def _write_file(path: Path, text: str, *, append: bool) -> None:
    if append:  # after whatever earlier steps wrote, starting on a line of its own
        with path.open("a+", encoding="utf-8") as f:
            f.seek(0, 2)
            if f.tell():
                f.seek(f.tell() - 1)
                if f.read(1) != "\n":
                    text = "\n" + text
            f.write(text)
    else:
        write_atomically(path, text)
