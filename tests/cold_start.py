"""What ``driftcheck --help`` and ``driftcheck validate`` must not import, for a fast start.

One list for the test that checks it (tests/test_cli.py) and the benchmark that measures the
start (``make bench cold``).
"""

# Top-level packages too heavy for a cold start. typer >= 0.29 would bring pydantic (about
# 170 ms here), which is why pyproject bounds typer below 0.29.
HEAVY = frozenset({"pydantic", "pydantic_core", "boto3", "botocore", "deepdiff", "rich"})
# Modules (ours, and logging) that only planning needs: loading specs must not pull them in.
PLANNING_ONLY = frozenset({"driftcheck.plan_model", "driftcheck.events.records", "logging"})
