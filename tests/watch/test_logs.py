"""One line per event: text for people, JSON for machines, whatever the message holds."""

from __future__ import annotations

import io
import json
import logging

from driftcheck.watch.logs import LogFormat, configure, fields, unconfigure


def emit(log_format: LogFormat, message: str, **values: object) -> str:
    stream = io.StringIO()
    handler = configure(log_format, stream)
    try:
        logging.getLogger("driftcheck.watch.test").warning(message, extra=fields(**values))
    finally:
        unconfigure(handler)
    return stream.getvalue()


def test_json_lines_carry_the_fields() -> None:
    text = emit(LogFormat.JSON, "drift:\nsecond line", event="drift", set="marketing")
    [line] = text.splitlines()
    record = json.loads(line)
    assert record["level"] == "warning"
    assert record["message"] == "drift:\nsecond line"
    assert (record["event"], record["set"]) == ("drift", "marketing")
    assert record["time"].endswith("Z")


def test_text_lines_stay_one_line_and_quote_what_needs_it() -> None:
    text = emit(LogFormat.TEXT, "drift:\nsecond line", event="drift", note="two words")
    [line] = text.splitlines()
    assert line.endswith(' warning drift: second line event=drift note="two words"')


def test_nothing_is_written_once_unconfigured() -> None:
    stream = io.StringIO()
    unconfigure(configure(LogFormat.TEXT, stream))
    logging.getLogger("driftcheck.watch.test").warning("after")
    assert stream.getvalue() == ""
