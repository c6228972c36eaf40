"""HTTP routing and input decoding, from botocore's service models.

Each supported operation's ``http.method`` and ``http.requestUri`` become a compiled matcher;
its input members are read where the model says (``uri``, ``querystring``, ``header``, or the
JSON body) and converted to the member's type, then checked with botocore's ParamValidator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from driftcheck.emulator.schema import ApiSchema, api_schema
from driftcheck.emulator.wire import BAD_REQUEST, Headers, ServiceError
from driftcheck.model import Api

_LABEL = re.compile(r"\{([A-Za-z0-9_]+)(\+?)\}")


@dataclass(frozen=True)
class Member:
    """One input member read from outside the body."""

    name: str  # the parameter name botocore's users pass
    wire_name: str  # its name on the wire (locationName)
    type_name: str  # the shape type: string, integer, boolean, list...


@dataclass(frozen=True)
class Route:
    schema: ApiSchema
    operation: str
    method: str
    pattern: re.Pattern[str]
    uri: tuple[Member, ...]
    querystring: tuple[Member, ...]
    headers: tuple[Member, ...]
    body: Mapping[str, str]  # wire name -> parameter name
    input_shape: Any  # botocore Shape

    @property
    def api(self) -> Api:
        return self.schema.api

    def parse(
        self,
        path_params: Mapping[str, str],
        query: str,
        headers: Headers,
        body: bytes,
    ) -> dict[str, Any]:
        """The operation's parameters, as botocore's user passed them; BadRequest otherwise."""
        params: dict[str, Any] = {}
        for member in self.uri:
            params[member.name] = unquote(path_params[member.wire_name])
        if self.querystring and query:
            values = parse_qs(query, keep_blank_values=True)
            for member in self.querystring:
                if member.wire_name in values:
                    params[member.name] = _convert(member, values[member.wire_name])
        for member in self.headers:
            value = headers.get(member.wire_name)
            if value is not None:
                params[member.name] = _convert(member, [value])
        if self.body:
            params.update(self._parse_body(body))
        return params

    def validate(self, params: Mapping[str, Any]) -> None:
        self.schema.check(params, self.input_shape)

    def _parse_body(self, body: bytes) -> dict[str, Any]:
        if not body.strip():
            return {}
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ServiceError(BAD_REQUEST, f"The request body is not valid JSON: {e}") from None
        if not isinstance(document, dict):
            raise ServiceError(BAD_REQUEST, "The request body must be a JSON object.")
        # Unknown members keep their wire name: the validator then reports them.
        return {self.body.get(key, key): value for key, value in document.items()}


def _convert(member: Member, values: list[str]) -> Any:
    if member.type_name == "list":
        return values
    value = values[-1]
    if member.type_name in ("integer", "long"):
        try:
            return int(value)
        except ValueError:
            raise ServiceError(
                BAD_REQUEST, f"{member.wire_name} must be an integer, not {value!r}."
            ) from None
    if member.type_name == "boolean":
        if value not in ("true", "false"):
            raise ServiceError(BAD_REQUEST, f"{member.wire_name} must be true or false.")
        return value == "true"
    return value


def build_route(schema: ApiSchema, operation: str) -> Route:
    op = schema.operation(operation)
    input_shape = op.input_shape
    if input_shape.serialization.get("payload"):
        raise ValueError(f"{operation}: payload members are not supported")
    located: dict[str, list[Member]] = {"uri": [], "querystring": [], "header": []}
    body: dict[str, str] = {}
    for name, member_shape in input_shape.members.items():
        location = member_shape.serialization.get("location")
        wire_name = member_shape.serialization.get("name", name)
        if location is None:
            body[wire_name] = name
        elif location in located:
            located[location].append(Member(name, wire_name, member_shape.type_name))
        else:
            raise ValueError(f"{operation}.{name}: location {location!r} is not supported")
    return Route(
        schema=schema,
        operation=operation,
        method=op.http["method"],
        pattern=_compile(op.http["requestUri"]),
        uri=tuple(located["uri"]),
        querystring=tuple(located["querystring"]),
        headers=tuple(located["header"]),
        body=body,
        input_shape=input_shape,
    )


def _compile(request_uri: str) -> re.Pattern[str]:
    """A matcher for a raw (still percent-encoded) path; ``{X}`` one segment, ``{X+}`` greedy."""
    path = request_uri.split("?", 1)[0]
    regex, last = [], 0
    for label in _LABEL.finditer(path):
        regex.append(re.escape(path[last : label.start()]))
        name, greedy = label.groups()
        regex.append(f"(?P<{name}>{'.+' if greedy else '[^/]+'})")
        last = label.end()
    regex.append(re.escape(path[last:]))
    return re.compile("".join(regex))


class Router:
    """Finds the route of a request among the supported operations of both APIs."""

    def __init__(self, operations: Iterable[str], apis: Iterable[Api] = tuple(Api)) -> None:
        names = tuple(operations)
        self._routes: dict[str, list[Route]] = {}
        for api in apis:
            schema = api_schema(api)
            for operation in names:
                route = build_route(schema, operation)
                self._routes.setdefault(route.method, []).append(route)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes.get(method, ()):
            found = route.pattern.fullmatch(path)
            if found is not None:
                return route, found.groupdict()
        return None
