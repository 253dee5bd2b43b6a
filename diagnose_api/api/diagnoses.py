"""``/v1/diagnoses``: diagnose one posted history or log file."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint
from flask import request

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.api.loading import load_any
from diagnose_api.api.loading import load_request
from diagnose_api.ops import diagnose_with_metrics
from diagnose_api.schemas.diagnosis import DiagnosisSchema

logger = logging.getLogger(__name__)

blueprint = Blueprint("diagnoses", __name__)
diagnosis_schema = DiagnosisSchema()

__all__ = ["blueprint", "create_diagnosis", "load_request"]


@blueprint.post("/v1/diagnoses")
def create_diagnosis() -> tuple[dict[str, Any], int]:
    """Diagnose one training history, sent as JSON or as a log file."""
    request_data = load_any(request)
    result = diagnose_with_metrics(diagnose, request_data.history, request_data.options)
    logger.debug(
        "diagnosed %d epochs: %s", request_data.history.n_epochs, result.status
    )
    return diagnosis_schema.dump(result), 200
