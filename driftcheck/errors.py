"""The one exception hierarchy and the exit codes.

Every layer raises a subclass of :class:`DriftcheckError` (translated from library
exceptions with ``raise ... from``); the CLI turns them into one sentence on stderr and
:class:`ExitCode` in a single place. :class:`Interrupted` (SIGINT, SIGTERM) is the one
exception outside that hierarchy, on purpose: see its docstring.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from enum import IntEnum

from driftcheck.wording import plural


class ExitCode(IntEnum):
    """Terraform's ``-detailed-exitcode`` meaning: errors beat drift, drift beats success."""

    OK = 0
    ERROR = 1
    DRIFT = 2
    INTERRUPTED = 130  # SIGINT (Ctrl-C): 128 + 2, the shells' convention
    TERMINATED = 143  # SIGTERM: 128 + 15


class DriftcheckError(Exception):
    """Base of every error driftcheck reports to its user."""

    exit_code: ExitCode = ExitCode.ERROR


class Interrupted(BaseException):
    """The run was stopped by SIGINT or SIGTERM (see :mod:`driftcheck.interrupt`).

    A :class:`BaseException`, like :class:`KeyboardInterrupt` and for the same reason: no
    ``except Exception`` of a library (botocore retries, a renderer) may swallow it. The CLI
    turns it into ``driftcheck: interrupted`` and :attr:`exit_code`.
    """

    def __init__(self, signum: int, *, attempted: bool = False) -> None:
        super().__init__(signum)
        self.signum = signum
        # raised inside an API call: True once one attempt of it reached the API (a retry was cut)
        self.attempted = attempted

    @property
    def exit_code(self) -> ExitCode:
        return exit_code_of(self.signum)


def exit_code_of(signum: int) -> ExitCode:
    """130 for SIGINT, 143 for SIGTERM (the only signals driftcheck handles)."""
    return ExitCode.TERMINATED if signum == signal.SIGTERM else ExitCode.INTERRUPTED


class UsageError(DriftcheckError):
    """A command-line flag or argument is wrong."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in a spec file, located at ``file:line:column`` (1-based)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class SpecError(DriftcheckError):
    """One or more problems in the specs; all of them are reported at once."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(sorted(problems))
        count = len(self.problems)
        super().__init__(f"{plural(count, 'problem')} in the specs")


class ApiError(DriftcheckError):
    """The AWS API could not be used at all (credentials, endpoint, configuration)."""


class CredentialsError(ApiError):
    """No usable credentials: missing, expired or rejected."""


class EmulatorError(DriftcheckError):
    """The local emulator could not start or load its state."""


class AlertError(DriftcheckError):
    """An alert could not be sent, or the alert state file cannot be used.

    Raised after the plan was printed: the plan (and its drift) is never lost because an
    alert failed; the run exits 1 so that the failure is seen and retried.
    """


class DeliveryError(AlertError):
    """Some targets did not get the alert; every target was tried."""

    def __init__(
        self, message: str, failures: tuple[tuple[str, str], ...], delivered: tuple[str, ...]
    ) -> None:
        super().__init__(message)
        self.failures = failures  # (redacted target, reason) for each failed target
        self.delivered = delivered  # redacted targets that did get the alert
