"""The OpenAPI document, generated from the marshmallow schemas with apispec.

``openapi.yaml`` at the repository root is this module's output, committed;
a test fails when it differs from what the code generates. Regenerate with
``diagnose-api openapi > openapi.yaml`` or ``make openapi``.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields

from diagnose_api import __version__
from diagnose_api.schemas.diagnosis import DiagnosisSchema
from diagnose_api.schemas.fields import FiniteFloat
from diagnose_api.schemas.fields import JsonObject
from diagnose_api.schemas.fields import NumericSeries
from diagnose_api.schemas.problem import ProblemSchema
from diagnose_api.schemas.request import DiagnoseRequestSchema
from diagnose_api.schemas.request import HistoryField
from diagnose_api.schemas.runs import AppendEpochsSchema
from diagnose_api.schemas.runs import AppendResultSchema
from diagnose_api.schemas.runs import CreateRunSchema
from diagnose_api.schemas.runs import EpochRecordField
from diagnose_api.schemas.runs import ListRunsQuerySchema
from diagnose_api.schemas.runs import RunDetailSchema
from diagnose_api.schemas.runs import RunDiagnosisSchema
from diagnose_api.schemas.runs import RunPageSchema
from diagnose_api.schemas.runs import RunSchema

OPENAPI_VERSION = "3.0.3"
SERIES_SCHEMA: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "number", "nullable": True},
    "description": "One value per epoch; null where none was logged. The NaN "
    "and Infinity tokens of Python's json module are accepted.",
}

PROBLEM_RESPONSES = {
    "400": "The body is not valid JSON.",
    "413": "The body exceeds DIAGNOSE_MAX_CONTENT_LENGTH.",
    "415": "The content type is not supported.",
    "422": "The request failed validation; 'errors' names each field.",
}


def _custom_fields(self: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    if isinstance(field, NumericSeries):
        schema = {k: v for k, v in SERIES_SCHEMA.items() if k != "description"}
        if not field.allow_null:
            schema["items"] = {"type": "number"}
        return schema
    if isinstance(field, HistoryField):
        return {"type": "object", "additionalProperties": SERIES_SCHEMA, "minProperties": 1}
    if isinstance(field, JsonObject):
        return {"type": "object", "additionalProperties": True}
    if isinstance(field, FiniteFloat):
        return {"type": "number"}
    return {}


def problem_responses(codes: list[str]) -> dict[str, Any]:
    return {
        code: {
            "description": PROBLEM_RESPONSES[code],
            "content": {"application/problem+json": {"schema": "Problem"}},
        }
        for code in codes
    }


def build_spec() -> APISpec:
    """Build the OpenAPI document of every route."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="diagnose-api",
        version=__version__,
        openapi_version=OPENAPI_VERSION,
        plugins=[plugin],
        info={
            "description": "Reads the per-epoch loss and accuracy histories of a "
            "training run and tells whether the model is overfitting, since "
            "which epoch, how badly, and what to do about it.",
            "license": {"name": "MIT"},
        },
    )
    plugin.converter.add_attribute_function(_custom_fields)
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.schema("DiagnoseRequest", schema=DiagnoseRequestSchema)
    spec.components.schema("Diagnosis", schema=DiagnosisSchema)

    spec.path(
        path="/v1/diagnoses",
        operations={
            "post": {
                "operationId": "createDiagnosis",
                "summary": "Diagnose one training history",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "DiagnoseRequest"}},
                },
                "responses": {
                    "200": {
                        "description": "The diagnosis.",
                        "content": {"application/json": {"schema": "Diagnosis"}},
                    },
                    **problem_responses(["400", "413", "415", "422"]),
                },
            }
        },
    )
    spec.path(
        path="/healthz",
        operations={
            "get": {
                "operationId": "healthz",
                "summary": "Liveness probe",
                "responses": {
                    "200": {
                        "description": "The process serves requests.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"status": {"type": "string"}},
                                    "required": ["status"],
                                }
                            }
                        },
                    }
                },
            }
        },
    )
    spec.path(
        path="/openapi.yaml",
        operations={
            "get": {
                "operationId": "openapi",
                "summary": "This OpenAPI document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.0 document.",
                        "content": {"application/yaml": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    )
    spec.path(
        path="/docs",
        operations={
            "get": {
                "operationId": "docs",
                "summary": "API reference page (Swagger UI, served offline)",
                "responses": {
                    "200": {
                        "description": "HTML page.",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    )
    add_run_paths(spec, plugin)
    return spec


EPOCH_RECORD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One epoch: its number under 'epoch' and one member per "
    "metric. NaN and Infinity tokens are accepted in requests; responses "
    "write them as null.",
    "required": ["epoch"],
    "minProperties": 2,
    "properties": {"epoch": {"type": "number"}},
    "additionalProperties": {"type": "number", "nullable": True},
    "example": {"epoch": 3, "loss": 0.41, "val_loss": 0.52},
}
EPOCH_RECORD_REF = "#/components/schemas/EpochRecord"
APPEND_EPOCHS_REF = "#/components/schemas/AppendEpochsRequest"
NOT_FOUND = "No run has this id."
UNAVAILABLE = "The run store is unavailable; retry later."
RUN_ID_PARAMETER: dict[str, Any] = {
    "name": "run_id",
    "in": "path",
    "required": True,
    "description": "The id POST /v1/runs returned; any other string is 404.",
    "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
}


def _run_fields(self: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    if isinstance(field, EpochRecordField):
        return {"$ref": EPOCH_RECORD_REF}
    return {}


def _json_response(description: str, schema: str | dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": "Problem"}},
    }


def add_run_paths(spec: APISpec, plugin: MarshmallowPlugin) -> None:
    """Add the live-run routes (``/v1/runs``) and their schemas."""
    if plugin.converter is None:
        raise ValueError("plugin must be registered with spec before add_run_paths")
    plugin.converter.add_attribute_function(_run_fields)
    spec.components.schema("EpochRecord", EPOCH_RECORD_SCHEMA)
    spec.components.schema("CreateRunRequest", schema=CreateRunSchema)
    spec.components.schema("AppendEpochsRequest", schema=AppendEpochsSchema)
    spec.components.schema("Run", schema=RunSchema)
    spec.components.schema("RunDetail", schema=RunDetailSchema)
    spec.components.schema("RunPage", schema=RunPageSchema)
    spec.components.schema("AppendResult", schema=AppendResultSchema)
    spec.components.schema("RunDiagnosis", schema=RunDiagnosisSchema)

    spec.path(
        path="/v1/runs",
        operations={
            "post": {
                "operationId": "createRun",
                "summary": "Create a live run with the stop rule to apply",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "CreateRunRequest"}},
                },
                "responses": {
                    "201": {
                        **_json_response("The run.", "Run"),
                        "headers": {
                            "Location": {
                                "description": "URL of the run.",
                                "schema": {"type": "string"},
                            }
                        },
                    },
                    **problem_responses(["400", "413", "415", "422"]),
                    "503": _problem_response(UNAVAILABLE),
                },
            },
            "get": {
                "operationId": "listRuns",
                "summary": "List runs newest first, by pages",
                "parameters": [{"in": "query", "schema": ListRunsQuerySchema}],
                "responses": {
                    "200": _json_response("One page of runs.", "RunPage"),
                    "422": _problem_response("A query parameter is invalid."),
                    "503": _problem_response(UNAVAILABLE),
                },
            },
        },
    )
    spec.path(
        path="/v1/runs/{run_id}",
        parameters=[dict(RUN_ID_PARAMETER)],
        operations={
            "get": {
                "operationId": "getRun",
                "summary": "Get a run and its stored epochs",
                "responses": {
                    "200": _json_response("The run and its epochs.", "RunDetail"),
                    "404": _problem_response(NOT_FOUND),
                    "503": _problem_response(UNAVAILABLE),
                },
            },
            "delete": {
                "operationId": "deleteRun",
                "summary": "Delete a run and its epochs",
                "responses": {
                    "204": {"description": "Deleted."},
                    "404": _problem_response(NOT_FOUND),
                    "503": _problem_response(UNAVAILABLE),
                },
            },
        },
    )
    spec.path(
        path="/v1/runs/{run_id}/epochs",
        parameters=[dict(RUN_ID_PARAMETER)],
        operations={
            "post": {
                "operationId": "appendEpochs",
                "summary": "Append epochs, idempotently by epoch number",
                "description": 'Send one epoch object or {"epochs": [...]}. '
                "An epoch already stored with the same values is reported "
                "unchanged; one stored with other values makes the whole "
                "request fail with 409, writing nothing.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {"$ref": EPOCH_RECORD_REF},
                                    {"$ref": APPEND_EPOCHS_REF},
                                ]
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json_response("What was written.", "AppendResult"),
                    **problem_responses(["400", "413", "415", "422"]),
                    "404": _problem_response(NOT_FOUND),
                    "409": _problem_response(
                        "An epoch is stored with other values; 'errors' names "
                        "each differing metric with its stored and sent value."
                    ),
                    "503": _problem_response(UNAVAILABLE),
                },
            }
        },
    )
    spec.path(
        path="/v1/runs/{run_id}/diagnosis",
        parameters=[dict(RUN_ID_PARAMETER)],
        operations={
            "get": {
                "operationId": "getRunDiagnosis",
                "summary": "Diagnose the epochs so far and say whether to stop",
                "responses": {
                    "200": _json_response(
                        "The diagnosis and the stop decision.", "RunDiagnosis"
                    ),
                    "404": _problem_response(NOT_FOUND),
                    "409": _problem_response(
                        "The stored epochs cannot be diagnosed with the run's "
                        "options, for example when no epoch logged the monitor."
                    ),
                    "503": _problem_response(UNAVAILABLE),
                },
            }
        },
    )


def spec_yaml() -> str:
    """Return the OpenAPI document as YAML, as committed in openapi.yaml."""
    return build_spec().to_yaml()


if __name__ == "__main__":
    print(spec_yaml(), end="")
