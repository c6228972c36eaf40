"""One line per event on stderr: ``driftcheck watch`` logs for people (text) or machines (JSON).

Every record of the ``driftcheck`` logger goes through :func:`configure` while watching, so the
lines of alert delivery (:mod:`driftcheck.alerts.deliver`) come out the same way. A record's
``fields`` (``logger.info(..., extra=fields(sets=3))``) become JSON members, or ``name=value``
after the text. Secrets never reach a record: alert targets are logged as ``str(target)``,
which redacts webhook URLs (:func:`driftcheck.alerts.redact`).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from enum import Enum
from typing import Any, TextIO

LOGGER = "driftcheck"


class LogFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


def fields(**values: Any) -> dict[str, Any]:
    """The ``extra`` of a log call: structured members of the line."""
    return {"fields": values}


class _Formatter(logging.Formatter):
    def __init__(self, log_format: LogFormat) -> None:
        super().__init__()
        self.log_format = log_format

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, timezone.utc)
        when = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        message = record.getMessage()
        extra: dict[str, Any] = getattr(record, "fields", {})
        if self.log_format is LogFormat.JSON:
            line = {"time": when, "level": record.levelname.lower(), "message": message, **extra}
            return json.dumps(line, default=str, ensure_ascii=False)
        suffix = "".join(f" {name}={_text(value)}" for name, value in extra.items())
        # one line whatever the message holds
        return f"{when} {record.levelname.lower()} {message}{suffix}".replace("\n", " ")


def _text(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if not text or any(c.isspace() or c == '"' for c in text) else text


def configure(log_format: LogFormat, stream: TextIO | None = None) -> logging.Handler:
    """Send every ``driftcheck`` record (INFO and above) to ``stream`` (stderr) in
    ``log_format``; returns the handler (remove it with :func:`unconfigure`)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_Formatter(log_format))
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler


def unconfigure(handler: logging.Handler) -> None:
    logging.getLogger(LOGGER).removeHandler(handler)
