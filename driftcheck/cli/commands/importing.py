"""``driftcheck import``: a spec of the live event destinations, to start from what exists."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from driftcheck.cli.app import app
from driftcheck.cli.options import (
    AccountsOpt,
    ConcurrencyOpt,
    EndpointOpt,
    MaxAttemptsOpt,
    ProfileOpt,
    RoleSessionNameOpt,
    parse_vars,
    plan_request,
)
from driftcheck.errors import ExitCode, UsageError
from driftcheck.model import Api, SetKey
from driftcheck.wording import plural

if TYPE_CHECKING:
    from driftcheck.workflow import PlanRequest


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
        typer.Option(
            metavar="FILE",
            help="Write the spec to FILE (default: stdout); with --accounts, a directory.",
        ),
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
    accounts: AccountsOpt = None,
    role_session_name: RoleSessionNameOpt = "driftcheck",
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
        None,
        None,
        region,
        profile,
        endpoint_url,
        None,
        concurrency,
        max_attempts,
        accounts=accounts,
        role_session_name=role_session_name,
    )
    if accounts is not None:
        return _import_fleet(
            request,
            api,
            configuration_set if not all_sets else None,
            out,
            force,
            arn_variables,
            region,
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


def _import_fleet(
    request: PlanRequest,
    api: Api,
    names: list[str] | None,
    out: Path | None,
    force: bool,
    variables: dict[str, str],
    only_region: str | None,
) -> ExitCode:
    """``import --accounts FILE --out DIR``: one spec per account and region (each account's
    regions, or ``--region`` alone), written to ``DIR/ACCOUNT/REGION.yaml`` (``accounts:
    [ACCOUNT]``, ``region: REGION``).

    One spec per target rather than one spec for the targets whose live states are equal
    once ``${account_id}`` and ``${region}`` are put back: an import is the record of what
    exists, and each file loads back to exactly its target's live state; merging is a
    decision for a reviewer, who sees the identical files side by side.
    """
    from datetime import datetime, timezone

    from driftcheck.importer import (
        describe_source,
        import_spec,
        read_sets_to_import,
        write_spec_file,
    )
    from driftcheck.workflow import connect, load_fleet

    if out is None or str(out) == "-":
        raise UsageError("import --accounts writes one spec per account and region: --out DIR")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: with --accounts, --out names a directory")
    fleet = load_fleet(request)
    assert fleet is not None
    targets = [
        (account, region)
        for account in fleet
        for region in account.regions
        if only_region is None or region == only_region
    ]
    keys = [SetKey(api, r, "", account=a.account_id, account_name=a.name) for a, r in targets]
    sessions = connect(request, fleet, keys)
    generated_at = datetime.now(timezone.utc)
    texts: list[tuple[Path, str, int]] = []
    for account, region in targets:
        live_sets = read_sets_to_import(
            api, region, request.settings, names, account=account, sessions=sessions
        )
        where = describe_source(api, region, request.settings)
        text = import_spec(
            live_sets,
            api=api,
            region=region,
            variables=variables,
            generated_at=generated_at,
            source_description=f"account {account.name} ({account.account_id}), {where}",
            account=account,
        )
        texts.append((out / account.name / f"{region}.yaml", text, len(live_sets)))
    # every spec made before any is written: an error leaves no half-written directory
    for path, text, count in texts:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_spec_file(path, text, force=force)
        sys.stderr.write(f"driftcheck: wrote {plural(count, 'configuration set')} to {path}\n")
    return ExitCode.OK
