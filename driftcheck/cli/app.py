"""The typer application every command registers on, and what main() shares with them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from driftcheck import __version__

if TYPE_CHECKING:
    from driftcheck.interrupt import StopFlag

app = typer.Typer(
    name="driftcheck",
    help="Detect drift between YAML specs and live Amazon SES configuration-set event "
    "destinations (Pinpoint Email API or SES v2).",
    epilog="Exit codes: 0 in sync, 2 drift found, 1 error (errors win over drift), "
    "130/143 interrupted (SIGINT/SIGTERM).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts hold literal [brackets]: no markup
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Running:
    """What :func:`driftcheck.cli.main.main` shares with the commands (typer passes nothing
    else to them)."""

    stop: StopFlag | None = None  # where main() routes SIGINT and SIGTERM while a command runs


running = Running()


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
