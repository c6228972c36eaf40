"""``driftcheck apply``: from specs (shown, then approved) or a saved plan, to writes."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, TextIO

import typer

from driftcheck.cli.app import app
from driftcheck.cli.console import progress, report_ignore_file, report_problems, use_color
from driftcheck.cli.options import (
    AccountsOpt,
    ConcurrencyOpt,
    EndpointOpt,
    IgnoreFileOpt,
    MaxAttemptsOpt,
    NoColorOpt,
    ProfileOpt,
    RegionOpt,
    RoleSessionNameOpt,
    TargetOpt,
    VarOpt,
    number,
    plan_request,
)
from driftcheck.errors import ApiError, ExitCode, UsageError
from driftcheck.formats import Format
from driftcheck.wording import plural

if TYPE_CHECKING:
    from driftcheck.apply import ActionResult, ApplyAction
    from driftcheck.live.sessions import AccountSessions
    from driftcheck.plan_model import Plan
    from driftcheck.workflow import PlanRequest


class ApplyFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


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
            parser=number(0.01, 1000),
            help="Write requests a second per account and region, retries included (0.01-1000).",
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
    ignore_file: IgnoreFileOpt = None,
    accounts: AccountsOpt = None,
    role_session_name: RoleSessionNameOpt = "driftcheck",
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
        accounts=accounts,
        role_session_name=role_session_name,
    )
    human = sys.stderr if output_format is ApplyFormat.JSON else sys.stdout
    saved = saved_plan_path(paths)
    if saved is not None:
        if var or ignore or ignore_file:
            raise UsageError("--var, --ignore and --ignore-file apply to specs, not a saved plan")
        from driftcheck.workflow import connect_saved

        result = read_file(saved)
        refuse_incomplete(result, saved)
        sessions = connect_saved(request, result)
        verify_saved_plan(result, request.settings, sessions)  # stale: raises, nothing written
        approved = True  # the plan was reviewed when it was saved, as with Terraform
    else:
        from driftcheck.formats import render
        from driftcheck.workflow import run_plan

        run = run_plan(request, progress=partial(progress, color=not no_color))
        report_ignore_file(run.ignore_file)
        result = run.plan
        sessions = run.sessions
        human.write(render(result, Format.TEXT, color=use_color(no_color) and human is sys.stdout))
        approved = auto_approve
        report_problems(result, warnings=False)  # the plan shown above has them
        refuse_incomplete(result)
    actions = build_actions(result, no_delete=no_delete, targets=request.targets)
    human.write("\n" + render_actions(actions))
    if actions and not approved:
        ask_approval(sys.stdin, sys.stderr)
    return _run_actions(actions, request, sessions, max_rps, output_format, result, human)


def _run_actions(
    actions: Sequence[ApplyAction],
    request: PlanRequest,
    sessions: AccountSessions | None,
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
        results = apply_actions(
            actions, request.settings, max_rps=max_rps, on_result=show, sessions=sessions
        )
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
