"""The command line: parse flags, wire the steps together, write the output, exit.

- :mod:`.app`: the typer application the commands register on;
- :mod:`.options`: the flags several commands share, and the request they build;
- :mod:`.commands`: one module per command (plan, apply, import, validate, emulator), each a
  thin layer over the steps it wires (``workflow``, ``apply``, ``importer``...);
- :mod:`.console`: colours, the progress bar, problems on stderr, a plan's exit code;
- :mod:`.main`: ``main()``, the one error boundary and the signal handling.

Costly imports (boto3, deepdiff, the emulator, the renderers) happen inside the commands
that need them, and typer stays below 0.29 (pydantic), so ``--help`` and ``validate`` stay
fast (tests/test_cli.py checks what they import).
"""

from driftcheck.gc_pause import gc_paused

# a few hundred modules and no garbage: the collector's passes during the imports find nothing
with gc_paused():
    from driftcheck.cli import commands  # noqa: F401 - registers every command on the app
    from driftcheck.cli.app import app
    from driftcheck.cli.main import main

__all__ = ["app", "main"]
