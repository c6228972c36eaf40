"""``driftcheck watch``: alert minutes after a change to a watched set, naming who made it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from driftcheck.cli.app import app, running
from driftcheck.cli.options import (
    AccountsOpt,
    AlertOpt,
    AlertStateOpt,
    ConcurrencyOpt,
    EndpointOpt,
    IgnoreFileOpt,
    MaxAttemptsOpt,
    PathsArg,
    ProfileOpt,
    ReadRpsOpt,
    RegionOpt,
    RoleSessionNameOpt,
    TargetOpt,
    VarOpt,
    duration_option,
    number,
    parse_alert_flags,
    plan_request,
)
from driftcheck.errors import ExitCode, UsageError
from driftcheck.events import DEFAULT_WINDOW, MAX_WINDOW
from driftcheck.interrupt import StopFlag

if TYPE_CHECKING:
    from driftcheck.watch.feeds import Feed
    from driftcheck.watch.metrics import Metrics
    from driftcheck.workflow import PlanRequest


@app.command(
    epilog="Example: driftcheck watch specs/ --alert webhook:env:SLACK_URL "
    "--alert-state /var/lib/driftcheck/alert.json --metrics-port 9464",
)
def watch(
    paths: PathsArg = None,
    interval: Annotated[
        timedelta,
        duration_option(
            timedelta(seconds=1),
            timedelta(days=1),
            "How often to ask CloudTrail for new write events: 30s, 5m... (default 60s).",
        ),
    ] = timedelta(seconds=60),
    full_every: Annotated[
        timedelta,
        duration_option(
            timedelta(seconds=1),
            timedelta(days=30),
            "How often to read every set again, for what CloudTrail missed (default 6h).",
        ),
    ] = timedelta(hours=6),
    overlap: Annotated[
        timedelta,
        duration_option(
            timedelta(seconds=1),
            timedelta(days=1),
            "How far back each CloudTrail poll looks: events arrive minutes late (default 15m).",
        ),
    ] = timedelta(minutes=15),
    attribution_window: Annotated[
        timedelta,
        duration_option(
            timedelta(minutes=1),
            MAX_WINDOW,
            "How far back a full check looks for who changed each drifted row "
            "(default 7d; at most 90d).",
        ),
    ] = DEFAULT_WINDOW,
    events: Annotated[
        str,
        typer.Option(
            metavar="SOURCE",
            help="cloudtrail (poll LookupEvents) or sqs:<queue-url> (an EventBridge rule's "
            "queue: see driftcheck/watch/eventbridge-sqs.yaml).",
        ),
    ] = "cloudtrail",
    alert: AlertOpt = None,
    alert_state: AlertStateOpt = None,
    metrics_port: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            metavar="PORT",
            parser=number(0, 65535, whole=True),
            help="Serve Prometheus /metrics and /healthz on PORT (0: any free port).",
        ),
    ] = None,
    metrics_address: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS", help="Address for --metrics-port (0.0.0.0 in a container)."
        ),
    ] = "127.0.0.1",
    log_format: Annotated[
        str, typer.Option(metavar="FORMAT", help="text or json: one line per event on stderr.")
    ] = "text",
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    var: VarOpt = None,
    target: TargetOpt = None,
    ignore: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(metavar="PATTERN", help="Ignore patterns, as for plan (repeatable)."),
    ] = None,
    ignore_file: IgnoreFileOpt = None,
    include_unmanaged: Annotated[
        bool,
        typer.Option("--include-unmanaged", help="Also list live sets that no spec declares."),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Unmanaged sets count as drift.")
    ] = False,
    concurrency: ConcurrencyOpt = 8,
    max_attempts: MaxAttemptsOpt = 5,
    accounts: AccountsOpt = None,
    role_session_name: RoleSessionNameOpt = "driftcheck",
    max_rps: ReadRpsOpt = None,
) -> ExitCode:
    """Watch continuously: a full check, then re-read only the sets CloudTrail says were written."""
    from driftcheck.live.clients import session
    from driftcheck.logger import get_logger
    from driftcheck.watch.logs import LogFormat, configure, fields, unconfigure
    from driftcheck.watch.loop import Alerting, Watcher, WatchSettings
    from driftcheck.watch.metrics import Metrics, MetricsServer

    if log_format not in {f.value for f in LogFormat}:
        raise UsageError(f"--log-format takes text or json, not {log_format!r}")
    if events != "cloudtrail" and not events.startswith("sqs:"):
        raise UsageError(f"--events takes cloudtrail or sqs:<queue-url>, not {events!r}")
    targets = parse_alert_flags(alert or [], alert_state)
    request = plan_request(
        paths,
        var,
        region,
        profile,
        endpoint_url,
        target,
        concurrency,
        max_attempts,
        ignore=ignore,
        ignore_file=ignore_file,
        include_unmanaged=include_unmanaged,
        strict=strict,
        accounts=accounts,
        role_session_name=role_session_name,
        max_rps=max_rps,
        attribution_window=attribution_window,
    )
    caller = session(profile)  # an unknown profile is a bad flag: exit 1 now, not retried
    stop = running.stop or StopFlag()
    metrics = Metrics()
    request = replace(request, settings=replace(request.settings, on_client=metrics.observe_client))
    watcher: Watcher | None = None  # made below; the feed asks it for each account's credentials

    def account_session(account: str) -> Any:
        sessions = watcher.sessions if watcher is not None else None
        return sessions.session(account) if sessions is not None and account else None

    feed = _feed(events, request, metrics, overlap, caller, account_session)
    server = None
    if metrics_port is not None:
        try:
            server = MetricsServer(metrics, metrics_address, metrics_port).start()
        except OSError as error:
            raise UsageError(
                f"cannot serve metrics on {metrics_address}:{metrics_port}: {error.strerror}"
            ) from error
    handler = configure(LogFormat(log_format))
    try:
        if server is not None:
            url = f"http://{metrics_address}:{server.port}"
            get_logger("driftcheck.watch").info(
                "metrics on %s/metrics, health on %s/healthz",
                url,
                url,
                extra=fields(event="serving", url=url),
            )
        watcher = Watcher(
            request,
            feed,
            alerting=Alerting(targets, alert_state, profile) if targets else None,
            settings=WatchSettings(interval.total_seconds(), full_every.total_seconds()),
            metrics=metrics,
            stop=stop,
        )
        with stop.graceful():  # a signal sets the flag; the loop finishes its step and returns
            watcher.run()
    finally:
        unconfigure(handler)
        if server is not None:
            server.stop()
    return ExitCode.OK


def _feed(
    source: str,
    request: PlanRequest,
    metrics: Metrics,
    overlap: timedelta,
    caller: Any,
    account_session: Callable[[str], Any],
) -> Feed:
    """The feed ``--events`` names, its clients counted by ``metrics``; CloudTrail is asked
    with each account's own credentials (``account_session``; None: the ``caller``'s boto3
    session)."""
    from datetime import datetime, timezone

    from botocore.config import Config

    from driftcheck.live.clients import default_region
    from driftcheck.watch.feeds import CloudTrailFeed, SqsFeed

    settings = request.settings
    if source == "cloudtrail":
        from driftcheck.events.lookup import cloudtrail_clients

        # no stop flag: on a signal the loop finishes its poll (a graceful stop)
        client_for = cloudtrail_clients(
            caller,
            account_session,
            max_attempts=settings.max_attempts,
            on_client=metrics.observe_client,
        )
        # a minute before now: a little clock skew between this host and CloudTrail's
        since = datetime.now(timezone.utc) - timedelta(minutes=1)
        return CloudTrailFeed(client_for, since, overlap)
    queue_url = source[len("sqs:") :]
    if not queue_url.startswith(("https://", "http://")):
        raise UsageError(f"--events sqs: takes the queue URL (https://sqs...), not {queue_url!r}")
    found = _QUEUE_REGION.search(queue_url)
    region = found[1] if found else (request.region or default_region(settings.profile))
    config = Config(retries={"mode": "standard", "total_max_attempts": settings.max_attempts})
    client = caller.client("sqs", region_name=region or "us-east-1", config=config)
    metrics.observe_client(client)
    return SqsFeed(client, queue_url)


# https://sqs.us-east-1.amazonaws.com/123456789012/name (or the legacy us-east-1.queue...)
_QUEUE_REGION = re.compile(r"^https?://(?:sqs\.)?([a-z]{2}(?:-[a-z]+)+-\d+)\.")
