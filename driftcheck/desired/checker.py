"""What every check of a spec file shares: where problems go, and how values are read."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from datetime import date

from driftcheck.desired.variables import Variables
from driftcheck.desired.yaml_loader import ListNode, MapNode, Node, ScalarNode
from driftcheck.errors import Problem


def describe(node: Node) -> str:
    """What ``node`` is, for "must be X, got Y" messages."""
    if isinstance(node, MapNode):
        return "a mapping"
    if isinstance(node, ListNode):
        return "a list"
    value = node.value
    if value is None:
        return "null" if node.text else "an empty value"
    if isinstance(value, bool):
        return f"the boolean {node.text}"
    if isinstance(value, int):
        return f"the integer {node.text}"
    if isinstance(value, float):
        return f"the number {node.text}"
    if isinstance(value, date):
        return f"the timestamp {node.text}"
    if isinstance(value, bytes):
        return "binary data"
    return "a string"


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The one of ``choices`` that ``word`` is probably a typo of, if any."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def quoted_list(names: Iterable[str], conjunction: str = "or") -> str:
    """```a`, `b` or `c```."""
    quoted = [f"`{n}`" for n in names]
    if len(quoted) < 2:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


class Checker:
    """Collects the problems of one spec file and reads its values."""

    def __init__(self, file: str, variables: Variables) -> None:
        self.file = file
        self.variables = variables
        self.problems: list[Problem] = []

    def report(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.file, node.line, node.column, message))

    def wrong_type(self, node: Node, label: str, expected: str, hint: str = "") -> None:
        """Report that ``node`` is not ``expected``; ``hint`` ends the message."""
        if not hint and isinstance(node, ScalarNode) and node.text:
            if expected == "a string" and not isinstance(node.value, (str, bytes)):
                hint = f'; quote it if you mean the string: "{node.text}"'
            elif expected != "a string" and isinstance(node.value, str):
                hint = _unquote_hint(node.text, expected)
        self.report(node, f"{label} must be {expected}, got {describe(node)}{hint}")

    def string(self, node: Node, label: str) -> str | None:
        """The string ``node`` holds, ``${...}`` resolved; None after reporting why not."""
        if not isinstance(node, ScalarNode) or not isinstance(node.value, str):
            self.wrong_type(node, label, "a string")
            return None
        text, errors = self.variables.expand(node.value)
        for error in errors:
            self.report(node, error)
        return None if errors else text

    def mapping(
        self, node: Node, label: str, expected: str = "a mapping", hint: str = ""
    ) -> MapNode | None:
        """``node`` if it is a mapping; else None after reporting it."""
        if isinstance(node, MapNode):
            return node
        self.wrong_type(node, label, expected, hint)
        return None

    def sequence(self, node: Node, label: str) -> ListNode | None:
        """``node`` if it is a list; else None after reporting it (``write [x]`` for a scalar)."""
        if isinstance(node, ListNode):
            return node
        hint = f"; write [{node.text}]" if isinstance(node, ScalarNode) and node.text else ""
        self.wrong_type(node, label, "a list", hint)
        return None

    def repeated(self, where: Node, first: Node, what: str, member: str) -> None:
        """Report ``what`` at ``where`` as a repetition, in the list ``member``, of ``first``."""
        self.report(
            where,
            f"{what} is repeated in `{member}` (first at line {first.line}, column {first.column})",
        )

    def unknown_key(self, key: ScalarNode, value: Node, where: str, known: Iterable[str]) -> None:
        """Report ``key: value`` as unknown (and the variables its value cannot resolve)."""
        known = list(known)
        suggestion = closest(key.text, known)
        if suggestion is not None:
            hint = f"did you mean `{suggestion}`?"
        else:
            hint = f"expected {quoted_list(known)}"
        self.report(key, f"unknown key `{key.text}` in {where}; {hint}")
        self.check_variables(value)

    def unknown_keys(self, body: MapNode, where: str, known: Sequence[str]) -> None:
        """Report every key of ``body`` that is not one of ``known``."""
        for text, (key, value) in body.entries.items():
            if text not in known:
                self.unknown_key(key, value, where, known)

    def version(self, node: Node, supported: int, document: str) -> None:
        """Report ``node`` unless it is the number ``supported``, the version of ``document``."""
        value = node.value if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int):
            self.wrong_type(node, "`version`", f"the number {supported}")
        elif value != supported:
            self.report(
                node,
                f"unsupported {document} version {value}; this driftcheck reads version "
                f"{supported}",
            )

    def check_variables(self, node: Node) -> None:
        """Report the references that cannot be resolved in the strings under ``node``."""
        if isinstance(node, MapNode):
            for _, value in node.entries.values():
                self.check_variables(value)
        elif isinstance(node, ListNode):
            for item in node.items:
                self.check_variables(item)
        elif isinstance(node.value, str):
            self.string(node, "")


def _unquote_hint(text: str, expected: str) -> str:
    """A hint for a quoted ``"true"`` or ``"1"`` where a boolean or a number is expected."""
    if expected == "true or false" and text.lower() in ("true", "false"):
        return "; remove the quotes"
    if expected.startswith(("an integer", "a number", "the number")) and text.isdigit():
        return "; remove the quotes"
    return ""
