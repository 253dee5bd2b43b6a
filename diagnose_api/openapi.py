"""The OpenAPI document, generated from the marshmallow schemas with apispec.

``openapi.yaml`` at the repository root is this module's output, committed;
a test fails when it differs from what the code generates. Regenerate with
``diagnose-api openapi > openapi.yaml`` or ``make openapi``.
"""

from __future__ import annotations

import copy
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields

from diagnose_api import __version__
from diagnose_api.api.plot_response import DEFAULT_PLOT_FORMAT
from diagnose_api.api.plot_response import PLOT_MIMETYPES
from diagnose_api.ingest import FORMATS
from diagnose_api.schemas.batch import BatchRequestSchema
from diagnose_api.schemas.batch import BatchResultSchema
from diagnose_api.schemas.batch import BatchRunSchema
from diagnose_api.schemas.diagnosis import DiagnosisSchema
from diagnose_api.schemas.fields import FiniteFloat
from diagnose_api.schemas.fields import JsonObject
from diagnose_api.schemas.fields import NumericSeries
from diagnose_api.schemas.problem import ProblemSchema
from diagnose_api.schemas.request import DiagnoseRequestSchema
from diagnose_api.schemas.request import HistoryField
from diagnose_api.schemas.request import OptionsSchema
from diagnose_api.schemas.runs import AppendEpochsSchema
from diagnose_api.schemas.runs import AppendResultSchema
from diagnose_api.schemas.runs import CreateRunSchema
from diagnose_api.schemas.runs import EpochRecordField
from diagnose_api.schemas.runs import ListRunsQuerySchema
from diagnose_api.schemas.runs import RunDetailSchema
from diagnose_api.schemas.runs import RunDiagnosisSchema
from diagnose_api.schemas.runs import RunPageSchema
from diagnose_api.schemas.runs import RunReportQuerySchema
from diagnose_api.schemas.runs import RunSchema

OPENAPI_VERSION = "3.0.3"
SERIES_SCHEMA: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "number", "nullable": True},
    "description": "One value per epoch; null where none was logged. The NaN "
    "and Infinity tokens of Python's json module are accepted.",
}

# The README's first request: a Keras history that overfits after epoch 3.
# fmt: off
DIAGNOSE_REQUEST_EXAMPLE: dict[str, Any] = {
    "history": {
        "loss": [1.0799, 0.8158, 0.6541, 0.5162, 0.3926, 0.2804, 0.1864, 0.1155, 0.0698],
        "val_loss": [1.0686, 0.9982, 0.9794, 0.9962, 1.0285, 1.0956, 1.1609, 1.2688, 1.3471],
        "accuracy": [0.6451, 0.7277, 0.7798, 0.834, 0.884, 0.9298, 0.9629, 0.9825, 0.9923],
        "val_accuracy": [0.6306, 0.6488, 0.6616, 0.6633, 0.6587, 0.6616, 0.6584, 0.6502, 0.6493],
    }
}
# fmt: on

PROBLEM_RESPONSES = {
    "400": "The body is not valid JSON.",
    "401": "API keys are configured and the request carries none, or an invalid one.",
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
        # A copy per field, so that YAML output has no anchors for shared objects.
        series = copy.deepcopy(SERIES_SCHEMA)
        return {"type": "object", "additionalProperties": series, "minProperties": 1}
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
                "description": LOG_UPLOAD_DESCRIPTION,
                "parameters": log_query_parameters(),
                "requestBody": {
                    "required": True,
                    "content": diagnose_request_content(),
                },
                "responses": {
                    "200": {
                        "description": "The diagnosis.",
                        "content": {"application/json": {"schema": "Diagnosis"}},
                    },
                    **problem_responses(["400", "401", "413", "415", "422"]),
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
                        "content": {"application/yaml": {"schema": {"type": "object"}}},
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
    add_batch_path(spec)
    add_report_paths(spec)
    add_operations_paths(spec)
    add_run_paths(spec, plugin)
    add_run_page_paths(spec)
    return spec


LOG_UPLOAD_DESCRIPTION = (
    "The body is the JSON request shape, or a log file as training stacks "
    "write it: Keras and Lightning CSVLogger files (text/csv), Keras and "
    "PyTorch console output or a model card's results table (text/plain), "
    "JSON Lines (application/x-ndjson), a Trainer trainer_state.json or MLflow "
    "metric histories (application/json), a TensorBoard event file "
    "(application/octet-stream), or any of these as the 'file' part of a "
    "multipart/form-data upload. The format of a log is detected unless the "
    "'format' query parameter names it; its options come from the query "
    "parameters or the upload's 'options' part. A log that cannot be read is "
    "a 422 whose 'errors' key is 'body' (or 'file') and whose detail names "
    "the line."
)
LOG_TEXT_SCHEMA = {"type": "string", "description": "The content of a log file."}


def log_query_parameters() -> list[dict[str, Any]]:
    """Query parameters of a log-file body: the format, then every option."""
    return [
        {
            "in": "query",
            "name": "format",
            "required": False,
            "description": "Format of the log; detected when left out. A JSON "
            "body with a format named is read as a log of that format.",
            "schema": {"type": "string", "enum": list(FORMATS)},
        },
        {"in": "query", "schema": OptionsSchema},
    ]


def diagnose_request_content() -> dict[str, Any]:
    """Request body media types of POST /v1/diagnoses."""
    json_log = {
        "type": "object",
        "description": "A Trainer trainer_state.json (with log_history) or MLflow "
        "metric histories (objects with key, value, timestamp and step).",
        "additionalProperties": True,
    }
    content: dict[str, Any] = {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": "#/components/schemas/DiagnoseRequest"},
                    json_log,
                ]
            },
            "example": DIAGNOSE_REQUEST_EXAMPLE,
        }
    }
    for mimetype in (
        "text/csv",
        "text/plain",
        "text/markdown",
        "application/x-ndjson",
        "application/jsonl",
    ):
        content[mimetype] = {"schema": dict(LOG_TEXT_SCHEMA)}
    content["application/octet-stream"] = {
        "schema": {
            "type": "string",
            "format": "binary",
            "description": "A TensorBoard event file, or any log file's bytes.",
        }
    }
    content["multipart/form-data"] = {
        "schema": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {
                    "type": "string",
                    "format": "binary",
                    "description": "The log file.",
                },
                "options": {
                    "type": "string",
                    "description": 'A JSON object of options, e.g. {"patience": 3}; '
                    "give options here or as query parameters, not both.",
                },
                "format": {"type": "string", "enum": list(FORMATS)},
            },
            "additionalProperties": False,
        }
    }
    return content


def add_batch_path(spec: APISpec) -> None:
    """Add POST /v1/diagnoses/batch and its schemas."""
    spec.components.schema("BatchRun", schema=BatchRunSchema)
    spec.components.schema("BatchRequest", schema=BatchRequestSchema)
    spec.components.schema("BatchResult", schema=BatchResultSchema)
    spec.path(
        path="/v1/diagnoses/batch",
        operations={
            "post": {
                "operationId": "createBatchDiagnosis",
                "summary": "Diagnose the runs of a sweep and rank them",
                "description": "Each run is loaded and diagnosed on its own: a "
                "run that fails validation gets an error entry and does not "
                "stop the others. The request fails as a whole only when its "
                "envelope is invalid: no runs, more than DIAGNOSE_MAX_BATCH_RUNS, "
                "or invalid options.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "BatchRequest"}},
                },
                "responses": {
                    "200": {
                        "description": "Each run's diagnosis or error, the ranking "
                        "and the counts by status.",
                        "content": {"application/json": {"schema": "BatchResult"}},
                    },
                    **problem_responses(["400", "401", "413", "415", "422"]),
                },
            }
        },
    )


def plot_format_parameter() -> dict[str, Any]:
    """Return the ``format`` query parameter of the plot routes."""
    return {
        "name": "format",
        "in": "query",
        "required": False,
        "schema": {
            "type": "string",
            "enum": list(PLOT_MIMETYPES),
            "default": DEFAULT_PLOT_FORMAT,
        },
        "description": "Image format; SVG keeps the labels as text.",
    }


def plot_image_response() -> dict[str, Any]:
    """Return the 200 response of the plot routes."""
    return {
        "description": "The annotated plot.",
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/svg+xml": {"schema": {"type": "string"}},
        },
    }


def add_report_paths(spec: APISpec) -> None:
    """Add the plot route and the report page (``diagnose_api.api.report``)."""
    html = {"text/html": {"schema": {"type": "string"}}}
    spec.path(
        path="/v1/diagnoses/plot",
        operations={
            "post": {
                "operationId": "createDiagnosisPlot",
                "summary": "Diagnose one training history and plot it",
                "description": "Loss and accuracy curves, raw and smoothed, with "
                "the best, divergence, recommended stop and non-finite epochs "
                "marked and labelled.",
                "parameters": [plot_format_parameter()],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "DiagnoseRequest"}},
                },
                "responses": {
                    "200": plot_image_response(),
                    **problem_responses(["400", "401", "413", "415", "422"]),
                },
            }
        },
    )
    spec.path(
        path="/",
        operations={
            "get": {
                "operationId": "reportForm",
                "summary": "Report page: a form to paste or upload a history",
                "responses": {"200": {"description": "HTML page.", "content": html}},
            }
        },
    )
    spec.path(
        path="/report",
        operations={
            "post": {
                "operationId": "createReport",
                "summary": "Report page of one pasted or uploaded history",
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "history_text": {
                                        "type": "string",
                                        "description": "The history as JSON.",
                                    },
                                    "history_file": {
                                        "type": "string",
                                        "format": "binary",
                                        "description": "Instead of history_text: "
                                        "a JSON file.",
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "The report page.", "content": html},
                    "413": {
                        "description": "The form with the size error.",
                        "content": html,
                    },
                    "422": {
                        "description": "The form with each invalid field path.",
                        "content": html,
                    },
                },
            }
        },
    )


# The HTML pages of live runs accept an API key as a Basic password too.
PAGE_SECURITY: list[dict[str, list[str]]] = [
    {"basicKey": []},
    {"bearerKey": []},
    {"headerKey": []},
    {},
]


def html_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"text/html": {"schema": {"type": "string"}}},
    }


def add_run_page_paths(spec: APISpec) -> None:
    """Add the report page of a live run and its live part (``api/run_pages.py``)."""
    spec.path(
        path="/runs/{run_id}",
        parameters=[dict(RUN_ID_PARAMETER)],
        operations={
            "get": {
                "operationId": "runReport",
                "summary": "Report page of a live run, updated as epochs arrive",
                "description": "The run, its stop decision and the report of its "
                "stored epochs. A same-origin script fetches "
                "/runs/{run_id}/live every 'refresh' seconds and swaps it in; "
                "without JavaScript a meta refresh reloads the page.",
                "security": PAGE_SECURITY,
                "parameters": [{"in": "query", "schema": RunReportQuerySchema}],
                "responses": {
                    "200": html_response("The page."),
                    **run_page_errors(),
                    "422": html_response("A query parameter is invalid."),
                },
            }
        },
    )
    spec.path(
        path="/runs/{run_id}/live",
        parameters=[dict(RUN_ID_PARAMETER)],
        operations={
            "get": {
                "operationId": "runReportLive",
                "summary": "The part of a live run's page that changes with each epoch",
                "security": PAGE_SECURITY,
                "parameters": [
                    {
                        "name": "If-None-Match",
                        "in": "header",
                        "required": False,
                        "description": "The ETag of the copy the page shows.",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {
                        **html_response("An HTML fragment."),
                        "headers": {"ETag": etag_header()},
                    },
                    "304": {
                        "description": "No epoch arrived since the ETag in "
                        "If-None-Match.",
                        "headers": {"ETag": etag_header()},
                    },
                    **run_page_errors(),
                },
            }
        },
    )


def run_page_errors() -> dict[str, Any]:
    """Return the error responses of the live-run pages, in order of status."""
    return {
        "401": html_response(
            "API keys are configured and the request carries none, or an "
            "invalid one; the challenge is WWW-Authenticate: Basic."
        ),
        "404": {
            "description": "No run has this id: an HTML page. A path that no "
            "route matches is problem+json, as everywhere.",
            "content": {
                **html_response("")["content"],
                "application/problem+json": {"schema": "Problem"},
            },
        },
        "503": html_response(UNAVAILABLE),
    }


def etag_header() -> dict[str, Any]:
    return {
        "description": "Identifies the fragment; send it back in If-None-Match.",
        "schema": {"type": "string"},
    }


def add_operations_paths(spec: APISpec) -> None:
    """Document the API-key schemes, ``/readyz`` and ``/metrics`` (diagnose_api/ops)."""
    spec.components.security_scheme(
        "bearerKey",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from DIAGNOSE_API_KEYS, as a bearer token.",
        },
    )
    spec.components.security_scheme(
        "headerKey",
        {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "An API key from DIAGNOSE_API_KEYS.",
        },
    )
    spec.components.security_scheme(
        "basicKey",
        {
            "type": "http",
            "scheme": "basic",
            "description": "For the HTML pages of live runs: any user name and an "
            "API key from DIAGNOSE_API_KEYS as the password.",
        },
    )
    # Keys are optional: {} allows requests without one when none is configured.
    spec.options["security"] = [{"bearerKey": []}, {"headerKey": []}, {}]
    spec.path(
        path="/readyz",
        operations={
            "get": {
                "operationId": "readyz",
                "summary": "Readiness probe",
                "responses": {
                    "200": {
                        "description": "Every readiness check passed.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "status": {"type": "string", "enum": ["ready"]},
                                        "checks": {
                                            "type": "object",
                                            "additionalProperties": {"type": "string"},
                                        },
                                    },
                                    "required": ["status", "checks"],
                                }
                            }
                        },
                    },
                    "503": {
                        "description": "A readiness check failed; 'errors' names it.",
                        "content": {"application/problem+json": {"schema": "Problem"}},
                    },
                },
            }
        },
    )
    spec.path(
        path="/metrics",
        operations={
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics of requests and diagnoses",
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format.",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    )


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
                    **problem_responses(["400", "401", "413", "415", "422"]),
                    "503": _problem_response(UNAVAILABLE),
                },
            },
            "get": {
                "operationId": "listRuns",
                "summary": "List runs newest first, by pages",
                "parameters": [{"in": "query", "schema": ListRunsQuerySchema}],
                "responses": {
                    "200": _json_response("One page of runs.", "RunPage"),
                    **problem_responses(["401"]),
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
                    **problem_responses(["401"]),
                    "404": _problem_response(NOT_FOUND),
                    "503": _problem_response(UNAVAILABLE),
                },
            },
            "delete": {
                "operationId": "deleteRun",
                "summary": "Delete a run and its epochs",
                "responses": {
                    "204": {"description": "Deleted."},
                    **problem_responses(["401"]),
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
                    **problem_responses(["400", "401", "413", "415", "422"]),
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
                    **problem_responses(["401"]),
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
    spec.path(
        path="/v1/runs/{run_id}/plot",
        parameters=[dict(RUN_ID_PARAMETER)],
        operations={
            "get": {
                "operationId": "getRunPlot",
                "summary": "Plot the epochs so far with their diagnosis marked",
                "description": "The plot of POST /v1/diagnoses/plot for the "
                "run's stored epochs and options.",
                "parameters": [plot_format_parameter()],
                "responses": {
                    "200": plot_image_response(),
                    **problem_responses(["401"]),
                    "404": _problem_response(NOT_FOUND),
                    "409": _problem_response(
                        "Fewer epochs are stored than a diagnosis needs (3), or "
                        "they cannot be diagnosed with the run's options."
                    ),
                    "422": _problem_response("The format is neither png nor svg."),
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
