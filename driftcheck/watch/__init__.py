"""``driftcheck watch``: the specs watched continuously, drift alerted minutes after a write.

- :mod:`~driftcheck.watch.loop`: :class:`Watcher`, a full check (``plan``'s own steps), then
  incremental checks of the sets that write events name; alerts as ``plan --alert-state``.
- :mod:`~driftcheck.watch.feeds`: where write events come from: CloudTrail event history,
  polled (:class:`CloudTrailFeed`), or an SQS queue that an EventBridge rule fills
  (:class:`SqsFeed`; the rule, queue and policies: ``eventbridge-sqs.yaml`` beside this file).
- :mod:`~driftcheck.watch.metrics`: Prometheus metrics and ``/healthz``.
- :mod:`~driftcheck.watch.logs`: one line per event on stderr, text or JSON.
"""
