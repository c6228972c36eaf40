"""HTTP routing and input decoding, from botocore's service models.

Each supported operation's ``http.method`` and ``http.requestUri`` become a compiled matcher;
its input members are read where the model says (``uri``, ``querystring``, ``header``, or the
JSON body) and converted to the member's type, then checked with botocore's ParamValidator.

The installed botocore gives one route per operation, but clients bundle other botocore
releases (the AWS CLI ships its own), and a few operations changed their request URI between
releases. :data:`WIRE_VARIANTS` lists every route of such an operation with the releases that
send it, and the router answers all of them, so that any supported client is understood
whichever botocore the emulator itself runs on.
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


@dataclass(frozen=True)
class WireVariant:
    """How some botocore releases send an operation whose route changed between releases.

    Members named in ``querystring`` travel in the query string (under their own name); the
    others, except path labels, in the JSON body.
    """

    api: Api
    operation: str
    method: str
    request_uri: str
    querystring: tuple[str, ...]
    releases: str  # the botocore releases that send it (read from their service models)


# Found by reading the model of every botocore release from 1.34.0 (the oldest that boto3>=1.34
# allows) to 1.44.8: in botocore's git history up to 1.43.67, then the wheels of 1.43.97 and
# 1.43.101 to 1.43.105. Every other emulated operation kept its route in all of them. moto's
# sesv2 routes note the same change ("Botocore 1.43.105 changed some request uri paths").
WIRE_VARIANTS = (
    WireVariant(
        Api.SESV2,
        "ListConfigurationSets",
        "GET",
        "/v2/email/configuration-sets",
        querystring=("NextToken", "PageSize"),
        releases="botocore <= 1.43.104 (and the AWS CLI releases that bundle one)",
    ),
    WireVariant(
        Api.SESV2,
        "ListConfigurationSets",
        "POST",
        "/v2/email/list-configuration-sets",
        querystring=(),
        releases="botocore >= 1.43.105",
    ),
)


def build_route(schema: ApiSchema, operation: str, variant: WireVariant | None = None) -> Route:
    """The route of ``operation`` as the installed model says, or as ``variant`` says."""
    op = schema.operation(operation)
    input_shape = op.input_shape
    if input_shape.serialization.get("payload"):
        raise ValueError(f"{operation}: payload members are not supported")
    method, request_uri = op.http["method"], op.http["requestUri"]
    if variant is not None:
        method, request_uri = variant.method, variant.request_uri
    located: dict[str, list[Member]] = {"uri": [], "querystring": [], "header": []}
    body: dict[str, str] = {}
    for name, member_shape in input_shape.members.items():
        location = member_shape.serialization.get("location")
        wire_name = member_shape.serialization.get("name", name)
        if variant is not None and location != "uri":
            location, wire_name = ("querystring" if name in variant.querystring else None), name
        if location is None:
            body[wire_name] = name
        elif location in located:
            located[location].append(Member(name, wire_name, member_shape.type_name))
        else:
            raise ValueError(f"{operation}.{name}: location {location!r} is not supported")
    return Route(
        schema=schema,
        operation=operation,
        method=method,
        pattern=_compile(request_uri),
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
    """Finds the route of a request among the supported operations of both APIs: the route of
    the installed model and every route in :data:`WIRE_VARIANTS`."""

    def __init__(self, operations: Iterable[str], apis: Iterable[Api] = tuple(Api)) -> None:
        names = tuple(operations)
        self._routes: dict[str, list[Route]] = {}
        for api in apis:
            schema = api_schema(api)
            for operation in names:
                self._add(build_route(schema, operation))
                for variant in WIRE_VARIANTS:
                    if (variant.api, variant.operation) == (api, operation):
                        self._add(build_route(schema, operation, variant))

    def _add(self, route: Route) -> None:
        routes = self._routes.setdefault(route.method, [])
        if all(known.pattern.pattern != route.pattern.pattern for known in routes):
            routes.append(route)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes.get(method, ()):
            found = route.pattern.fullmatch(path)
            if found is not None:
                return route, found.groupdict()
        return None
