"""``main()``: run the app and exit; the one error boundary of the command line.

Every :class:`~driftcheck.errors.DriftcheckError` becomes one sentence on stderr and its exit
code; a bad flag or value (click's usage errors) becomes one sentence and a hint to
``--help``, exit 1 (2 means drift); SIGINT and SIGTERM exit 130 and 143; nothing else reaches
the user as a traceback.
"""

from __future__ import annotations

import copy
import gc
import os
import re
import sys
from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, NoReturn

import typer

# typer (0.26 and later) vendors click and re-exports only some of its exceptions
from typer._click import exceptions as click_errors

from driftcheck.cli.app import app, running
from driftcheck.cli.console import print_error
from driftcheck.errors import DriftcheckError, ExitCode, Interrupted, SpecError
from driftcheck.wording import plural

if TYPE_CHECKING:
    from driftcheck.interrupt import StopFlag


def _exit_now(code: ExitCode) -> NoReturn:
    """Exit without waiting for the threads still inside an API call (see main)."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


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


def _click_command(args: Sequence[str]) -> typer.core.TyperGroup:
    """The app as a click group, with only the command ``args`` name built when they name one.

    Building a command turns each of its parameters into a click option (typer reads every
    signature and evaluates its annotations): building all of them costs a tenth of
    ``validate``'s cold start, for commands that will not run. ``--help``, no command or a
    misspelt one build them all, to list them or suggest one.
    """
    named = [c for c in app.registered_commands if args and _command_name(c) == args[0]]
    if not named:
        return typer.main.get_group(app)
    only = copy.copy(app)
    only.registered_commands = named
    return typer.main.get_group(only)


def _command_name(info: typer.models.CommandInfo) -> str | None:
    """The name typer gives a registered command (its own, or its function's)."""
    if info.name:
        return info.name
    return typer.main.get_command_name(info.callback.__name__) if info.callback else None


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: run the app and exit with its code; the one place errors are reported.

    SIGINT and SIGTERM stop the run (:mod:`driftcheck.interrupt`): ``driftcheck: interrupted``
    and exit 130 or 143, without waiting for the threads still inside an API call (a read in
    flight, a retry's backoff sleep): their answers are not used and their clients send
    nothing more. ``apply`` first lets its writes in flight finish and prints the results.
    """
    from driftcheck.interrupt import StopFlag, handle_signals

    # What is alive now (the modules, the app) lives until the process exits, and so does
    # what is alive at the end: frozen, the collector never walks it again, neither in the
    # run's collections nor in the interpreter's at shutdown (a sixth of `validate`'s cold
    # start). atexit handlers and the flushing of stdout and stderr still run.
    gc.freeze()
    stop = StopFlag()
    with handle_signals(stop):
        running.stop = stop
        try:
            _main(argv, stop)
        finally:
            running.stop = None
            gc.freeze()


def _main(argv: Sequence[str] | None, stop: StopFlag) -> NoReturn:
    # log records never reach stderr unasked: see driftcheck.logger
    command = _click_command(list(sys.argv[1:] if argv is None else argv))
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
        print_error(_usage_sentence(error))
        path = error.ctx.command_path if error.ctx else _command_path(command, argv)
        sys.stderr.write(f"Try '{path} --help'.\n")
        sys.exit(ExitCode.ERROR)
    except click_errors.ClickException as error:
        print_error(error.format_message())
        sys.exit(ExitCode.ERROR)
    except KeyboardInterrupt:  # not from our handler (interrupt_main, a non-main thread...)
        sys.stderr.write("driftcheck: interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
    except typer.Abort:  # click's answer to the end of input at a prompt
        print_error("interrupted")
        sys.exit(ExitCode.ERROR)
    except SpecError as error:
        for problem in error.problems:
            sys.stderr.write(f"{problem}\n")
        print_error(str(error))
        sys.exit(error.exit_code)
    except DriftcheckError as error:
        print_error(str(error))
        sys.exit(error.exit_code)
    except Exception as error:  # a bug: still one sentence, the traceback only on request
        if os.environ.get("DRIFTCHECK_DEBUG"):
            raise
        print_error(
            f"internal error: {type(error).__name__}: {error} (set DRIFTCHECK_DEBUG=1 for details)"
        )
        sys.exit(ExitCode.ERROR)
    sys.exit(int(result) if isinstance(result, int) else ExitCode.OK)
