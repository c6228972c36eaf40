"""``driftcheck import``: a spec of the live event destinations, to start from what exists."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from driftcheck.cli.app import app
from driftcheck.cli.options import (
    ConcurrencyOpt,
    EndpointOpt,
    MaxAttemptsOpt,
    ProfileOpt,
    parse_vars,
    plan_request,
)
from driftcheck.errors import ExitCode, UsageError
from driftcheck.model import Api
from driftcheck.wording import plural


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
    arn_variables = parse_vars(parametrize or [], flag="--parametrize")  # before any API call
    request = plan_request(
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
