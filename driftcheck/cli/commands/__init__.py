"""One module per command; importing this package registers them all on the app."""

from driftcheck.cli.commands import apply, emulator, importing, plan, validate, watch

__all__ = ["apply", "emulator", "importing", "plan", "validate", "watch"]
