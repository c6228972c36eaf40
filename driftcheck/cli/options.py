"""The flags several commands share, and turning them into the request a command runs.

Numbers are parsed by :func:`number` rather than typer's range types, whose ``--help`` shows
``<int range>`` and whose errors say "is not a valid int range".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from driftcheck.cli.app import running
from driftcheck.errors import UsageError

if TYPE_CHECKING:
    from driftcheck.alerts import AlertTarget
    from driftcheck.model import DesiredState
    from driftcheck.workflow import PlanRequest

DEFAULT_PATHS = [Path("specs")]


def number(low: float, high: float | None = None, *, whole: bool = False) -> Callable[[str], Any]:
    """A typer ``parser``: a number from ``low`` to ``high`` (a whole one if ``whole``);
    a bad value reads ``'0' is not a whole number from 1 to 64``."""
    noun = "whole number" if whole else "number"
    bounds = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"

    def parse(text: str) -> float:
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            value = math.nan
        if not (low <= value and (high is None or value <= high)):  # NaN fails both
            raise typer.BadParameter(f"{str(text)!r} is not a {noun} {bounds}")
        return value

    return parse


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(low: timedelta, high: timedelta) -> Callable[[str | timedelta], timedelta]:
    """A typer ``parser``: ``90s``, ``15m``, ``12h``, ``7d`` (a bare number is days), from
    ``low`` to ``high``; a bad value reads ``'91d' is not a duration from 1m to 90d``."""

    def show(span: timedelta) -> str:
        seconds = int(span.total_seconds())
        unit = next(
            u for u, size in sorted(_UNITS.items(), key=lambda i: -i[1]) if seconds % size == 0
        )
        return f"{seconds // _UNITS[unit]}{unit}"

    def parse(text: str | timedelta) -> timedelta:
        if isinstance(text, timedelta):  # the option's default, passed through
            return text
        number, unit = (text[:-1], text[-1]) if text[-1:] in _UNITS else (text, "d")
        try:
            span = timedelta(seconds=float(number) * _UNITS[unit])
        except (ValueError, OverflowError):
            span = None
        if span is None or not low <= span <= high:
            raise typer.BadParameter(
                f"{text!r} is not a duration from {show(low)} to {show(high)} (e.g. 12h, 7d)"
            )
        return span

    return parse


def duration_option(shortest: timedelta, longest: timedelta, help: str) -> Any:
    """A ``DURATION`` option (``30s``, ``5m``, ``12h``, ``7d``) from ``shortest`` to ``longest``.
    ``help`` says its default: typer would show a ``timedelta``'s repr."""
    return typer.Option(
        metavar="DURATION", parser=duration(shortest, longest), show_default=False, help=help
    )


PathsArg = Annotated[
    Optional[list[Path]],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Argument(
        metavar="[PATH]...",
        help="Spec files or directories (searched for *.yaml / *.yml; default: specs/).",
        show_default=False,
    ),
]
VarOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--var", metavar="NAME=VALUE", help="Set a spec variable (repeatable)."),
]
RegionOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        metavar="REGION",
        help="Region for specs that name none "
        "(else AWS_DEFAULT_REGION, the profile's, AWS_REGION).",
    ),
]
ProfileOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(metavar="NAME", help="AWS profile to use."),
]
EndpointOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        metavar="URL", help="API endpoint (default: AWS, or AWS_ENDPOINT_URL_* settings)."
    ),
]
ConcurrencyOpt = Annotated[
    int,
    typer.Option(
        metavar="N",
        parser=number(1, 64, whole=True),
        help="Configuration sets read at once (1-64).",
    ),
]
MaxAttemptsOpt = Annotated[
    int,
    typer.Option(
        metavar="N",
        parser=number(1, 20, whole=True),
        help="Total attempts per API call, retries included (1-20).",
    ),
]
TargetOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--target", metavar="SET[/DESTINATION]", help="Limit to part of the specs (repeatable)."
    ),
]
IgnoreFileOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        metavar="FILE",
        help="Ignore patterns file (default: .driftignore next to the specs, or in "
        "the current directory).",
    ),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="Never colour the output.")]
AccountsOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--accounts",
        metavar="FILE",
        help="Cover every account and region of this accounts file (see 'Many accounts').",
    ),
]
RoleSessionNameOpt = Annotated[
    str,
    typer.Option(
        metavar="NAME",
        help="The RoleSessionName of the roles assumed for --accounts (CloudTrail shows it).",
    ),
]
ReadRpsOpt = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option(
        "--max-rps",
        metavar="RATE",
        parser=number(0.01, 1000),
        help="Read requests a second per account and region, retries included (0.01-1000; "
        "default: unpaced, throttling absorbed by adaptive retries).",
    ),
]
AlertOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        metavar="TARGET",
        help="Alert sns:<topic-arn>, webhook:<url> or webhook:env:<NAME> (the URL in the "
        "environment variable NAME: not in argv or shell history) after the plan (repeatable).",
    ),
]
AlertStateOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        metavar="FILE",
        help="Remember the last alert: alert when drift appears or changes, once on clearing.",
    ),
]


def plan_request(
    paths: list[Path] | None,
    var: list[str] | None,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    target: list[str] | None,
    concurrency: int,
    max_attempts: int,
    *,
    ignore: list[str] | None = None,
    ignore_file: Path | None = None,
    include_unmanaged: bool = False,
    strict: bool = False,
    accounts: Path | None = None,
    role_session_name: str = "driftcheck",
    max_rps: float | None = None,
    attribution_window: timedelta | None = None,
) -> PlanRequest:
    """The flags of a command that plans, checked (before any API call)."""
    from driftcheck.ignore import Target
    from driftcheck.live import ClientSettings
    from driftcheck.live.sessions import ROLE_SESSION_NAME_PATTERN
    from driftcheck.workflow import PlanRequest

    if not ROLE_SESSION_NAME_PATTERN.match(role_session_name):
        raise UsageError(
            f"--role-session-name must be 2 to 64 letters, digits or `_+=,.@-` (as STS "
            f"requires), not {role_session_name!r}"
        )
    if endpoint_url is not None and not endpoint_url.startswith(("http://", "https://")):
        raise UsageError(
            f"--endpoint-url must start with http:// or https://, not {endpoint_url!r}"
        )
    return PlanRequest(
        paths=paths or DEFAULT_PATHS,
        settings=ClientSettings(
            profile=profile,
            endpoint_url=endpoint_url,
            max_attempts=max_attempts,
            concurrency=concurrency,
            stop=running.stop,  # None unless run by main()
        ),
        cli_vars=parse_vars(var or []),
        region=region,
        targets=[Target.parse(t) for t in target or []],
        ignore_patterns=ignore or [],
        ignore_file=ignore_file,
        include_unmanaged=include_unmanaged,
        strict=strict,
        accounts_file=accounts,
        role_session_name=role_session_name,
        max_rps=max_rps,
        attribution_window=attribution_window,
    )


def load(
    paths: list[Path] | None,
    var: list[str] | None,
    region: str | None,
    *,
    require_region: bool,
    accounts: Path | None = None,
) -> DesiredState:
    """The desired state of the specs the flags name, offline: with ``accounts``, in the
    accounts the file names (an organization's accounts are known only when listed)."""
    from driftcheck.desired import load_specs

    fleet = None
    if accounts is not None:
        from driftcheck.targets import load_accounts

        fleet = load_accounts(accounts).fleet()
    return load_specs(
        paths or DEFAULT_PATHS,
        cli_vars=parse_vars(var or []),
        default_region=region,
        require_region=require_region,
        fleet=fleet,
    )


def parse_vars(assignments: Sequence[str], flag: str = "--var") -> dict[str, str]:
    """``NAME=VALUE`` flags as a mapping."""
    parsed: dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{flag} takes NAME=VALUE, not {assignment!r}")
        parsed[name.strip()] = value
    return parsed


def parse_alert_flags(alerts: list[str], state_file: Path | None) -> list[AlertTarget]:
    """Parse and check every alert flag before any API call."""
    if not alerts:
        if state_file is not None:
            raise UsageError("--alert-state needs at least one --alert")
        return []
    from driftcheck.alerts import check_state_file, parse_target

    targets = [parse_target(text) for text in alerts]
    if state_file is not None:
        check_state_file(state_file)
    return targets
