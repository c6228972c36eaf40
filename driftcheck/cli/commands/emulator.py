"""``driftcheck emulator``: the local API emulator, for trying driftcheck and for tests."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Annotated, Optional

import typer

from driftcheck.cli.app import app
from driftcheck.cli.options import number
from driftcheck.errors import ExitCode, Interrupted


@app.command(epilog="Example: driftcheck emulator --port 4566 --state live.json --latency-ms 20")
def emulator(
    port: Annotated[
        int,
        typer.Option(
            metavar="PORT",
            parser=number(0, 65535, whole=True),
            help="TCP port on 127.0.0.1 (0: any free port).",
        ),
    ] = 4566,
    state: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(metavar="FILE", help="JSON file with the initial live state."),
    ] = None,
    latency_ms: Annotated[
        float,
        typer.Option(metavar="MS", parser=number(0), help="Latency added to every API request."),
    ] = 0.0,
    throttle_rate: Annotated[
        float,
        typer.Option(
            metavar="FRACTION",
            parser=number(0, 1),
            help="Fraction of API requests answered 429 (0-1).",
        ),
    ] = 0.0,
    max_rps: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            metavar="RATE",
            parser=number(0.001),
            help="Cap on SES requests a second per account and region; the excess is answered 429.",
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
