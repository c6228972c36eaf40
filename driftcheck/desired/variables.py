"""``${...}`` interpolation in spec strings.

- ``${name}``: the variable ``name``, from the file's ``vars`` or from ``--var name=value``
  (the command line wins);
- ``${env:NAME}``: the environment variable ``NAME``;
- ``${account_id}``, ``${account}`` and ``${region}``: built-in, the 12-digit id and the name
  (in the accounts file) of the account, and the region, that the value is read for (a spec
  is read once per account and region it covers); ``vars`` and ``--var`` cannot redefine
  them. Without ``--accounts``, ``${account_id}`` and ``${account}`` are problems naming it;
- ``$${``: a literal ``${``; any other ``$`` is kept as it is.

Only string values are interpolated, never keys, and never the values under ``vars``
themselves (they are used as written, so a variable cannot refer to another one).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping

VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
ENV_PREFIX = "env:"
ACCOUNT_ID, ACCOUNT, REGION = "account_id", "account", "region"
BUILT_IN = {
    ACCOUNT_ID: "the 12-digit id of each account",
    ACCOUNT: "the name of each account in the accounts file",
    REGION: "the region of each configuration set",
}
_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)(\}?)")


def references(text: str) -> Iterator[str]:
    """The names that the ``${name}`` references of ``text`` use (``env:NAME`` included)."""
    for match in _REFERENCE.finditer(text):
        if match.group(1) is not None and match.group(2):
            yield match.group(1)


def redefined(name: str) -> str | None:
    """Why the variable ``name`` cannot be defined (a built-in one), if so."""
    if name not in BUILT_IN:
        return None
    return (
        f"`{name}` is a built-in variable ({BUILT_IN[name]}) and cannot be redefined; "
        "rename this one"
    )


class Variables:
    """The values that ``${...}`` references resolve to, for one spec file (and target).

    ``unavailable`` holds, by name, why a built-in variable has no value here.
    """

    def __init__(
        self,
        values: Mapping[str, str],
        environ: Mapping[str, str],
        unavailable: Mapping[str, str] | None = None,
    ) -> None:
        self.values = dict(values)
        self.environ = environ
        self.unavailable = unavailable or {}

    def expand(self, text: str) -> tuple[str, list[str]]:
        """``text`` with its references replaced, and a message for each one that failed."""
        if "$" not in text:
            return text, []
        errors: list[str] = []

        def replace(match: re.Match[str]) -> str:
            if match.group(1) is None:  # $${
                return "${"
            name, closed = match.group(1), match.group(2)
            if not closed:
                errors.append(
                    "unterminated `${` (close it with `}`, or write `$${` for a literal `${`)"
                )
                return match.group(0)
            value = self.lookup(name)
            if isinstance(value, str):
                return value
            errors.append(value.message)
            return match.group(0)

        return _REFERENCE.sub(replace, text), errors

    def lookup(self, name: str) -> str | Unresolved:
        if name.startswith(ENV_PREFIX):
            env_name = name[len(ENV_PREFIX) :]
            if not env_name:
                return Unresolved("`${env:}` needs the name of an environment variable")
            if env_name not in self.environ:
                return Unresolved(f"the environment variable `{env_name}` is not set")
            return self.environ[env_name]
        if name in self.values:
            return self.values[name]
        if not name:
            return Unresolved("empty variable reference `${}`")
        if name in self.unavailable:
            return Unresolved(self.unavailable[name])
        message = f"undefined variable `{name}`; define it under `vars:` or pass --var {name}=..."
        close = difflib.get_close_matches(name, self.values, n=1)
        if close:
            message += f" (did you mean `{close[0]}`?)"
        return Unresolved(message)


class Unresolved:
    """Why a reference could not be resolved."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message
