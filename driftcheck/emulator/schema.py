"""botocore's view of each API, built once: operation models, enums, and input validation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore.model import ServiceModel
from botocore.validate import ParamValidator

from driftcheck.emulator.wire import BAD_REQUEST, ServiceError
from driftcheck.model import Api
from driftcheck.service_model import (
    DEFINITION_SHAPE,
    destination_blocks,
    event_types,
    service_model,
    shape,
)

_VALIDATOR = ParamValidator()  # stateless: one instance serves every thread


@dataclass(frozen=True)
class ApiSchema:
    """What the emulator needs to know about one API, from its botocore service model."""

    api: Api
    service: Any  # botocore.model.ServiceModel
    event_types: frozenset[str]
    dimension_sources: frozenset[str]
    destination_blocks: tuple[str, ...]

    def operation(self, name: str) -> Any:
        """The botocore ``OperationModel`` of ``name``."""
        return self.service.operation_model(name)

    def shape(self, name: str) -> Any:
        """The botocore ``Shape`` called ``name``."""
        return self.service.shape_for(name)

    def check(self, params: Any, shape_: Any, what: str = "request") -> None:
        """Raise BadRequestException when ``params`` does not fit ``shape_`` (types, required)."""
        report = _VALIDATOR.validate(params, shape_)
        if report.has_errors():
            problems = "; ".join(report.generate_report().splitlines())
            raise ServiceError(BAD_REQUEST, f"Invalid {what}: {problems}")

    def check_definition(self, definition: Any) -> None:
        self.check(definition, self.shape(DEFINITION_SHAPE), "event destination definition")


@cache
def api_schema(api: Api) -> ApiSchema:
    sources: list[str] = shape(api, "DimensionValueSource")["enum"]
    return ApiSchema(
        api=api,
        service=ServiceModel(service_model(api), service_name=api.value),
        event_types=frozenset(event_types(api)),
        dimension_sources=frozenset(sources),
        destination_blocks=destination_blocks(api),
    )
