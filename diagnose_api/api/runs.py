"""``/v1/runs``: live runs that a training loop appends to, epoch by epoch."""

from __future__ import annotations

import logging
import math
import uuid
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request
from flask import url_for
from marshmallow import ValidationError

from diagnose_api.api.body import json_body
from diagnose_api.api.plot_response import plot_response
from diagnose_api.api.plot_response import requested_plot_format
from diagnose_api.api.run_diagnosis import DiagnosedRun
from diagnose_api.api.run_diagnosis import diagnose_run
from diagnose_api.api.run_store import run_store
from diagnose_api.errors import Conflict
from diagnose_api.errors import NotFound
from diagnose_api.errors import ServiceUnavailable
from diagnose_api.errors import flatten_messages
from diagnose_api.errors import problem
from diagnose_api.errors import summarize
from diagnose_api.schemas.request import MIN_EPOCHS
from diagnose_api.schemas.runs import AppendEpochsSchema
from diagnose_api.schemas.runs import AppendResultSchema
from diagnose_api.schemas.runs import CreateRunSchema
from diagnose_api.schemas.runs import ListRunsQuerySchema
from diagnose_api.schemas.runs import RunDetailSchema
from diagnose_api.schemas.runs import RunDiagnosisSchema
from diagnose_api.schemas.runs import RunPageSchema
from diagnose_api.schemas.runs import RunSchema
from diagnose_api.schemas.runs import RunWithEpochs
from diagnose_api.schemas.runs import load_epoch_record
from diagnose_api.store import EpochConflict
from diagnose_api.store import EpochRow
from diagnose_api.store import InvalidCursor
from diagnose_api.store import MetricConflict
from diagnose_api.store import Run
from diagnose_api.store import RunNotFound
from diagnose_api.store import StoreUnavailable

logger = logging.getLogger(__name__)

blueprint = Blueprint("runs", __name__)
create_run_schema = CreateRunSchema()
list_runs_query_schema = ListRunsQuerySchema()
run_schema = RunSchema()
run_detail_schema = RunDetailSchema()
run_page_schema = RunPageSchema()
append_result_schema = AppendResultSchema()
run_diagnosis_schema = RunDiagnosisSchema()

# Seconds a client should wait before retrying while the store is down.
RETRY_AFTER_SECONDS = 1


@blueprint.post("/v1/runs")
def create_run() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create a run with a name, tags and the stop rule to apply."""
    payload = json_body()
    if not isinstance(payload, dict):
        raise ValidationError(
            {"_schema": ["Expected a JSON object with name, tags and options."]}
        )

    request_data = create_run_schema.load(payload)
    run = run_store().create_run(
        name=request_data.name, tags=request_data.tags, stop_rule=request_data.stop_rule
    )
    logger.info("created run %s", run.id)
    location = url_for("runs.get_run", run_id=run.id)
    return run_schema.dump(run), 201, {"Location": location}


@blueprint.get("/v1/runs")
def list_runs() -> dict[str, Any]:
    """List runs newest first, one page at a time, optionally by tag."""
    query = list_runs_query_schema.load(request.args.to_dict())
    try:
        page = run_store().list_runs(
            tag=query.get("tag"), limit=query["limit"], cursor=query.get("cursor")
        )
    except InvalidCursor as error:
        raise ValidationError({"cursor": [_sentence(str(error))]}) from None

    return run_page_schema.dump(page)


@blueprint.get("/v1/runs/<run_id>")
def get_run(run_id: str) -> dict[str, Any]:
    """Return a run and its stored epochs."""
    run, rows = load_run(run_id)
    return run_detail_schema.dump(RunWithEpochs.of(run, rows))


@blueprint.delete("/v1/runs/<run_id>")
def delete_run(run_id: str) -> tuple[str, int]:
    """Delete a run and its epochs."""
    _check_run_id(run_id)
    if not run_store().delete_run(run_id):
        raise _run_not_found(run_id)

    logger.info("deleted run %s", run_id)
    return "", 204


@blueprint.post("/v1/runs/<run_id>/epochs")
def append_epochs(run_id: str) -> dict[str, Any]:
    """Append one epoch object, or ``{"epochs": [...]}``, idempotently by epoch."""
    _check_run_id(run_id)
    rows, paths = _load_epochs(json_body())
    # NOTE: a run's total epoch count is not capped here; past
    # DIAGNOSE_MAX_EPOCHS its diagnosis fails with 409.
    try:
        result = run_store().append_epochs(run_id, rows)
    except RunNotFound:
        raise _run_not_found(run_id) from None
    except EpochConflict as conflict:
        raise _conflict_error(conflict, paths) from None

    return append_result_schema.dump(
        {"run_id": run_id, "inserted": result.inserted, "unchanged": result.unchanged}
    )


@blueprint.get("/v1/runs/<run_id>/diagnosis")
def get_diagnosis(run_id: str) -> dict[str, Any]:
    """Diagnose the epochs stored so far and report whether training should stop."""
    run, rows = load_run(run_id)
    diagnosed = diagnose_stored(run, rows)
    return run_diagnosis_schema.dump(diagnosed.decision)


@blueprint.get("/v1/runs/<run_id>/plot")
def get_plot(run_id: str) -> Response:
    """Plot the epochs stored so far with their diagnosis, as PNG or SVG.

    A run with fewer epochs than a diagnosis needs is 409, because the
    plot's markers come from the diagnosis.
    """
    run, rows = load_run(run_id)
    fmt = requested_plot_format()
    diagnosed = diagnose_stored(run, rows)
    if diagnosed.request is None:
        raise Conflict(
            f"Run {run_id!r} has {len(rows)} epoch(s) stored; a plot needs at "
            f"least {MIN_EPOCHS}. Append more epochs and retry."
        )

    return plot_response(
        diagnosed.request.history,
        diagnosed.decision.diagnosis,
        fmt=fmt,
        smoothing=diagnosed.request.options.smoothing,
    )


def diagnose_stored(run: Run, rows: list[EpochRow]) -> DiagnosedRun:
    """Diagnose a run's stored epochs with its options.

    Raises
    ------
    Conflict
        If the stored epochs and the options do not form a valid request;
        ``errors`` names the paths under ``epochs`` and ``options``.
    """
    try:
        return diagnose_run(run, rows, current_app.config)
    except ValidationError as error:
        errors = {
            _stored_path(path): messages
            for path, messages in flatten_messages(error.messages).items()
        }
        raise Conflict(
            "The run's stored epochs cannot be diagnosed with its options: "
            f"{summarize(errors)}",
            errors,
        ) from None


@blueprint.errorhandler(StoreUnavailable)
def handle_store_unavailable(error: StoreUnavailable) -> Response:
    # The message names the database file or server, so it goes to the log only.
    logger.warning(
        "run store unavailable on %s %s: %s", request.method, request.path, error
    )
    return problem(
        ServiceUnavailable.status,
        ServiceUnavailable.title,
        "The run store is unavailable; retry the request later.",
        ServiceUnavailable.slug,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def load_run(run_id: str) -> tuple[Run, list[EpochRow]]:
    """Return the run with this id and its stored epochs.

    Raises
    ------
    NotFound
        If ``run_id`` is malformed or no run has it.
    """
    _check_run_id(run_id)
    store = run_store()
    run = store.get_run(run_id)
    if run is None:
        raise _run_not_found(run_id)

    try:
        rows = store.get_epochs(run_id)
    except RunNotFound:
        # Deleted between the two reads.
        raise _run_not_found(run_id) from None

    return run, rows


def _load_epochs(payload: Any) -> tuple[list[EpochRow], dict[float, str]]:
    """Load one epoch object or ``{"epochs": [...]}``.

    Returns the rows and, for each epoch, the path of its object in the
    request body (``""`` for a single object, ``epochs[i]`` otherwise).
    """
    if isinstance(payload, dict) and "epochs" in payload:
        schema = AppendEpochsSchema(limits=current_app.config)
        rows: list[EpochRow] = schema.load(payload)
        return rows, {row.epoch: f"epochs[{index}]" for index, row in enumerate(rows)}

    max_series = int(current_app.config["MAX_SERIES"])
    row = load_epoch_record(payload, max_series=max_series)
    return [row], {row.epoch: ""}


def _check_run_id(run_id: str) -> None:
    """Raise ``NotFound`` unless ``run_id`` is the hex form of a UUID4."""
    try:
        parsed = uuid.UUID(hex=run_id)
    except ValueError:
        parsed = None

    if parsed is None or parsed.hex != run_id or parsed.version != 4:
        raise NotFound(
            f"Run {run_id!r} not found; run ids are the 32 lowercase hexadecimal "
            "digits that POST /v1/runs returns."
        )


def _run_not_found(run_id: str) -> NotFound:
    return NotFound(f"Run {run_id!r} not found; it was never created or was deleted.")


def _conflict_error(conflict: EpochConflict, paths: dict[float, str]) -> Conflict:
    """Describe an ``EpochConflict`` with the request's own field paths."""
    epoch = conflict.epoch
    prefix = paths.get(epoch, "")
    errors: dict[str, list[str]] = {}
    for metric_conflict in conflict.conflicts:
        metric = metric_conflict.metric
        path = f"{prefix}.{metric}" if prefix else metric
        errors[path] = [f"Epoch {epoch:g}: {_difference(metric_conflict)}."]

    for other in conflict.conflicting_epochs[1:]:
        path = paths.get(other) or "epochs"
        errors.setdefault(path, []).append(
            f"Epoch {other:g} is also stored with other values."
        )

    differences = "; ".join(_difference(item) for item in conflict.conflicts)
    more = len(conflict.conflicting_epochs) - 1
    tail = f" {more} more epoch(s) of this request conflict too." if more else ""
    return Conflict(
        f"Epoch {epoch:g} is already stored with other values ({differences}). "
        f"Nothing of this request was written.{tail} Resend the stored values, or "
        "log a retrained model as a new run.",
        errors,
    )


def _difference(conflict: MetricConflict) -> str:
    """Say how one metric differs, such as ``val_loss stored 0.52, sent 0.61``."""
    stored = _json_value(conflict.stored) if conflict.stored_present else "absent"
    sent = _json_value(conflict.sent) if conflict.sent_present else "absent"
    return f"{conflict.metric} stored {stored}, sent {sent}"


def _json_value(value: float | None) -> str:
    """Spell a metric value as the request's JSON would."""
    if value is None:
        return "null"

    if math.isnan(value):
        return "NaN"

    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"

    return repr(value)


def _stored_path(path: str) -> str:
    """Name a validation path of the stored history after the run's epochs."""
    if path == "history" or path.startswith(("history.", "history[")):
        return "epochs" + path[len("history") :]

    return path


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."
