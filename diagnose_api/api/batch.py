"""``/v1/diagnoses/batch``: diagnose the runs of a sweep and rank them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from typing import NoReturn

from flask import Blueprint
from flask import current_app
from flask import g
from marshmallow import ValidationError

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.ranking import rank_runs
from diagnose_api.analysis.result import Diagnosis
from diagnose_api.api.body import json_body
from diagnose_api.errors import TYPE_BASE
from diagnose_api.errors import ValidationFailed
from diagnose_api.errors import flatten_messages
from diagnose_api.errors import summarize
from diagnose_api.schemas.batch import COUNT_KEYS
from diagnose_api.schemas.batch import BatchRequestSchema
from diagnose_api.schemas.batch import BatchResultSchema
from diagnose_api.schemas.batch import BatchRun
from diagnose_api.schemas.batch import BatchRunSchema

logger = logging.getLogger(__name__)

blueprint = Blueprint("batch", __name__)
result_schema = BatchResultSchema()


@dataclass(frozen=True)
class RunResult:
    """One run's entry in the response: a diagnosis or a problem object."""

    index: int
    name: str | None
    diagnosis: Diagnosis | None
    error: dict[str, Any] | None


@dataclass(frozen=True)
class BatchResult:
    runs: tuple[RunResult, ...]
    ranking: tuple[str, ...]
    counts: dict[str, int]


@blueprint.post("/v1/diagnoses/batch")
def create_batch() -> tuple[dict[str, Any], int]:
    """Diagnose every run of a sweep; one bad run gets its own error entry."""
    payload = json_body()
    if not isinstance(payload, dict):
        raise ValidationError(
            {"_schema": ["Expected a JSON object with a 'runs' list."]}
        )
    envelope = BatchRequestSchema(limits=current_app.config).load(payload)
    options = payload.get("options") or {}
    results = _diagnose_runs(envelope["runs"], options)
    diagnosed = [
        (result.name, result.diagnosis)
        for result in results
        if result.diagnosis is not None and result.name is not None
    ]
    ranking = rank_runs(diagnosed, monitor_chosen="monitor" in options)
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for result in results:
        key = "error" if result.diagnosis is None else result.diagnosis.status.value
        counts[key] += 1
    logger.debug("diagnosed a batch of %d runs: %s", len(results), counts)
    batch = BatchResult(
        runs=tuple(results),
        ranking=tuple(run.name for run in ranking),
        counts=counts,
    )
    return result_schema.dump(batch), 200


def _diagnose_runs(runs: list[Any], options: dict[str, Any]) -> list[RunResult]:
    # NOTE: runs are diagnosed one after another in this worker; 200 short
    # runs took about 40 s on the loaded 2-core development machine, past
    # gunicorn's default 30 s DIAGNOSE_TIMEOUT.
    results = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(runs):
        name = raw.get("name") if isinstance(raw, dict) else None
        name = name if isinstance(name, str) else None
        try:
            run = _load_run(index, raw, options, seen)
            diagnosis = diagnose(run.request.history, run.request.options)
        except ValidationFailed as error:
            logger.info(
                "batch run %d (%r) rejected, request_id=%s: %s",
                index,
                name,
                getattr(g, "request_id", None),
                error.detail,
            )
            results.append(RunResult(index, name, None, _problem(error.errors or {})))
            continue
        seen[run.name] = index
        results.append(RunResult(index, run.name, diagnosis, None))
    return results


def _load_run(
    index: int, raw: Any, options: dict[str, Any], seen: dict[str, int]
) -> BatchRun:
    """Load one run, raising ValidationFailed with paths under ``runs[index]``."""
    prefix = f"runs[{index}]"
    if not isinstance(raw, dict):
        _fail(
            prefix, "Expected an object with 'name' and one of history, records or log."
        )
    name = raw.get("name")
    if isinstance(name, str) and name in seen:
        _fail(
            f"{prefix}.name",
            f"Repeats the name of runs[{seen[name]}]; give each run its own name.",
        )
    schema = BatchRunSchema(limits=current_app.config, options=options)
    try:
        run: BatchRun = schema.load(raw)
    except ValidationError as error:
        errors = {
            _join(prefix, path): messages
            for path, messages in flatten_messages(error.messages).items()
        }
        raise ValidationFailed(summarize(errors), errors) from None
    return run


def _join(prefix: str, path: str) -> str:
    if path == "_schema":
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def _fail(path: str, message: str) -> NoReturn:
    errors = {path: [message]}
    raise ValidationFailed(summarize(errors), errors)


def _problem(errors: dict[str, list[str]]) -> dict[str, Any]:
    """Build the problem object of a run that failed validation."""
    return {
        "type": TYPE_BASE + ValidationFailed.slug,
        "title": ValidationFailed.title,
        "status": ValidationFailed.status,
        "detail": summarize(errors),
        "errors": errors,
    }
