"""Who changed it: SES writes recorded by CloudTrail, and the drift they explain.

- :mod:`.records`: one CloudTrail record (``LookupEvents``' ``CloudTrailEvent``, or an
  EventBridge event's ``detail``) → :class:`~driftcheck.events.records.WriteEvent`; the only
  module that knows the records' shape;
- :mod:`.attribution`: pure; which writes would explain a plan's drift (:func:`wanted`) and
  the plan with each drifted row's ``changed_by`` (:func:`attribute`);
- :mod:`.lookup`: the edge; ``cloudtrail:LookupEvents`` per (account, region), paced and
  bounded (imports boto3: import it only to look up).
"""

from driftcheck.events.attribution import attribute, unattributed, wanted
from driftcheck.events.records import (
    WRITE_EVENT_NAMES,
    WriteEvent,
    parse_eventbridge,
    parse_json,
    parse_record,
)

__all__ = [
    "WRITE_EVENT_NAMES",
    "WriteEvent",
    "attribute",
    "parse_eventbridge",
    "parse_json",
    "parse_record",
    "unattributed",
    "wanted",
]
