"""``driftcheck validate``: the specs checked offline, with no AWS call."""

from __future__ import annotations

import typer

from driftcheck.cli.app import app
from driftcheck.cli.options import AccountsOpt, PathsArg, RegionOpt, VarOpt, load
from driftcheck.errors import ExitCode
from driftcheck.wording import plural


@app.command(epilog="Example: driftcheck validate specs/ --var account_id=123456789012")
def validate(
    paths: PathsArg = None,
    var: VarOpt = None,
    region: RegionOpt = None,
    accounts: AccountsOpt = None,
) -> ExitCode:
    """Check specs offline (no AWS call): exit 0 with a summary, or 1 with every problem."""
    desired = load(paths, var, region, require_region=False, accounts=accounts)
    files = desired.files
    typer.echo(
        f"OK: {plural(len(desired.sets), 'configuration set')}, "
        f"{plural(desired.destination_count, 'event destination')} "
        f"in {plural(len(files), 'file')}."
    )
    return ExitCode.OK
