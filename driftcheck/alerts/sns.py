"""``sns:<topic-arn>``: publish the alert with boto3, in the topic's own region.

The subject is one short line, the message the JSON summary, and the message attributes
(``kind``, ``drift``, ``region``, ``regions``, and the counts as ``Number``) are what SNS
subscription filter policies match. The endpoint is ``endpoint_url`` when given, else
boto3's own resolution (``AWS_ENDPOINT_URL_SNS``, ``AWS_ENDPOINT_URL``, the real SNS).
boto3 is imported here only, when an SNS alert is sent.
"""

from __future__ import annotations

import hashlib
from typing import Any

from driftcheck import __version__
from driftcheck.alerts.content import Alert
from driftcheck.alerts.targets import SnsTarget
from driftcheck.errors import AlertError
from driftcheck.logger import get_logger
from driftcheck.safe_text import escape_unsafe

logger = get_logger(__name__)

CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 10.0
_NOT_FOUND = frozenset({"NotFound", "NotFoundException", "ResourceNotFoundException"})
_DENIED = frozenset({"AuthorizationError", "AccessDenied", "AccessDeniedException"})


def publish(
    target: SnsTarget,
    alert: Alert,
    *,
    profile: str | None,
    endpoint_url: str | None,
    attempts: int,
) -> None:
    """Publish ``alert`` to ``target``; AlertError with the reason in a few words."""
    from botocore.config import Config
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
        ReadTimeoutError,
    )

    from driftcheck.live.clients import session

    config = Config(
        retries={"mode": "standard", "total_max_attempts": attempts},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        user_agent_extra=f"driftcheck/{__version__}",
    )
    request: dict[str, Any] = {
        "TopicArn": target.topic_arn,
        "Subject": alert.subject,
        "Message": alert.body,
        "MessageAttributes": {
            name: {"DataType": data_type, "StringValue": value}
            for name, (data_type, value) in alert.attributes.items()
        },
    }
    if target.fifo:  # one group keeps alerts in order; SNS drops a duplicate within 5 min
        request["MessageGroupId"] = "driftcheck"
        request["MessageDeduplicationId"] = hashlib.sha256(alert.body.encode()).hexdigest()
    try:
        client = session(profile).client(
            "sns", region_name=target.region, endpoint_url=endpoint_url, config=config
        )
        response = client.publish(**request)
    except ClientError as error:
        raise AlertError(_client_error_reason(error)) from error
    except (NoCredentialsError, PartialCredentialsError) as error:
        raise AlertError("no AWS credentials were found") from error
    except (EndpointConnectionError, ConnectTimeoutError) as error:
        raise AlertError("the SNS endpoint could not be reached") from error
    except ReadTimeoutError as error:
        raise AlertError("SNS did not answer in time") from error
    except (BotoCoreError, ValueError) as error:
        raise AlertError(f"boto3 could not publish ({type(error).__name__})") from error
    logger.debug("%s: published message %s", target, response.get("MessageId"))


def _client_error_reason(error: Any) -> str:
    from driftcheck.live.failures import CREDENTIAL_CODES  # botocore: only when sending

    details = error.response.get("Error", {})
    code = str(details.get("Code", "unknown"))
    if code in _NOT_FOUND:
        return "the topic does not exist"
    if code in _DENIED:
        return "access denied: the credentials may not sns:Publish to this topic"
    if code in CREDENTIAL_CODES:
        return f"the AWS credentials were rejected ({escape_unsafe(code)})"
    message = escape_unsafe(str(details.get("Message", "")))[:200].rstrip(".")
    return f"SNS refused the message: {escape_unsafe(code)}" + (f": {message}" if message else "")
