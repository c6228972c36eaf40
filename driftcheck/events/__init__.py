"""Who changed it: SES writes recorded by CloudTrail, and the drift they explain.

- :mod:`.records`: one CloudTrail record (``LookupEvents``' ``CloudTrailEvent``, or an
  EventBridge event's ``detail``) → :class:`~driftcheck.events.records.WriteEvent`; the only
  module that knows the records' shape;
- :mod:`.attribution`: pure; which writes would explain a plan's drift (:func:`wanted`) and
  the plan with each drifted row's ``changed_by`` (:func:`attribute`);
- :mod:`.lookup`: the edge; ``cloudtrail:LookupEvents`` per (account, region), paced and
  bounded (imports boto3: import it only to look up).

Import the modules themselves: the package holds only the attribution window's bounds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

# Here, not in .attribution: the CLI's option defaults need them, and importing this package
# (unlike its modules) costs nothing (`driftcheck validate` and `--help` start fast).
DEFAULT_WINDOW: Final = timedelta(days=7)  # how far back to look by default
MAX_WINDOW: Final = timedelta(days=90)  # CloudTrail's event history keeps 90 days
