"""``driftcheck plan``: the plan, every output asked for, the saved plan and the alerts."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from driftcheck.cli.app import app
from driftcheck.cli.console import (
    exit_code,
    print_error,
    progress,
    report_ignore_file,
    report_problems,
    use_color,
)
from driftcheck.cli.options import (
    AccountsOpt,
    AlertOpt,
    AlertStateOpt,
    ConcurrencyOpt,
    EndpointOpt,
    IgnoreFileOpt,
    MaxAttemptsOpt,
    NoColorOpt,
    PathsArg,
    ProfileOpt,
    ReadRpsOpt,
    RegionOpt,
    RoleSessionNameOpt,
    TargetOpt,
    VarOpt,
    duration_option,
    parse_alert_flags,
    plan_request,
)
from driftcheck.errors import DriftcheckError, ExitCode
from driftcheck.events import DEFAULT_WINDOW, MAX_WINDOW
from driftcheck.formats import Format
from driftcheck.wording import plural

if TYPE_CHECKING:
    from driftcheck.plan_model import Plan


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
    ignore_file: IgnoreFileOpt = None,
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
    attribute: Annotated[
        bool,
        typer.Option(
            "--attribute",
            help="Name who changed each drifted row (CloudTrail LookupEvents; needs "
            "cloudtrail:LookupEvents).",
        ),
    ] = False,
    attribution_window: Annotated[
        timedelta,
        duration_option(
            timedelta(minutes=1),
            MAX_WINDOW,
            "How far back --attribute looks: 12h, 7d... (default 7d; at most 90d, "
            "CloudTrail's event history).",
        ),
    ] = DEFAULT_WINDOW,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Also show what --attribute cost (calls, pages).")
    ] = False,
    alert: AlertOpt = None,
    alert_state: AlertStateOpt = None,
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            metavar="FILE", help="Also save the plan for `driftcheck apply FILE` (stale-checked)."
        ),
    ] = None,
    accounts: AccountsOpt = None,
    role_session_name: RoleSessionNameOpt = "driftcheck",
    concurrency: ConcurrencyOpt = 8,
    max_attempts: MaxAttemptsOpt = 5,
    max_rps: ReadRpsOpt = None,
    no_color: NoColorOpt = False,
) -> ExitCode:
    """Compare the specs with the live event destinations and print a plan."""
    from driftcheck.outputs import resolve_outputs, write_outputs
    from driftcheck.workflow import run_plan

    outputs = resolve_outputs(output_format, output or [], github, os.environ)
    alert_targets = parse_alert_flags(alert or [], alert_state)
    if out is not None:
        from driftcheck.saved_plan import check_replaceable

        check_replaceable(out)  # before any API call: a spec named by mistake costs nothing
    request = plan_request(
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
        accounts=accounts,
        role_session_name=role_session_name,
        max_rps=max_rps,
        attribution_window=attribution_window if attribute else None,
    )
    run = run_plan(request, progress=partial(progress, color=not no_color))
    sys.stderr.write(f"driftcheck: read {plural(run.plan.spec_files, 'spec file')}\n")
    if verbose and run.lookup is not None:
        sys.stderr.write(f"driftcheck: attribution cost {run.lookup.cost}\n")
    report_ignore_file(run.ignore_file)
    # every output and every alert is attempted; then the failures are reported
    failures: list[DriftcheckError] = []
    try:
        write_outputs(run.plan, outputs, color=use_color(no_color))
    except DriftcheckError as error:
        failures.append(error)
    if out is not None:
        try:
            _save_plan(run.plan, out)
            if str(out) != "-":  # as Terraform says it; `--out -` is the plan on stdout
                import shlex  # here: every command's start imports this module

                again = f"driftcheck apply {shlex.quote(str(out))}"
                sys.stderr.write(f"Saved the plan to {out}; apply it with: {again}\n")
        except DriftcheckError as error:
            failures.append(error)
    text_on_stdout = any(o.to_stdout and o.format is Format.TEXT for o in outputs)
    report_problems(run.plan, warnings=not text_on_stdout)
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
        print_error(str(failure))
    if failures:
        raise failures[-1]
    return exit_code(run.plan)


def _save_plan(result: Plan, path: Path) -> None:
    from datetime import datetime, timezone

    from driftcheck.saved_plan import write_file

    write_file(path, result, created_at=datetime.now(timezone.utc))
