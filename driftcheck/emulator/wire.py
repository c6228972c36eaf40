"""The REST-JSON wire format: answers, and errors exactly as AWS sends them.

An error is an HTTP status, the header ``x-amzn-ErrorType: <Code>:<namespace>`` and the JSON
body ``{"message": "..."}``; botocore reads the code from the header and raises
``ClientError`` with ``Error.Code == <Code>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

ERROR_TYPE_HEADER = "x-amzn-ErrorType"
ERROR_TYPE_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.services.email/"
JSON_CONTENT_TYPE = "application/json"


class Headers(Protocol):
    """Request headers, looked up case-insensitively (``http.client.HTTPMessage``)."""

    def get(self, name: str, /) -> str | None: ...


@dataclass(frozen=True)
class ErrorKind:
    """An error code and the HTTP status it travels with."""

    code: str
    status: int


# Declared by the service models (statuses as in their ``error.httpStatusCode``).
BAD_REQUEST = ErrorKind("BadRequestException", 400)
NOT_FOUND = ErrorKind("NotFoundException", 404)
ALREADY_EXISTS = ErrorKind("AlreadyExistsException", 400)
LIMIT_EXCEEDED = ErrorKind("LimitExceededException", 400)
TOO_MANY_REQUESTS = ErrorKind("TooManyRequestsException", 429)
# Not declared by the models, sent by every AWS front end. botocore retries any 500 (legacy,
# standard and adaptive modes), so an injected server fault exercises the retry path.
INTERNAL_FAILURE = ErrorKind("InternalFailure", 500)
UNKNOWN_OPERATION = ErrorKind("UnknownOperationException", 404)
# Sent by the AWS front end before the service sees the request.
ACCESS_DENIED = ErrorKind("AccessDeniedException", 403)
EXPIRED_TOKEN = ErrorKind("ExpiredTokenException", 403)
UNRECOGNIZED_CLIENT = ErrorKind("UnrecognizedClientException", 403)

MODELLED_ERRORS = (BAD_REQUEST, NOT_FOUND, ALREADY_EXISTS, LIMIT_EXCEEDED, TOO_MANY_REQUESTS)


class ServiceError(Exception):
    """An error answer of the emulated API."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer: status, extra headers, and the body bytes."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = JSON_CONTENT_TYPE


_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode_json(data: Any) -> bytes:
    return _ENCODER.encode(data).encode()


def json_answer(data: Any, status: int = 200) -> Answer:
    return Answer(status, encode_json(data))


def error_answer(error: ServiceError) -> Answer:
    header = (ERROR_TYPE_HEADER, f"{error.kind.code}:{ERROR_TYPE_NAMESPACE}")
    return Answer(error.kind.status, encode_json({"message": error.message}), (header,))
