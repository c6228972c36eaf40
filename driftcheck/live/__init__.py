"""Reading the live state from the AWS API (the only package that talks to boto3)."""

from driftcheck.live.clients import ClientSettings, default_region
from driftcheck.live.reader import read_live_state

__all__ = ["ClientSettings", "default_region", "read_live_state"]
