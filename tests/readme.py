"""Read README.md's examples: fenced blocks, the console commands in them, their outputs.

The conventions (the README's "Development" section states them for contributors):

- A ```` ```console ```` block is a terminal session. A line starting with ``$ `` is a command;
  the lines under it, up to the next ``$ `` line, are what it prints (stdout or stderr).
- A command exits 0, unless its comment starts with ``exit N``: ``$ driftcheck plan specs/
  # exit 2 on drift``.
- Shown output lines must each appear, in order within stdout and within stderr, in what the
  command prints (trailing spaces ignored). ``…`` stands for any text within a line; a line
  that is only ``…`` stands for lines left out.
- ``<!-- readme-test: skip REASON -->`` on the line before a block: the block is not run
  (a command that needs real AWS, PyPI, or runs this test suite itself).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

PROMPT = "$ "
ELLIPSIS = "…"
_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)(?P<language>[\w+-]*)\s*$")
_MARKER = re.compile(r"^<!--\s*readme-test:\s*(?P<directive>\w+)\s*(?P<reason>.*?)\s*-->$")
# a shell comment: `#` after a blank, outside quotes (README commands keep `#` out of quotes)
_COMMENT = re.compile(r"^(?P<command>.*?)\s+#\s?(?P<comment>.*)$")
_EXIT = re.compile(r"^exit (?P<code>\d+)\b")


@dataclass(frozen=True)
class Block:
    line: int  # the README line of the opening fence (1-based)
    language: str
    lines: tuple[str, ...]  # the content, the fence's indentation removed
    skip: str | None  # the reason of a `readme-test: skip` marker before it


@dataclass(frozen=True)
class Command:
    line: int  # the README line of the `$ ` prompt
    text: str  # what is run (the comment kept: the shell ignores it)
    exit_code: int
    output: tuple[str, ...]  # the lines shown under it


def fenced_blocks(markdown: str) -> list[Block]:
    """Every fenced code block; ValueError for an unclosed fence or an unknown marker."""
    lines = markdown.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        if end == len(lines):
            raise ValueError(f"README.md:{index + 1}: the code block is never closed")
        content = tuple(line.removeprefix(indent) for line in lines[index + 1 : end])
        blocks.append(Block(index + 1, opening["language"], content, _skip_reason(lines, index)))
        index = end + 1
    return blocks


def _skip_reason(lines: Sequence[str], fence: int) -> str | None:
    previous = fence - 1
    while previous >= 0 and not lines[previous].strip():
        previous -= 1
    marker = _MARKER.match(lines[previous].strip()) if previous >= 0 else None
    if marker is None:
        return None
    if marker["directive"] != "skip":
        raise ValueError(f"README.md:{previous + 1}: unknown readme-test directive")
    return marker["reason"]


def console_commands(block: Block) -> list[Command]:
    """The commands of a console block with their exit codes and shown output."""
    commands: list[Command] = []
    for offset, line in enumerate(block.lines, start=1):
        if line.startswith(PROMPT):
            text = line.removeprefix(PROMPT).strip()
            commented = _COMMENT.match(text)
            exit_code = 0
            if commented is not None:
                code = _EXIT.match(commented["comment"])
                exit_code = int(code["code"]) if code else 0
            commands.append(Command(block.line + offset, text, exit_code, ()))
        elif commands:
            last = commands[-1]
            commands[-1] = Command(last.line, last.text, last.exit_code, (*last.output, line))
        elif line.strip():
            raise ValueError(f"README.md:{block.line + offset}: output before any `$ ` command")
    return commands


def without_comment(command: str) -> str:
    commented = _COMMENT.match(command)
    return commented["command"] if commented else command


def _line_pattern(expected: str) -> re.Pattern[str]:
    parts = (re.escape(part) for part in expected.rstrip().split(ELLIPSIS))
    return re.compile(".*".join(parts))


def unmatched_lines(expected: Sequence[str], stdout: str, stderr: str) -> list[str]:
    """The shown lines that the output does not contain, in order within each stream."""
    streams = [[line.rstrip() for line in text.splitlines()] for text in (stdout, stderr)]
    positions = [0, 0]
    missing: list[str] = []
    for wanted in expected:
        if wanted.strip() in ("", ELLIPSIS):
            continue
        pattern = _line_pattern(wanted)
        for number, stream in enumerate(streams):
            found = next(
                (i for i in range(positions[number], len(stream)) if pattern.fullmatch(stream[i])),
                None,
            )
            if found is not None:
                positions[number] = found + 1
                break
        else:
            missing.append(wanted)
    return missing
