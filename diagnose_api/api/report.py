"""The report page and the plot route: a diagnosis drawn and explained.

``GET /`` shows a form to paste or upload a history. ``POST /report``
diagnoses it and renders the report page. Input that fails validation gets
the form back with HTTP 422 and the path of each invalid field.
``POST /v1/diagnoses/plot?format=png|svg`` takes the body of
``/v1/diagnoses`` and returns the annotated plot.

A report renders from any (history, diagnosis) pair: ``report_context``
builds the template variables, and ``report.html`` includes the reusable
``_report.html`` partial.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from marshmallow import ValidationError
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.history import History
from diagnose_api.analysis.result import Diagnosis
from diagnose_api.api.body import json_body
from diagnose_api.api.diagnoses import diagnosis_schema
from diagnose_api.api.diagnoses import load_request
from diagnose_api.api.plot_response import plot_response
from diagnose_api.api.plot_response import requested_plot_format
from diagnose_api.errors import flatten_messages
from diagnose_api.ingest import IngestError
from diagnose_api.plots import describe_plot
from diagnose_api.plots import epoch_markers
from diagnose_api.plots import non_finite_marker
from diagnose_api.plots import plan_panels
from diagnose_api.plots import render_history
from diagnose_api.schemas.fields import describe
from diagnose_api.schemas.log_request import request_from_log
from diagnose_api.schemas.request import DiagnoseRequest

logger = logging.getLogger(__name__)

blueprint = Blueprint("report", __name__)

# The pages run no script and load only this service's stylesheet and the
# inlined plot.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}
TEXT_FIELD = "history_text"
FILE_FIELD = "history_file"

# The history of the README's first request, offered on the form as an example.
EXAMPLE_HISTORY = {
    "loss": [1.0799, 0.8158, 0.6541, 0.5162, 0.3926, 0.2804, 0.1864, 0.1155, 0.0698],
    "val_loss": [
        1.0686,
        0.9982,
        0.9794,
        0.9962,
        1.0285,
        1.0956,
        1.1609,
        1.2688,
        1.3471,
    ],
    "accuracy": [0.6451, 0.7277, 0.7798, 0.834, 0.884, 0.9298, 0.9629, 0.9825, 0.9923],
    "val_accuracy": [
        0.6306,
        0.6488,
        0.6616,
        0.6633,
        0.6587,
        0.6616,
        0.6584,
        0.6502,
        0.6493,
    ],
}


# --- Plot route -------------------------------------------------------------


@blueprint.post("/v1/diagnoses/plot")
def create_plot() -> Response:
    """Diagnose one history and return its annotated plot as PNG or SVG."""
    fmt = requested_plot_format()
    request_data = load_request(json_body())
    result = diagnose(request_data.history, request_data.options)
    return plot_response(
        request_data.history,
        result,
        fmt=fmt,
        smoothing=request_data.options.smoothing,
    )


# --- Report page --------------------------------------------------------------


@dataclass(frozen=True)
class PlotImage:
    """A plot ready for an ``<img>``: its data URL and its text alternative."""

    src: str
    alt: str


def report_context(
    history: History, diagnosis: Diagnosis, *, smoothing: float
) -> dict[str, Any]:
    """Build the variables of the ``_report.html`` partial.

    Returns
    -------
    dict
        ``diagnosis`` is the diagnosis as the API returns it, a dict dumped
        by ``DiagnosisSchema``. ``plot`` is a ``PlotImage`` with the SVG
        plot inlined as a base64 data URL.
    """
    svg = render_history(history, diagnosis, fmt="svg", smoothing=smoothing)
    panels = plan_panels(history)
    markers = list(epoch_markers(diagnosis))
    for panel in panels:
        marker = non_finite_marker(history, panel.names)
        if marker is not None and marker not in markers:
            markers.append(marker)
    plot = PlotImage(
        src="data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
        alt=describe_plot(tuple(panel.kind for panel in panels), tuple(markers)),
    )
    return {"diagnosis": diagnosis_schema.dump(diagnosis), "plot": plot}


@blueprint.get("/")
def index() -> tuple[str, int, dict[str, str]]:
    """Show the form, filled with an overfitting history when ``?example=1``."""
    text = ""
    if request.args.get("example"):
        text = json.dumps(EXAMPLE_HISTORY, indent=1)
    return render_template("index.html", **form_context(text)), 200, PAGE_HEADERS


@blueprint.post("/report")
def submit() -> tuple[str, int, dict[str, str]]:
    """Diagnose the pasted or uploaded history and render its report."""
    # Flask caps a non-file form field at MAX_FORM_MEMORY_SIZE (500 kB by
    # default), but a pasted history may be as large as the body limit.
    request.max_form_memory_size = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        text = request.form.get(TEXT_FIELD, "")
        upload = request.files.get(FILE_FIELD)
    except RequestEntityTooLarge:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        errors = {
            FILE_FIELD: [
                f"The submission exceeds the limit of {limit} bytes; send a "
                "shorter history or raise DIAGNOSE_MAX_CONTENT_LENGTH."
            ]
        }
        page = render_template("index.html", **form_context("", errors))
        return page, 413, PAGE_HEADERS

    source = None
    try:
        submission = read_submission(text, upload)
        source = submission.field
        request_data = load_submission(submission)
    except ValidationError as error:
        errors = flatten_messages(error.messages)
        logger.info("report form failed validation: fields=%s", sorted(errors))
        page = render_template("index.html", **form_context(text, errors, source))
        return page, 422, PAGE_HEADERS

    result = diagnose(request_data.history, request_data.options)
    context = report_context(
        request_data.history, result, smoothing=request_data.options.smoothing
    )
    return render_template("report.html", **context), 200, PAGE_HEADERS


@blueprint.app_template_filter("diagnosis_value")
def format_value(value: Any) -> str:
    """Format a value of a dumped diagnosis for the page: 4 significant digits."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def form_context(
    text: str, errors: dict[str, list[str]] | None = None, source: str | None = None
) -> dict[str, Any]:
    """Build the form's template variables.

    ``source`` names the input whose content failed validation. That input
    is marked invalid, along with every input that ``errors`` names.
    """
    errors = errors or {}
    invalid_fields = {field for field in (TEXT_FIELD, FILE_FIELD) if field in errors}
    if errors and source is not None:
        invalid_fields.add(source)
    return {
        "text": text,
        "errors": errors,
        "invalid_fields": invalid_fields,
        "text_field": TEXT_FIELD,
        "file_field": FILE_FIELD,
        "accepted_files": ACCEPTED_FILES,
    }


@dataclass(frozen=True)
class Submission:
    """The one input the user filled in: its form field, file name and text."""

    field: str
    filename: str | None
    content: str


def read_submission(text: str, upload: FileStorage | None) -> Submission:
    """Pick the form's text box or file, whichever was filled in.

    Raises
    ------
    marshmallow.ValidationError
        Keyed by the form field, when neither or both inputs are filled or
        the file is not UTF-8.
    """
    has_text = bool(text.strip())
    file = upload if upload is not None and upload.filename else None
    if not has_text and file is None:
        raise ValidationError(
            {TEXT_FIELD: ["Paste a history or choose a file, then submit."]}
        )
    if has_text and file is not None:
        raise ValidationError(
            {
                FILE_FIELD: [
                    "Both a pasted history and a file were sent; clear the text "
                    "box to use the file, or remove the file."
                ]
            }
        )
    if file is None:
        return Submission(TEXT_FIELD, None, text)
    try:
        content = file.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            {
                FILE_FIELD: [
                    "The file is not UTF-8 text (invalid byte at offset "
                    f"{error.start})."
                ]
            }
        ) from None
    return Submission(FILE_FIELD, file.filename, content)


def load_submission(submission: Submission) -> DiagnoseRequest:
    """Load the submission as the JSON request shape, or else as a log file.

    JSON that has the request's shape (Keras' ``history.history``, records,
    or a whole body) goes through ``load_request``, so its errors name the
    field. Anything else (CSV, console output, a model card's table, JSON
    Lines, a Trainer ``trainer_state.json``) is read by ``diagnose_api.ingest``,
    and a log that cannot be read is reported with its line number.
    """
    if is_request_json(submission.content):
        return load_request(parse_submission(submission))
    try:
        return request_from_log(
            submission.content,
            filename=submission.filename,
            limits=current_app.config,
        )
    except IngestError as error:
        raise ValidationError({submission.field: [str(error)]}) from None


def is_request_json(text: str) -> bool:
    """Check whether the text is JSON meant as the request shape.

    Not JSON at all, JSON Lines, and JSON of a log format (an object with
    ``log_history``, MLflow metric histories) are logs. Broken JSON that
    starts like an object or a list counts as request JSON, so that its
    syntax error is reported with line and column.
    """
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return text.lstrip().startswith(("{", "[")) and not is_json_lines(text)
    if isinstance(data, dict):
        if "history" in data or "records" in data:
            return True
        return "log_history" not in data and "metrics" not in data
    if isinstance(data, list):
        return not any(
            isinstance(item, dict) and "key" in item and "value" in item
            for item in data
        )
    return True


def is_json_lines(text: str) -> bool:
    """Check whether every non-blank line is a JSON object."""
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        return len(lines) > 1 and all(
            isinstance(json.loads(line), dict) for line in lines
        )
    except (json.JSONDecodeError, RecursionError):
        return False


def parse_submission(submission: Submission) -> dict[str, Any]:
    """Parse the submitted text, keying a rejection by its form field."""
    try:
        return parse_pasted(submission.content, submission.filename)
    except ValidationError as error:
        raise ValidationError({submission.field: error.messages}) from None


# --- Reading pasted text ------------------------------------------------------
# parse_pasted turns JSON text into the body of POST /v1/diagnoses; other
# formats go through load_submission. ACCEPTED_FILES is the file input's
# accept attribute.

ACCEPTED_FILES = (
    ".json,.csv,.txt,.log,.jsonl,.ndjson,.md,application/json,text/csv,text/plain"
)


def parse_pasted(text: str, filename: str | None = None) -> dict[str, Any]:
    """Parse pasted or uploaded text into a ``/v1/diagnoses`` request body.

    Accepted: JSON as Keras' ``history.history`` (metric name -> list),
    as records (a list of one object per epoch), or as a whole request
    body (an object with ``history`` or ``records``, and optionally
    ``epochs`` and ``options``). The ``NaN`` and ``Infinity`` tokens of
    Python's ``json`` module are accepted.

    Parameters
    ----------
    text : str
        The pasted text or the decoded file.
    filename : str or None
        The uploaded file's name, None for pasted text; it only words the
        error message today.

    Returns
    -------
    dict
        The request body, for ``load_request``.

    Raises
    ------
    marshmallow.ValidationError
        With one message that the page shows, when the text is not JSON or
        not an object or a list.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        suffix = PurePath(filename).suffix.lower() if filename else ""
        if suffix and suffix != ".json":
            raise ValidationError(f"{filename} is not valid JSON.") from None
        raise ValidationError(
            f"Not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}. Paste Keras' history.history, e.g. "
            '{"loss": [0.9, 0.7, 0.6], "val_loss": [1.0, 0.9, 0.95]}.'
        ) from None
    except RecursionError:
        raise ValidationError("The JSON nests too deeply.") from None

    if isinstance(data, dict) and ("history" in data or "records" in data):
        return data
    if isinstance(data, dict):
        return {"history": data}
    if isinstance(data, list):
        return {"records": data}
    raise ValidationError(
        "Expected a JSON object of metric name -> values or a list of "
        f"per-epoch objects, got {describe(data)}."
    )
