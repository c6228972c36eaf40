"""A local emulator of the SES event-destination API, for tests, benchmarks and the demo.

Unmodified boto3 clients for ``pinpoint-email`` (``/v1/email/...``) and ``sesv2``
(``/v2/email/...``) work against it through ``endpoint_url``::

    with start_emulator(state=DEMO_STATE) as emu:
        client = boto3.client("sesv2", endpoint_url=emu.url, region_name="us-east-1", ...)

Routes, input shapes and enums come from botocore's service models, plus the routes that other
supported botocore releases send for the same operations (``routes.WIRE_VARIANTS``); the
service's own rules for writes, each with its source, are in :mod:`driftcheck.emulator.rules`.
Errors travel exactly as AWS REST-JSON errors do. The region is the one in the request's SigV4
credential scope, the account the one of its access key id (:mod:`driftcheck.emulator.identity`):
each account has its own sets (the state document: :mod:`driftcheck.emulator.state`). STS
``AssumeRole``/``GetCallerIdentity`` (:mod:`driftcheck.emulator.sts`) and Organizations
``ListAccounts`` (:mod:`driftcheck.emulator.organizations`) answer at the same address.
Control endpoints under ``/_emulator/``: ``GET stats``, ``POST stats/reset`` (counters only),
``GET state``, ``POST reset`` (state and counters; optional body: the new state document),
``GET``/``POST faults`` (a POST replaces every fault), and CloudTrail's
(:mod:`driftcheck.emulator.trail`): ``GET trail`` (every record), ``GET``/``POST trail/settings``
(delivery delay, LookupEvents rate cap, denied access keys), ``POST identities`` (who each
access key is). ``POST reset`` clears the trail too.
"""

from __future__ import annotations

import os
import shlex
import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from driftcheck.emulator.faults import Faults
from driftcheck.emulator.identity import Identities, Identity
from driftcheck.emulator.server import LOOPBACK, EmulatorServer
from driftcheck.emulator.service import EmulatedService
from driftcheck.emulator.state import Fleet, StateDocument, parse_state, read_state_file
from driftcheck.emulator.stats import Stats
from driftcheck.emulator.trail import TrailSettings

__all__ = [
    "DEMO_STATE",
    "Emulator",
    "Faults",
    "Identity",
    "StateSource",
    "Stats",
    "TrailSettings",
    "client_environment",
    "load_state",
    "serve_forever",
    "start_emulator",
]

DEMO_STATE = Path(__file__).with_name("demo-state.json")
# How often a background server checks for stop(): bounds how long stop() waits.
_POLL_SECONDS = 0.005

# A state document (dict), a JSON state file, or nothing (an empty account).
StateSource = Mapping[str, Any] | str | os.PathLike[str] | None


def load_state(source: StateSource) -> StateDocument:
    """The validated document of ``source``; EmulatorError (one sentence) when it is invalid."""
    if source is None:
        return StateDocument()
    if isinstance(source, Mapping):
        return parse_state(source, "The emulator state")
    return read_state_file(Path(source))


class Emulator:
    """A running emulator; binds its port on construction, serves after :meth:`start`.

    Use as a context manager (``with Emulator() as emu``: started on enter, stopped on exit).
    """

    def __init__(
        self,
        port: int = 0,
        state: StateSource = None,
        faults: Faults | None = None,
        *,
        host: str = LOOPBACK,
        verbose: bool = False,
    ) -> None:
        self._service = EmulatedService(Fleet(load_state(state)), faults)
        self._server = EmulatorServer(self._service, port, host, verbose)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def host(self) -> str:
        return self._server.server_name

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def server(self) -> EmulatorServer:
        """The underlying HTTP server (for diagnostics)."""
        return self._server

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Emulator:
        """Serve in a background (daemon) thread; returns ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": _POLL_SECONDS},
                name=f"driftcheck-emulator-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve(self) -> None:
        """Serve in the calling thread until :meth:`stop` is called from another thread."""
        self._server.serve_forever(poll_interval=0.5)

    def stop(self) -> None:
        """Stop serving, end open connections and release the port (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.close_connections()
        self._server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- control ---------------------------------------------------------------------------

    def stats(self) -> Stats:
        return self._service.counters.snapshot()

    def reset_stats(self) -> None:
        """Clear the counters only (the state stays)."""
        self._service.counters.reset()

    @property
    def faults(self) -> Faults:
        return self._service.faults.faults

    def set_faults(self, faults: Faults) -> None:
        """Replace every fault (reseeds the throttle draws, refills the rate buckets)."""
        self._service.faults.set(faults)

    def reset(self, state: StateSource = None) -> None:
        """Replace the state (empty, a document or a file) and clear the counters.

        Registered keys (STS-issued ones too) stay: they keep their account.
        """
        self._service.reset(load_state(state))

    @property
    def identities(self) -> Identities:
        """Access key id → identity: register a key here to make it a caller of another account."""
        return self._service.identities

    @property
    def state(self) -> dict[str, Any]:
        """A state document of everything the emulator holds (a copy)."""
        return self._service.state.dump()

    @property
    def trail_settings(self) -> TrailSettings:
        return self._service.trail.settings

    def set_trail_settings(self, settings: TrailSettings) -> None:
        """Replace every CloudTrail setting (restarts the LookupEvents rate window)."""
        self._service.trail.settings = settings

    def trail_records(self) -> list[dict[str, Any]]:
        """Every CloudTrail record, oldest first, whether LookupEvents shows it yet or not."""
        return self._service.trail.records()


def start_emulator(
    port: int = 0,
    state: StateSource = None,
    faults: Faults | None = None,
    *,
    verbose: bool = False,
) -> Emulator:
    """Start an emulator on 127.0.0.1 (port 0: an ephemeral port) in a background thread."""
    return Emulator(port, state, faults, verbose=verbose).start()


def client_environment(url: str) -> dict[str, str]:
    """The variables that point driftcheck, boto3 or the AWS CLI at the emulator at ``url``.

    ``AWS_ENDPOINT_URL`` is boto3's own endpoint setting for every service (so no
    ``--endpoint-url``; ``AWS_ENDPOINT_URL_PINPOINT_EMAIL`` / ``_SESV2`` would do it per API).
    STS, Organizations and CloudTrail get theirs too (``AWS_ENDPOINT_URL_STS``,
    ``AWS_ENDPOINT_URL_ORGANIZATIONS``, ``AWS_ENDPOINT_URL_CLOUDTRAIL``): they stay on the
    emulator in a shell that sets its own ``AWS_ENDPOINT_URL`` for SES alone. The credentials
    are fake: the emulator checks no signature, but botocore signs every request and sends none
    without credentials; the key belongs to the default account; the region of the signature
    is the emulated region.
    """
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ENDPOINT_URL_STS": url,
        "AWS_ENDPOINT_URL_ORGANIZATIONS": url,
        "AWS_ENDPOINT_URL_CLOUDTRAIL": url,
        "AWS_ACCESS_KEY_ID": "emulator",
        "AWS_SECRET_ACCESS_KEY": "emulator",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def serve_forever(
    port: int,
    state_file: Path | None = None,
    faults: Faults | None = None,
    *,
    verbose: bool = False,
) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM (``driftcheck emulator``).

    Prints the URL (``make demo`` reads the first line), then the ``export`` lines to paste
    into a shell. Raises EmulatorError when the port is taken or the state file is invalid.
    """
    emulator = Emulator(port, state_file, faults, verbose=verbose)
    restore = _stop_on_sigterm()
    exports = "".join(
        f"export {name}={shlex.quote(value)}\n"
        for name, value in client_environment(emulator.url).items()
    )
    try:
        print(
            f"driftcheck emulator listening on {emulator.url} (pinpoint-email /v1, sesv2 /v2)\n"
            "To use it from another shell (the credentials are fake), paste:\n"
            f"{exports}"
            "Ctrl-C stops it.",
            flush=True,
        )
        emulator.serve()
    except KeyboardInterrupt:
        pass
    finally:
        restore()
        emulator.stop()


def _stop_on_sigterm() -> Any:
    """Make SIGTERM behave like Ctrl-C (main thread only); returns a function that undoes it."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)
