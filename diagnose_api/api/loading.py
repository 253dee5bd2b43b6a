"""Turn a ``POST /v1/diagnoses`` request of any accepted kind into a DiagnoseRequest.

Accepted bodies, by content type:

- ``application/json`` (or ``+json``): the request shape
  ``{"history"|"records", "epochs", "steps", "options"}``. A JSON document
  of another shape is read as a log: a Trainer ``trainer_state.json``
  (with ``log_history``) or MLflow metric histories;
- ``text/csv``, ``text/plain``, ``text/markdown``, ``application/x-ndjson``,
  ``application/jsonl``, ``application/octet-stream``: the content of a log
  file, its format detected unless the ``format`` query parameter names it;
- ``multipart/form-data``: a ``file`` part with the log, an optional
  ``options`` part holding a JSON object of options (a form field or a
  file), and an optional ``format`` field.

Options of a log come from the query parameters (or the ``options`` part),
checked by the same OptionsSchema as a JSON body's. A JSON request body
carries its options in its ``options`` field and takes no query parameters.
A log that cannot be read is a 422 whose ``errors`` key is ``body`` (or
``file`` for the multipart part) and whose detail names the line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from typing import NoReturn

from flask import Request
from flask import current_app
from marshmallow import ValidationError

from diagnose_api.api.body import is_json_mimetype
from diagnose_api.api.body import json_body
from diagnose_api.api.query_options import options_from_query
from diagnose_api.errors import UnsupportedMediaType
from diagnose_api.errors import ValidationFailed
from diagnose_api.errors import summarize
from diagnose_api.ingest import FORMATS
from diagnose_api.ingest import IngestError
from diagnose_api.ingest import detect_format
from diagnose_api.schemas.log_request import request_from_log
from diagnose_api.schemas.request import DiagnoseRequest
from diagnose_api.schemas.request import DiagnoseRequestSchema

LOG_MIMETYPES = frozenset(
    {
        "text/csv",
        "text/plain",
        "text/markdown",
        "application/x-ndjson",
        "application/jsonl",
        "application/octet-stream",
    }
)
MULTIPART = "multipart/form-data"
MULTIPART_PARTS = frozenset({"file", "options", "format"})
JSON_LOG_FORMATS = frozenset({"hf_trainer_state", "mlflow_json"})
REQUEST_SCHEMA_KEY = "diagnose_api.request_schema"

__all__ = ["LogRejected", "load_any", "request_from_log"]


class LogRejected(ValidationFailed):
    """A log file that a reader cannot read, as a 422 naming the line.

    Attributes
    ----------
    line : int or None
        1-based line of the log where reading failed.
    ingest_error : IngestError
        The reader's error, with ``expected``, ``got`` and ``fix``.
    """

    title = "Log file could not be read"
    slug = "invalid-log"

    def __init__(self, error: IngestError, source: str) -> None:
        message = str(error)
        super().__init__(message, {source: [message]})
        self.line = error.line
        self.ingest_error = error


def load_any(request: Request) -> DiagnoseRequest:
    """Load the request's body, whatever accepted kind it is, as a DiagnoseRequest.

    Raises
    ------
    UnsupportedMediaType
        For a content type not listed in the module docstring.
    InvalidBody
        For a JSON body that does not parse.
    LogRejected
        For a log file that cannot be read.
    marshmallow.ValidationError
        For a body, file or option that fails a request check.
    """
    mimetype = request.mimetype
    if is_json_mimetype(mimetype):
        return _load_json(request)
    if mimetype == MULTIPART:
        return _load_multipart(request)
    if mimetype in LOG_MIMETYPES:
        return read_log_request(
            request.get_data(cache=False),
            format=_format(request.args.getlist("format"), "query.format"),
            options=options_from_query(request.args),
            source="body",
            options_source="query",
        )
    received = mimetype or "none"
    raise UnsupportedMediaType(
        f"Content-Type {received!r} is not supported here; send the history as "
        "JSON with 'Content-Type: application/json', a log file as text/csv, "
        "text/plain or application/x-ndjson, or a multipart/form-data upload "
        "with a 'file' part."
    )


def read_log_request(
    data: bytes | str,
    *,
    filename: str | None = None,
    format: str | None = None,
    options: Mapping[str, Any] | None = None,
    source: str = "body",
    options_source: str = "options",
) -> DiagnoseRequest:
    """Read a log with the application's limits; IngestError becomes LogRejected."""
    try:
        return request_from_log(
            data,
            filename=filename,
            format=format,
            options=options,
            limits=current_app.config,
            source=source,
            options_source=options_source,
        )
    except IngestError as error:
        raise LogRejected(error, source) from None


def load_request(payload: Any) -> DiagnoseRequest:
    """Load a JSON body of the request shape."""
    if not isinstance(payload, dict):
        raise ValidationError(
            {"_schema": ["Expected a JSON object with a 'history' or 'records' field."]}
        )
    request: DiagnoseRequest = _request_schema().load(payload)
    return request


def _request_schema() -> DiagnoseRequestSchema:
    """Return the application's request schema, built on first use.

    It reads the limits from ``app.config`` at each load, so a changed
    limit still applies. Building a schema costs about as much as loading
    a 200-epoch history.
    """
    schema = current_app.extensions.get(REQUEST_SCHEMA_KEY)
    if schema is None:
        schema = DiagnoseRequestSchema(limits=current_app.config)
        current_app.extensions[REQUEST_SCHEMA_KEY] = schema
    return schema


def _load_json(request: Request) -> DiagnoseRequest:
    payload = json_body()
    format = _format(request.args.getlist("format"), "query.format")
    is_request_shape = isinstance(payload, dict) and (
        "history" in payload or "records" in payload
    )
    if format is None and not is_request_shape:
        format = _json_log_format(request.get_data(cache=True))
    if format is not None:
        return read_log_request(
            request.get_data(cache=True),
            format=format,
            options=options_from_query(request.args),
            source="body",
            options_source="query",
        )
    if request.args:
        message = (
            "Query parameters apply to log files only; put options in the "
            "JSON body's 'options' field."
        )
        errors = {f"query.{name}": [message] for name in request.args}
        raise ValidationFailed(summarize(errors), errors)
    return load_request(payload)


def _json_log_format(raw: bytes) -> str | None:
    """Return the JSON log format of ``raw``, or None when it is neither kind."""
    try:
        format = detect_format(raw)
    except IngestError:
        return None
    return format if format in JSON_LOG_FORMATS else None


def _reject(path: str, message: str) -> NoReturn:
    errors = {path: [message]}
    raise ValidationFailed(summarize(errors), errors)


def _format(values: list[str], path: str) -> str | None:
    if not values:
        return None
    if len(values) > 1:
        _reject(path, f"Given {len(values)} times; give the format once.")
    value = values[0]
    if value not in FORMATS:
        _reject(path, f"Unknown format {value!r}; choose one of {', '.join(FORMATS)}.")
    return value


def _load_multipart(request: Request) -> DiagnoseRequest:
    unknown = sorted((set(request.files) | set(request.form)) - MULTIPART_PARTS)
    if unknown:
        _reject(
            unknown[0],
            "Unknown part; the upload takes the parts file, options and format.",
        )
    data, filename = _file_part(request)
    form_format = request.form.getlist("format")
    if form_format and "format" in request.args:
        _reject(
            "format", "Give the format as a part or as a query parameter, not both."
        )
    format = _format(form_format, "format") or _format(
        request.args.getlist("format"), "query.format"
    )
    query_options = options_from_query(request.args)
    part_options = _options_part(request)
    if part_options is not None and query_options:
        _reject(
            "options",
            "Give options in the 'options' part or as query parameters, not both.",
        )
    return read_log_request(
        data,
        filename=filename,
        format=format,
        options=query_options if part_options is None else part_options,
        source="file",
        options_source="query" if part_options is None else "options",
    )


def _file_part(request: Request) -> tuple[bytes | str, str | None]:
    """Return the content and file name of the one ``file`` part."""
    uploads = request.files.getlist("file")
    fields = request.form.getlist("file")
    if not uploads and not fields:
        _reject(
            "file",
            "Missing the 'file' part; send the log as a file part, e.g. "
            "curl -F file=@metrics.csv.",
        )
    if len(uploads) + len(fields) > 1:
        _reject(
            "file",
            "Send one 'file' part per request; post several runs to "
            "/v1/diagnoses/batch.",
        )
    if uploads:
        return uploads[0].read(), uploads[0].filename or None
    return fields[0], None


def _options_part(request: Request) -> dict[str, Any] | None:
    """Return the JSON object of the ``options`` part (a field or a file), if any."""
    texts = request.form.getlist("options") + [
        upload.read().decode("utf-8", "replace")
        for upload in request.files.getlist("options")
    ]
    if not texts:
        return None
    if len(texts) > 1:
        _reject("options", "Send one 'options' part.")
    try:
        options = json.loads(texts[0])
    except json.JSONDecodeError as error:
        _reject(
            "options",
            f"The part is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}.",
        )
    if not isinstance(options, dict):
        _reject("options", 'Expected a JSON object of options, e.g. {"patience": 3}.')
    return options
