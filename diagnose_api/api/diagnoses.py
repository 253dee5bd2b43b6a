"""``/v1/diagnoses``: diagnose one posted history."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint
from flask import current_app
from marshmallow import ValidationError

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.api.body import json_body
from diagnose_api.ops import diagnose_with_metrics
from diagnose_api.schemas.diagnosis import DiagnosisSchema
from diagnose_api.schemas.request import DiagnoseRequestSchema

logger = logging.getLogger(__name__)

blueprint = Blueprint("diagnoses", __name__)
diagnosis_schema = DiagnosisSchema()


def load_request(payload: Any) -> Any:
    if not isinstance(payload, dict):
        raise ValidationError(
            {"_schema": ["Expected a JSON object with a 'history' or 'records' field."]}
        )
    schema = DiagnoseRequestSchema(limits=current_app.config)
    return schema.load(payload)


@blueprint.post("/v1/diagnoses")
def create_diagnosis() -> tuple[dict[str, Any], int]:
    """Diagnose one training history."""
    request_data = load_request(json_body())
    result = diagnose_with_metrics(diagnose, request_data.history, request_data.options)
    logger.debug("diagnosed %d epochs: %s", request_data.history.n_epochs, result.status)
    return diagnosis_schema.dump(result), 200
