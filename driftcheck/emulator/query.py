"""The AWS query protocol (STS): form-encoded requests in, XML answers and errors out.

A request is ``Action=<Operation>&Version=...&<Member>=<value>``, lists as
``<Member>.member.<N>`` and structures as ``<Member>.<Field>`` (botocore's query serializer).
An answer is ``<OpResponse xmlns=...><OpResult>...</OpResult><ResponseMetadata>
<RequestId>...</RequestId></ResponseMetadata></OpResponse>``; an error is
``<ErrorResponse><Error><Type>Sender</Type><Code>...</Code><Message>...</Message></Error>
<RequestId>...</RequestId></ErrorResponse>``, as STS sends them. Inputs are read and outputs
written following the operation's shapes in botocore's service model.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from botocore.loaders import create_loader
from botocore.model import ServiceModel, Shape
from botocore.validate import ParamValidator

from driftcheck.emulator.wire import Answer

XML_CONTENT_TYPE = "text/xml"
_VALIDATOR = ParamValidator()  # stateless: one instance serves every thread


@cache
def service_model(name: str) -> ServiceModel:
    """botocore's newest model of service ``name`` (``sts``, ``organizations``)."""
    return ServiceModel(create_loader().load_service_model(name, "service-2"), name)


class QueryError(Exception):
    """An error answer: code, HTTP status, message; ``sender``: the caller's fault."""

    def __init__(self, code: str, status: int, message: str, *, sender: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.sender = sender


def validation_error(message: str) -> QueryError:
    return QueryError("ValidationError", 400, message)


def parse_form(text: bytes | str) -> dict[str, str]:
    """The fields of a form-encoded body or query string (the last value of a repeated field)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return dict(parse_qsl(text, keep_blank_values=True))


def parse_input(shape: Shape, form: Mapping[str, str]) -> dict[str, Any]:
    """The parameters of ``form`` for input ``shape``, checked by :func:`check_input`."""
    params: dict[str, Any] = _read(shape, form, "") or {}
    check_input(shape, params)
    return params


def check_input(shape: Shape, params: Any, code: str = "ValidationError") -> None:
    """Raise ``code`` (HTTP 400) naming every problem botocore's ParamValidator finds in
    ``params`` (types, required members, minimums)."""
    report = _VALIDATOR.validate(params, shape)
    if report.has_errors():
        problems = report.generate_report().splitlines()
        raise QueryError(
            code,
            400,
            f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
            + "; ".join(problems),
        )


def _read(shape: Shape, form: Mapping[str, str], key: str) -> Any:
    if shape.type_name == "structure":
        found: dict[str, Any] = {}
        for name, member in shape.members.items():
            value = _read(member, form, f"{key}.{name}" if key else name)
            if value is not None:
                found[name] = value
        return found or None
    if shape.type_name == "list":
        items: list[Any] = []
        while (item := _read(shape.member, form, f"{key}.member.{len(items) + 1}")) is not None:
            items.append(item)
        return items if items or key in form else None
    raw = form.get(key)
    if raw is None or shape.type_name in ("map", "blob"):
        return raw
    if shape.type_name in ("integer", "long"):
        return int(raw) if raw.lstrip("-").isdigit() else raw  # the validator refuses a non-number
    if shape.type_name == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def xml_answer(model: ServiceModel, operation: str, result: Mapping[str, Any]) -> Answer:
    """The XML answer of ``operation`` whose output members are ``result``."""
    namespace = model.metadata.get("xmlNamespace", "")
    root = ET.Element(f"{operation}Response", xmlns=namespace)
    output = model.operation_model(operation).output_shape
    if output is not None:
        wrapper = output.serialization.get("resultWrapper", f"{operation}Result")
        _write(root, wrapper, output, result)
    metadata = ET.SubElement(root, "ResponseMetadata")
    ET.SubElement(metadata, "RequestId").text = str(uuid.uuid4())
    return Answer(200, _encode(root), content_type=XML_CONTENT_TYPE)


def xml_error(model: ServiceModel, error: QueryError) -> Answer:
    root = ET.Element("ErrorResponse", xmlns=model.metadata.get("xmlNamespace", ""))
    details = ET.SubElement(root, "Error")
    ET.SubElement(details, "Type").text = "Sender" if error.sender else "Receiver"
    ET.SubElement(details, "Code").text = error.code
    ET.SubElement(details, "Message").text = error.message
    ET.SubElement(root, "RequestId").text = str(uuid.uuid4())
    return Answer(error.status, _encode(root), content_type=XML_CONTENT_TYPE)


def _encode(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="unicode").encode()  # no <?xml?> line, as AWS sends it


def _write(parent: ET.Element, name: str, shape: Shape, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if shape.type_name == "structure":
        for member_name, member in shape.members.items():  # in the model's order
            if value.get(member_name) is not None:
                _write(element, member_name, member, value[member_name])
    elif shape.type_name == "list":
        for item in value:
            _write(element, "member", shape.member, item)
    elif isinstance(value, datetime):
        element.text = value.strftime("%Y-%m-%dT%H:%M:%SZ")  # ISO 8601 in UTC, as STS writes it
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)
