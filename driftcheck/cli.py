"""The command line: parse flags, wire the steps together, write the output, exit.

This is the one error boundary: every :class:`DriftcheckError` becomes one sentence on stderr
and its exit code; a bad flag or value (click's usage errors) becomes one sentence and a
hint to ``--help``, exit 1 (2 means drift); nothing else reaches the user as a traceback.
Costly imports (boto3, deepdiff, the emulator, the renderers) happen inside the commands
that need them, and typer stays below 0.29 (pydantic), so ``--help`` and ``validate`` stay
fast (tests/test_cli.py checks what they import).
"""

from __future__ import annotations

import math
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional, TextIO

import typer

# typer (0.26 and later) vendors click and re-exports only some of its exceptions
from typer._click import exceptions as click_errors

from driftcheck import __version__
from driftcheck.errors import (
    ApiError,
    DriftcheckError,
    ExitCode,
    Interrupted,
    SpecError,
    UsageError,
)
from driftcheck.formats import Format
from driftcheck.model import Api
from driftcheck.wording import plural

if TYPE_CHECKING:
    from driftcheck.alerts import AlertTarget
    from driftcheck.apply import ActionResult, ApplyAction
    from driftcheck.interrupt import StopFlag
    from driftcheck.model import DesiredState, Plan
    from driftcheck.workflow import PlanRequest

DEFAULT_PATHS = [Path("specs")]


class ApplyFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


class _Running:
    """What :func:`main` shares with the commands (typer passes nothing else to them)."""

    stop: StopFlag | None = None  # where main() routes SIGINT and SIGTERM while a command runs


_running = _Running()
PROGRESS_THRESHOLD = 5  # show a progress bar only when reading more sets than this

app = typer.Typer(
    name="driftcheck",
    help="Detect drift between YAML specs and live Amazon SES configuration-set event "
    "destinations (Pinpoint Email API or SES v2).",
    epilog="Exit codes: 0 in sync, 2 drift found, 1 error (errors win over drift).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts hold literal [brackets]: no markup
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _number(low: float, high: float | None = None, *, whole: bool = False) -> Callable[[str], Any]:
    """A typer ``parser``: a number from ``low`` to ``high`` (a whole one if ``whole``).

    Instead of typer's range types, whose ``--help`` shows ``<int range>`` and whose errors
    say "is not a valid int range", a bad value reads ``'0' is not a whole number from 1
    to 64``.
    """
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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"driftcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Detect drift in Amazon SES configuration-set event destinations."""


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
        parser=_number(1, 64, whole=True),
        help="Configuration sets read at once (1-64).",
    ),
]
MaxAttemptsOpt = Annotated[
    int,
    typer.Option(
        metavar="N",
        parser=_number(1, 20, whole=True),
        help="Total attempts per API call, retries included (1-20).",
    ),
]
TargetOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--target", metavar="SET[/DESTINATION]", help="Limit to part of the specs (repeatable)."
    ),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="Never colour the output.")]


@app.command(
    epilog="Example: driftcheck plan specs/ --output junit=drift.xml --ignore-file .driftignore",
)
def plan(
    paths: PathsArg = None,
    output_format: Annotated[
        Optional[Format],  # noqa: UP045
        typer.Option("--format", help="Output format on stdout (shorthand for --output FORMAT)."),
    ] = None,
    output: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--output",
            metavar="FORMAT[=PATH]",
            help="Also write FORMAT (text, json, markdown, junit, github, sarif) to PATH, "
            "or to stdout without one (repeatable).",
        ),
    ] = None,
    github: Annotated[
        bool,
        typer.Option(
            "--github",
            help="In GitHub Actions: annotations on stdout, markdown to the step summary.",
        ),
    ] = False,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    var: VarOpt = None,
    target: TargetOpt = None,
    ignore: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            metavar="PATTERN",
            help="Ignore api/region/set[/destination][:field.path] ('*', '!'; repeatable).",
        ),
    ] = None,
    ignore_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            metavar="FILE",
            help="Ignore patterns file (default: .driftignore next to the specs, or in "
            "the current directory).",
        ),
    ] = None,
    include_unmanaged: Annotated[
        bool,
        typer.Option(
            "--include-unmanaged",
            help="Also list live sets that no spec declares (in the declared regions).",
        ),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Unmanaged sets count as drift.")
    ] = False,
    alert: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            metavar="TARGET",
            help="Alert sns:<topic-arn>, webhook:<url> or webhook:env:<NAME> (the URL in the "
            "environment variable NAME: not in argv or shell history) after the plan (repeatable).",
        ),
    ] = None,
    alert_state: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            metavar="FILE",
            help="Remember the last alert: alert when drift appears or changes, once on clearing.",
        ),
    ] = None,
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            metavar="FILE", help="Also save the plan for `driftcheck apply FILE` (stale-checked)."
        ),
    ] = None,
    concurrency: ConcurrencyOpt = 8,
    max_attempts: MaxAttemptsOpt = 5,
    no_color: NoColorOpt = False,
) -> ExitCode:
    """Compare the specs with the live event destinations and print a plan."""
    from driftcheck.outputs import resolve_outputs, write_outputs
    from driftcheck.workflow import run_plan

    outputs = resolve_outputs(output_format, output or [], github, os.environ)
    alert_targets = _alert_targets(alert or [], alert_state)
    if out is not None:
        from driftcheck.saved_plan import check_replaceable

        check_replaceable(out)  # before any API call: a spec named by mistake costs nothing
    request = _plan_request(
        paths,
        var,
        region,
        profile,
        endpoint_url,
        target,
        concurrency,
        max_attempts,
        ignore=ignore,
        ignore_file=ignore_file,
        include_unmanaged=include_unmanaged,
        strict=strict,
    )
    run = run_plan(request, progress=partial(_progress, color=not no_color))
    sys.stderr.write(f"driftcheck: read {plural(run.plan.spec_files, 'spec file')}\n")
    _report_ignore_file(run.ignore_file)
    # every output and every alert is attempted; then the failures are reported
    failures: list[DriftcheckError] = []
    try:
        write_outputs(run.plan, outputs, color=_use_color(no_color))
    except DriftcheckError as error:
        failures.append(error)
    if out is not None:
        try:
            _save_plan(run.plan, out)
            if str(out) != "-":  # as Terraform says it; `--out -` is the plan on stdout
                again = f"driftcheck apply {shlex.quote(str(out))}"
                sys.stderr.write(f"Saved the plan to {out}; apply it with: {again}\n")
        except DriftcheckError as error:
            failures.append(error)
    text_on_stdout = any(o.to_stdout and o.format is Format.TEXT for o in outputs)
    _report_problems(run.plan, warnings=not text_on_stdout)
    if alert_targets:
        from driftcheck.alerts import deliver_alerts

        try:
            outcome = deliver_alerts(
                run.plan, alert_targets, state_file=alert_state, profile=profile
            )
            sys.stderr.write(f"driftcheck: {outcome}\n")
        except DriftcheckError as error:
            failures.append(error)
    for failure in failures[:-1]:
        _error(str(failure))
    if failures:
        raise failures[-1]
    return _exit_code(run.plan)


@app.command(
    epilog="Example: driftcheck plan specs/ --out plan.json && driftcheck apply plan.json",
)
def apply(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(
            metavar="[PATH]...",
            help="Spec files or directories, or one plan saved by `plan --out` (default: specs/).",
            show_default=False,
        ),
    ] = None,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without asking for `yes`.")
    ] = False,
    no_delete: Annotated[
        bool, typer.Option("--no-delete", help="Keep extra destinations.")
    ] = False,
    output_format: Annotated[
        ApplyFormat, typer.Option("--format", help="Results on stdout as text or json.")
    ] = ApplyFormat.TEXT,
    max_rps: Annotated[
        float,
        typer.Option(
            metavar="RATE",
            parser=_number(0.01, 1000),
            help="Write requests a second, retries included (0.01-1000).",
        ),
    ] = 1.0,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    var: VarOpt = None,
    target: TargetOpt = None,
    ignore: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(metavar="PATTERN", help="Ignore pattern, as for plan (repeatable)."),
    ] = None,
    ignore_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            metavar="FILE",
            help="Ignore patterns file (default: .driftignore next to the specs, or in "
            "the current directory).",
        ),
    ] = None,
    concurrency: ConcurrencyOpt = 8,
    max_attempts: MaxAttemptsOpt = 5,
    no_color: NoColorOpt = False,
) -> ExitCode:
    """Bring the live destinations to the specs: create, update, delete (after approval)."""
    from driftcheck.apply import (
        ask_approval,
        build_actions,
        refuse_incomplete,
        render_actions,
        verify_saved_plan,
    )
    from driftcheck.saved_plan import read_file, saved_plan_path

    if not math.isfinite(max_rps):  # the --max-rps parser refuses it; a direct call does not
        raise UsageError(f"--max-rps must be a number > 0, not {max_rps!r}")
    request = _plan_request(
        paths,
        var,
        region,
        profile,
        endpoint_url,
        target,
        concurrency,
        max_attempts,
        ignore=ignore,
        ignore_file=ignore_file,
    )
    human = sys.stderr if output_format is ApplyFormat.JSON else sys.stdout
    saved = saved_plan_path(paths)
    if saved is not None:
        if var or ignore or ignore_file:
            raise UsageError("--var, --ignore and --ignore-file apply to specs, not a saved plan")
        result = read_file(saved)
        refuse_incomplete(result, saved)
        verify_saved_plan(result, request.settings)  # stale: raises, nothing written
        approved = True  # the plan was reviewed when it was saved, as with Terraform
    else:
        from driftcheck.formats import render
        from driftcheck.workflow import run_plan

        run = run_plan(request, progress=partial(_progress, color=not no_color))
        _report_ignore_file(run.ignore_file)
        result = run.plan
        human.write(render(result, Format.TEXT, color=_use_color(no_color) and human is sys.stdout))
        approved = auto_approve
        _report_problems(result, warnings=False)  # the plan shown above has them
        refuse_incomplete(result)
    actions = build_actions(result, no_delete=no_delete, targets=request.targets)
    human.write("\n" + render_actions(actions))
    if actions and not approved:
        ask_approval(sys.stdin, sys.stderr)
    return _run_actions(actions, request, max_rps, output_format, result, human)


@app.command(
    name="import",
    epilog="Example: driftcheck import --region us-east-1 --all "
    "--parametrize account_id=123456789012",
)
def import_(
    region: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            metavar="REGION",
            help="Region to import (else AWS_DEFAULT_REGION, the profile's, AWS_REGION).",
        ),
    ] = None,
    api: Annotated[Api, typer.Option(help="The API to read through.")] = Api.PINPOINT_EMAIL,
    configuration_set: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(metavar="NAME", help="A configuration set to import (repeatable)."),
    ] = None,
    all_sets: Annotated[
        bool, typer.Option("--all", help="Import every set of the region.")
    ] = False,
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(metavar="FILE", help="Write the spec to FILE (default: stdout)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing --out file.")
    ] = False,
    # not --var: plan's --var NAME=VALUE puts VALUE where a spec says ${NAME}; this does the
    # opposite (writes ${NAME} where the live state has VALUE), so it has its own name
    parametrize: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--parametrize",
            metavar="NAME=VALUE",
            help="Write VALUE inside ARNs as ${NAME}, declared under vars: (repeatable).",
        ),
    ] = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    concurrency: ConcurrencyOpt = 8,
    max_attempts: MaxAttemptsOpt = 5,
) -> ExitCode:
    """Write a spec of the live event destinations, to start from what exists."""
    from datetime import datetime, timezone

    from driftcheck.importer import (
        describe_source,
        import_spec,
        read_sets_to_import,
        write_spec_file,
    )
    from driftcheck.live import default_region

    if bool(configuration_set) == all_sets:
        raise UsageError("import needs either --configuration-set NAME (repeatable) or --all")
    arn_variables = _parse_vars(parametrize or [], flag="--parametrize")  # before any API call
    request = _plan_request(
        None, None, region, profile, endpoint_url, None, concurrency, max_attempts
    )
    chosen_region = region or default_region(profile)
    if not chosen_region:
        raise UsageError("import needs --region (or AWS_DEFAULT_REGION, or the profile's region)")
    live_sets = read_sets_to_import(
        api, chosen_region, request.settings, None if all_sets else configuration_set
    )
    text = import_spec(
        live_sets,
        api=api,
        region=chosen_region,
        variables=arn_variables,
        generated_at=datetime.now(timezone.utc),
        source_description=describe_source(api, chosen_region, request.settings),
    )
    if out is None:
        sys.stdout.write(text)
    else:
        write_spec_file(out, text, force=force)
        wrote = plural(len(live_sets), "configuration set")
        sys.stderr.write(f"driftcheck: wrote {wrote} to {out}\n")
    return ExitCode.OK


@app.command(epilog="Example: driftcheck validate specs/ --var account_id=123456789012")
def validate(paths: PathsArg = None, var: VarOpt = None, region: RegionOpt = None) -> ExitCode:
    """Check specs offline (no AWS call): exit 0 with a summary, or 1 with every problem."""
    desired = _load(paths, var, region, require_region=False)
    files = desired.files
    typer.echo(
        f"OK: {plural(len(desired.sets), 'configuration set')}, "
        f"{plural(desired.destination_count, 'event destination')} "
        f"in {plural(len(files), 'file')}."
    )
    return ExitCode.OK


@app.command(epilog="Example: driftcheck emulator --port 4566 --state live.json --latency-ms 20")
def emulator(
    port: Annotated[
        int,
        typer.Option(
            metavar="PORT",
            parser=_number(0, 65535, whole=True),
            help="TCP port on 127.0.0.1 (0: any free port).",
        ),
    ] = 4566,
    state: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(metavar="FILE", help="JSON file with the initial live state."),
    ] = None,
    latency_ms: Annotated[
        float,
        typer.Option(metavar="MS", parser=_number(0), help="Latency added to every API request."),
    ] = 0.0,
    throttle_rate: Annotated[
        float,
        typer.Option(
            metavar="FRACTION",
            parser=_number(0, 1),
            help="Fraction of API requests answered 429 (0-1).",
        ),
    ] = 0.0,
    max_rps: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            metavar="RATE",
            parser=_number(0.001),
            help="Cap on API requests a second; the excess is answered 429.",
        ),
    ] = None,
    fail_set: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            metavar="NAME", help="Configuration set whose requests answer 500 (repeatable)."
        ),
    ] = None,
    deny_set: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            metavar="NAME", help="Configuration set whose requests answer 403 (repeatable)."
        ),
    ] = None,
) -> ExitCode:
    """Run a local emulator of the pinpoint-email (/v1) and sesv2 (/v2) event-destination API."""
    from driftcheck.emulator import Faults, serve_forever

    faults = Faults(
        latency_ms=latency_ms,
        throttle_rate=throttle_rate,
        fail_sets=frozenset(fail_set or ()),
        deny_sets=frozenset(deny_set or ()),
        max_rps=max_rps,
    )
    with suppress(Interrupted):  # Ctrl-C stops the emulator (serve_forever closed it): a normal end
        serve_forever(port=port, state_file=state, faults=faults)
    return ExitCode.OK


# --- helpers -----------------------------------------------------------------------------


def _plan_request(
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
) -> PlanRequest:
    from driftcheck.ignore import Target
    from driftcheck.live import ClientSettings
    from driftcheck.workflow import PlanRequest

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
            stop=_running.stop,  # None unless run by main()
        ),
        cli_vars=_parse_vars(var or []),
        region=region,
        targets=[Target.parse(t) for t in target or []],
        ignore_patterns=ignore or [],
        ignore_file=ignore_file,
        include_unmanaged=include_unmanaged,
        strict=strict,
    )


def _save_plan(result: Plan, path: Path) -> None:
    from datetime import datetime, timezone

    from driftcheck.saved_plan import write_file

    write_file(path, result, created_at=datetime.now(timezone.utc))


def _run_actions(
    actions: Sequence[ApplyAction],
    request: PlanRequest,
    max_rps: float,
    output_format: ApplyFormat,
    result: Plan,
    human: TextIO,
) -> ExitCode:
    from driftcheck.apply import apply_actions, render_json, result_line, verdict

    def show(done: ActionResult) -> None:
        human.write(result_line(done) + "\n")
        human.flush()

    stop = request.settings.stop
    # a signal lets the writes in flight finish and the results be printed, then exits 130/143
    with stop.graceful() if stop is not None else nullcontext():
        results = apply_actions(actions, request.settings, max_rps=max_rps, on_result=show)
        interrupted = stop is not None and stop.is_set()
        if actions:
            human.write("\n" + verdict(results, interrupted=interrupted) + "\n")
        if output_format is ApplyFormat.JSON:
            sys.stdout.write(render_json(results, result))
    if stop is not None:
        stop.check()
    failed = [r for r in results if not r.ok]
    if failed:
        human.flush()
        raise ApiError(
            f"{len(failed)} of {plural(len(results), 'action')} did not complete (listed above); "
            "run apply again once the cause is fixed"
        )
    return ExitCode.OK


def _alert_targets(alerts: list[str], state_file: Path | None) -> list[AlertTarget]:
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


def _load(
    paths: list[Path] | None, var: list[str] | None, region: str | None, *, require_region: bool
) -> DesiredState:
    from driftcheck.desired import load_specs

    return load_specs(
        paths or DEFAULT_PATHS,
        cli_vars=_parse_vars(var or []),
        default_region=region,
        require_region=require_region,
    )


def _parse_vars(assignments: Sequence[str], flag: str = "--var") -> dict[str, str]:
    parsed: dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{flag} takes NAME=VALUE, not {assignment!r}")
        parsed[name.strip()] = value
    return parsed


def _use_color(no_color: bool, stream: TextIO | None = None) -> bool:
    """Colours only on a terminal (stdout by default), never with --no-color or NO_COLOR."""
    return not no_color and "NO_COLOR" not in os.environ and (stream or sys.stdout).isatty()


@contextmanager
def _progress(total: int, *, color: bool = True) -> Iterator[Callable[[], None] | None]:
    """A progress bar on stderr while reading many sets on a terminal; never in pipes or CI.

    Without ``color`` (--no-color) it is drawn without any colour or style.
    """
    if total <= PROGRESS_THRESHOLD or not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    styled = _use_color(not color, sys.stderr)
    console = Console(stderr=True, color_system="auto" if styled else None)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Reading configuration sets", total=total)
        yield lambda: progress.advance(task)


def _exit_now(code: ExitCode) -> NoReturn:
    """Exit without waiting for the threads still inside an API call (see main)."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


def _exit_code(result: Plan) -> ExitCode:
    if result.failed_sets:
        return ExitCode.ERROR
    return ExitCode.DRIFT if result.drift else ExitCode.OK


def _report_problems(result: Plan, *, warnings: bool = True) -> None:
    """Unreadable sets (and warnings, unless the text plan on stdout shows them) on stderr."""
    for warning in result.warnings if warnings else ():
        sys.stderr.write(f"driftcheck: warning: {warning}\n")
    for failed in result.failed_sets:
        assert failed.error is not None
        _error(f"cannot read {failed.key}: {failed.error.code}: {failed.error.message}")


def _report_ignore_file(path: Path | None) -> None:
    """Name the ignore file used, so a log shows which patterns a verdict depended on."""
    if path is not None:
        sys.stderr.write(f"driftcheck: ignore patterns read from {path}\n")


def _error(message: str) -> None:
    sys.stderr.write(f"driftcheck: error: {message}\n")


# options that were renamed: (command, old option) -> the new one, suggested instead
_RENAMED: dict[tuple[str, str], list[str]] = {
    ("import", "--vars"): ["--parametrize"],
    ("import", "--var"): ["--parametrize"],
}


def _usage_sentence(error: click_errors.UsageError) -> str:
    """click's message for a bad flag or value, as one sentence of ours."""
    if isinstance(error, click_errors.NoSuchOption):
        command = (error.ctx.info_name if error.ctx else None) or ""
        possibilities = _RENAMED.get((command, error.option_name)) or error.possibilities
        sentence = f"no such option: {error.option_name}"
        if possibilities:
            sentence += f" (did you mean {' or '.join(sorted(possibilities))}?)"
        return sentence
    message = error.message.strip().rstrip(".")
    if isinstance(error, click_errors.BadParameter) and error.param is not None:
        name = error.param.opts[0] if error.param.opts else error.param.human_readable_name
        return f"invalid value for {name}: {message}"
    needs_value = re.fullmatch(r"Option '(.+)' requires an argument", message)
    if needs_value:
        return f"{needs_value[1]} needs a value"
    extra = re.fullmatch(r"Got unexpected extra arguments?(?:\(s\))? \((.*)\)", message)
    if extra:
        return f"{plural(len(extra[1].split()), 'unexpected argument')}: {extra[1]}"
    message = re.sub(r"\. Did you mean (.+)\?$", r" (did you mean \1?)", message)
    return message[:1].lower() + message[1:]


def _command_path(command: object, argv: Sequence[str] | None) -> str:
    """``driftcheck`` and the command named in ``argv`` (for the hint to its --help)."""
    args = list(sys.argv[1:] if argv is None else argv)
    commands = getattr(command, "commands", {})
    return " ".join(["driftcheck", *(args[:1] if args and args[0] in commands else [])])


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: run the app and exit with its code; the one place errors are reported.

    SIGINT and SIGTERM stop the run (:mod:`driftcheck.interrupt`): ``driftcheck: interrupted``
    and exit 130 or 143, without waiting for the threads still inside an API call (a read in
    flight, a retry's backoff sleep): their answers are not used and their clients send
    nothing more. ``apply`` first lets its writes in flight finish and prints the results.
    """
    from driftcheck.interrupt import StopFlag, handle_signals

    stop = StopFlag()
    with handle_signals(stop):
        _running.stop = stop
        try:
            _main(argv, stop)
        finally:
            _running.stop = None


def _main(argv: Sequence[str] | None, stop: StopFlag) -> NoReturn:
    import logging

    # log records (alert delivery) are for programs that embed driftcheck; the CLI reports
    # every problem itself in one sentence, so none may fall through to logging's last resort
    logger = logging.getLogger("driftcheck")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    command = typer.main.get_command(app)
    try:
        with stop.interruptible():  # a signal while reporting below only sets the flag
            result = command.main(
                args=list(argv) if argv is not None else None,
                prog_name="driftcheck",
                standalone_mode=False,
            )
    except Interrupted as interrupted:
        sys.stderr.write("driftcheck: interrupted\n")
        _exit_now(interrupted.exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except click_errors.NoArgsIsHelpError as error:  # `driftcheck` alone: the help
        error.show()
        sys.exit(ExitCode.ERROR)
    except click_errors.UsageError as error:  # bad flags: exit 1, since 2 means drift
        _error(_usage_sentence(error))
        path = error.ctx.command_path if error.ctx else _command_path(command, argv)
        sys.stderr.write(f"Try '{path} --help'.\n")
        sys.exit(ExitCode.ERROR)
    except click_errors.ClickException as error:
        _error(error.format_message())
        sys.exit(ExitCode.ERROR)
    except KeyboardInterrupt:  # not from our handler (interrupt_main, a non-main thread...)
        sys.stderr.write("driftcheck: interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
    except typer.Abort:  # click's answer to the end of input at a prompt
        _error("interrupted")
        sys.exit(ExitCode.ERROR)
    except SpecError as error:
        for problem in error.problems:
            sys.stderr.write(f"{problem}\n")
        _error(str(error))
        sys.exit(error.exit_code)
    except DriftcheckError as error:
        _error(str(error))
        sys.exit(error.exit_code)
    except Exception as error:  # a bug: still one sentence, the traceback only on request
        if os.environ.get("DRIFTCHECK_DEBUG"):
            raise
        _error(
            f"internal error: {type(error).__name__}: {error} (set DRIFTCHECK_DEBUG=1 for details)"
        )
        sys.exit(ExitCode.ERROR)
    sys.exit(int(result) if isinstance(result, int) else ExitCode.OK)
