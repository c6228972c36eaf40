"""botocore hooks that make a client refuse every request once a :class:`StopFlag` is set.

- ``before-send``, first: a stopped run does not wait in a token bucket (botocore's adaptive
  rate limiter, the writer's ``--max-rps`` limiter) for a request it will not send;
- ``before-send``, last (after those waits): the request is not sent;
- ``needs-retry``, first: an attempt that failed in a way botocore would retry (its own
  ``StandardRetryConditions``, the ones adaptive mode uses) ends the call at once, without
  botocore's backoff sleep or its next attempt. A final answer (a success, ``NotFound``...)
  is kept: the call is over anyway.

Each refusal raises :class:`~driftcheck.errors.Interrupted` out of the call, with
``attempted`` telling whether an attempt of that call already reached the API. The one wait
not cut short is a retry's backoff sleep that had already begun when the flag was set
(``time.sleep`` in botocore's endpoint, at most 20 s): the next attempt is refused after it.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.retries.standard import RetryEventAdapter, StandardRetryConditions

from driftcheck.interrupt import StopFlag


def refuse_requests_after(stop: StopFlag, client: Any, max_attempts: int) -> None:
    """Register the hooks on ``client`` (every call it makes, on any thread)."""
    service = client.meta.service_model.service_id.hyphenize()
    events = client.meta.events
    conditions = StandardRetryConditions(max_attempts=max_attempts)
    adapter = RetryEventAdapter()
    calls = threading.local()  # a call runs on one thread: its attempts so far

    def starting_call(**_: Any) -> None:
        calls.attempts = 0

    def before_send(**_: Any) -> None:
        stop.check(attempted=getattr(calls, "attempts", 0) > 0)

    def needs_retry(**kwargs: Any) -> None:
        calls.attempts = kwargs["attempts"]
        if stop.is_set() and conditions.is_retryable(adapter.create_retry_context(**kwargs)):
            stop.check(attempted=True)

    events.register(f"before-call.{service}", starting_call)
    events.register_first("before-send", before_send)
    events.register_last("before-send", before_send)
    events.register_first(f"needs-retry.{service}", needs_retry)
