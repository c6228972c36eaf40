"""Where driftcheck's loggers come from: ``get_logger(__name__)``.

Log records (alert delivery, ``watch``) are for ``watch``'s log lines and for programs that
embed driftcheck; the command line reports every problem itself, in one sentence. As the
logging HOWTO asks of a library, the package's top logger has a ``NullHandler``, so that no
record falls through to logging's last resort (stderr) when nobody configured logging.

It is set here, by the first module that logs, rather than by the CLI at every start:
``validate`` and ``--help`` never import :mod:`logging`.
"""

from __future__ import annotations

import logging

_TOP = logging.getLogger("driftcheck")
if not any(isinstance(h, logging.NullHandler) for h in _TOP.handlers):
    _TOP.addHandler(logging.NullHandler())


def get_logger(name: str) -> logging.Logger:
    """The logger of ``name`` (a module under ``driftcheck``)."""
    return logging.getLogger(name)
