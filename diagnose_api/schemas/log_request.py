"""Diagnosis requests built from log files, checked like a JSON body.

A log is read by ``ingest.read_log`` into a ``ParsedLog``, whose series,
epochs and steps become the body ``{"history": ..., "epochs": ...,
"steps": ..., "options": ...}``. That body is loaded by
``DiagnoseRequestSchema``, so a file passes every check a JSON body does
(at least 3 epochs, a loss series, the series and epoch limits, a monitor
that exists). The log's notes and its checkpoints go onto the History.

Error paths name where the log came from: a schema error on ``history`` or
``epochs`` is reported under ``source`` (``body``, ``file``,
``runs[2].log``), one on ``options`` under ``options_source``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from marshmallow import ValidationError

from diagnose_api.errors import flatten_messages
from diagnose_api.ingest import DEFAULT_MAX_BYTES
from diagnose_api.ingest import ParsedLog
from diagnose_api.ingest import read_log
from diagnose_api.schemas.request import DiagnoseRequest
from diagnose_api.schemas.request import DiagnoseRequestSchema
from diagnose_api.schemas.trainer_checkpoints import checkpoints_from_meta

DEFAULT_MAX_LOG_ROWS = 50_000
_BODY_FIELDS = ("history", "epochs", "steps", "_schema")


def request_body(
    parsed: ParsedLog, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the JSON-shaped request body that ``parsed`` stands for."""
    body: dict[str, Any] = {"history": dict(parsed.series)}
    if parsed.epochs is not None:
        body["epochs"] = list(parsed.epochs)
    if parsed.steps is not None:
        body["steps"] = list(parsed.steps)
    if options is not None:
        body["options"] = dict(options)
    return body


def relabel(
    errors: dict[str, list[str]], source: str, options_source: str
) -> dict[str, list[str]]:
    """Rename the error paths of a body built from a log to the log's source.

    ``history.loss`` becomes ``<source>.loss``, ``epochs[3]`` becomes
    ``<source>.epochs[3]`` and ``options.patience`` becomes
    ``<options_source>.patience``.
    """
    renamed: dict[str, list[str]] = {}
    for path, messages in errors.items():
        head, separator, rest = path.partition(".")
        field = head.split("[", 1)[0]
        if field == "options":
            new_path = options_source + separator + rest
        elif field == "history":
            new_path = source + separator + rest
        elif field in _BODY_FIELDS:
            new_path = source if field == "_schema" else f"{source}.{path}"
        else:
            new_path = path
        renamed.setdefault(new_path, []).extend(messages)
    return renamed


def request_from_parsed(
    parsed: ParsedLog,
    *,
    options: Mapping[str, Any] | None = None,
    limits: Mapping[str, Any] | None = None,
    source: str = "body",
    options_source: str = "options",
) -> DiagnoseRequest:
    """Load a parsed log as a DiagnoseRequest with the request schema's checks.

    Parameters
    ----------
    parsed : ParsedLog
        The log as a reader returned it.
    options : mapping, optional
        Options as a JSON body would carry them, checked by OptionsSchema.
    limits : mapping, optional
        The service settings (``MAX_EPOCHS``, ``MAX_SERIES``).
    source, options_source : str
        Names for the error paths, as described in the module docstring.

    Raises
    ------
    marshmallow.ValidationError
        With flat messages keyed by the relabelled paths.
    """
    body = request_body(parsed, options)
    schema = DiagnoseRequestSchema(limits=dict(limits or {}))
    try:
        loaded: DiagnoseRequest = schema.load(body)
    except ValidationError as error:
        flat = flatten_messages(error.messages)
        raise ValidationError(relabel(flat, source, options_source)) from None
    history = replace(
        loaded.history,
        notes=parsed.notes,
        checkpoints=checkpoints_from_meta(parsed.meta),
    )
    return DiagnoseRequest(history=history, options=loaded.options)


def request_from_log(
    data: bytes | str,
    *,
    filename: str | None = None,
    format: str | None = None,
    options: Mapping[str, Any] | None = None,
    limits: Mapping[str, Any] | None = None,
    source: str = "body",
    options_source: str = "options",
) -> DiagnoseRequest:
    """Read a log file's content and load it as a DiagnoseRequest.

    The reader limits come from ``limits``: ``MAX_LOG_ROWS`` records (default
    50,000) and ``MAX_CONTENT_LENGTH`` bytes (default 64 MiB).

    Raises
    ------
    diagnose_api.ingest.IngestError
        When the log cannot be read; its message names the line.
    marshmallow.ValidationError
        When the log reads but fails a request check (see
        ``request_from_parsed``).
    """
    limits = limits or {}
    parsed = read_log(
        data,
        format=format,
        filename=filename,
        max_bytes=int(limits.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_BYTES),
        max_rows=int(limits.get("MAX_LOG_ROWS") or DEFAULT_MAX_LOG_ROWS),
    )
    return request_from_parsed(
        parsed,
        options=options,
        limits=limits,
        source=source,
        options_source=options_source,
    )
