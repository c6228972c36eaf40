"""Where the plan goes: ``--format``, ``--output FORMAT[=PATH]`` and ``--github``.

Parsing happens before any API call, so a typo in a flag costs nothing; writing happens
after the plan, and tries every output before reporting the ones that failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from driftcheck.errors import DriftcheckError, UsageError
from driftcheck.files import STDOUT, write_file
from driftcheck.formats import Format, render
from driftcheck.plan_model import Plan


@dataclass(frozen=True, slots=True)
class Output:
    format: Format
    path: str = STDOUT  # "-" is stdout
    append: bool = False  # the GitHub step summary is appended to, as GitHub expects

    @property
    def to_stdout(self) -> bool:
        return self.path == STDOUT


def parse_output(text: str) -> Output:
    """``FORMAT`` or ``FORMAT=PATH`` (``-``, ``/dev/stdout`` or no path: stdout)."""
    name, _, path = text.partition("=")
    try:
        fmt = Format(name.strip().lower())
    except ValueError:
        known = ", ".join(f.value for f in Format)
        raise UsageError(f"--output: unknown format {name!r}; known formats: {known}") from None
    path = path.strip()
    return Output(fmt, STDOUT if path in ("", "/dev/stdout") else path)


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
    """Write every output (see :mod:`driftcheck.files`); OutputError naming each one that
    failed, after trying them all."""
    failures = []
    for output in outputs:
        text = render(plan, output.format, color=color and output.to_stdout)
        try:
            write_file(output.path, text, append=output.append)
        except OSError as error:
            reason = error.strerror or str(error)
            failures.append(
                f"cannot write the {output.format.value} output to {output.path}: {reason}"
            )
    if failures:
        raise OutputError("; ".join(failures))
