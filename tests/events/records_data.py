"""CloudTrail records of SES calls, shaped as the CloudTrail record-contents page documents
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)."""

from __future__ import annotations

from typing import Any

ACCOUNT = "123456789012"
ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
CLI_AGENT = "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2 prompt/off command/sesv2.x"


def record(
    event_name: str = "UpdateConfigurationSetEventDestination",
    request: dict[str, Any] | None = None,
    *,
    event_id: str = "e-1",
    at: str = "2026-11-30T18:00:00Z",
    user_agent: str = CLI_AGENT,
    **extra: Any,
) -> dict[str, Any]:
    """A successful write by the IAM user alice through the AWS CLI."""
    body: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": ALICE_ARN,
            "accountId": ACCOUNT,
            "accessKeyId": "AKIAALICE",
            "userName": "alice",
        },
        "eventTime": at,
        "eventSource": "ses.amazonaws.com",
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.10",
        "userAgent": user_agent,
        "requestParameters": (
            {"configurationSetName": "marketing", "eventDestinationName": "sns-bounces"}
            if request is None
            else request
        ),
        "responseElements": None,
        "eventID": event_id,
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
    }
    body.update(extra)
    return body
