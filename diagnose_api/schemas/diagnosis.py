"""Response schemas of a diagnosis. Every number is strict JSON: NaN dumps as null."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields

from diagnose_api.analysis.findings import FINDING_CODES
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.result import Status
from diagnose_api.schemas.fields import FiniteFloat
from diagnose_api.schemas.fields import JsonObject

RECOMMENDATION_ACTIONS = (
    "early_stopping",
    "restore_best_checkpoint",
    "regularization",
    "data_augmentation",
    "more_data",
    "reduce_capacity",
    "increase_capacity",
    "train_longer",
    "decrease_learning_rate",
    "increase_learning_rate",
    "gradient_clipping",
    "calibration",
    "larger_validation_set",
    "use_other_metrics",
    "check_data_pipeline",
)


class RiskFactorSchema(Schema):
    name = fields.String(required=True)
    value = FiniteFloat(allow_none=True, required=True)
    contribution = FiniteFloat(required=True)
    description = fields.String(required=True)


class RiskSchema(Schema):
    score = FiniteFloat(required=True, metadata={"description": "0 to 100."})
    level = fields.String(
        required=True,
        metadata={"enum": ["none", "low", "moderate", "high", "severe"]},
    )
    factors = fields.List(fields.Nested(RiskFactorSchema), required=True)


class DivergenceSchema(Schema):
    epoch = FiniteFloat(required=True)
    step = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "Optimizer step of that epoch, when known."},
    )
    confidence = FiniteFloat(required=True)
    method = fields.String(required=True)
    p_value = FiniteFloat(allow_none=True)
    slope_before = FiniteFloat(allow_none=True)
    slope_after = FiniteFloat(allow_none=True)


class TrendSchema(Schema):
    series = fields.String(required=True)
    window_start = FiniteFloat(allow_none=True)
    window_end = FiniteFloat(allow_none=True)
    n_points = fields.Integer(required=True)
    slope = FiniteFloat(
        allow_none=True, metadata={"description": "Per epoch (Theil-Sen)."}
    )
    p_value = FiniteFloat(
        allow_none=True, metadata={"description": "Kendall tau test."}
    )
    direction = fields.String(
        required=True, metadata={"enum": ["rising", "falling", "flat", "unknown"]}
    )


class GapPointSchema(Schema):
    epoch = FiniteFloat(required=True)
    loss_gap = FiniteFloat(allow_none=True)
    loss_ratio = FiniteFloat(allow_none=True)
    accuracy_gap = FiniteFloat(allow_none=True)


class GapSchema(Schema):
    at_best = fields.Nested(GapPointSchema, allow_none=True)
    at_end = fields.Nested(GapPointSchema, allow_none=True)
    trend = fields.Nested(TrendSchema, allow_none=True)


class FindingSchema(Schema):
    code = fields.String(required=True, metadata={"enum": list(FINDING_CODES)})
    severity = fields.Enum(Severity, by_value=True, required=True)
    epochs = fields.List(FiniteFloat(), required=True)
    evidence = JsonObject(required=True)
    message = fields.String(required=True)


class RecommendationSchema(Schema):
    action = fields.String(
        required=True, metadata={"enum": list(RECOMMENDATION_ACTIONS)}
    )
    priority = fields.Integer(required=True)
    rationale = fields.String(required=True)
    parameters = JsonObject(required=True)


class SkippedCheckSchema(Schema):
    check = fields.String(required=True)
    reason = fields.String(required=True)


class StopReplaySchema(Schema):
    parameters = JsonObject(required=True)
    stopped_epoch = FiniteFloat(allow_none=True, required=True)
    best_epoch = FiniteFloat(allow_none=True, required=True)
    stopped_step = fields.Integer(allow_none=True, required=True)
    best_step = fields.Integer(allow_none=True, required=True)
    epochs_saved = fields.Integer(required=True)
    reason = fields.String(required=True)
    message = fields.String(required=True)


class RecommendedStopSchema(Schema):
    min_delta = FiniteFloat(required=True)
    patience = fields.Integer(required=True)
    stopped_epoch = FiniteFloat(allow_none=True, required=True)
    best_epoch = FiniteFloat(allow_none=True, required=True)
    stopped_step = fields.Integer(allow_none=True, required=True)
    best_step = fields.Integer(allow_none=True, required=True)
    epochs_saved = fields.Integer(required=True)
    reason = fields.String(required=True)
    message = fields.String(required=True)
    keras_args = JsonObject(required=True)
    lightning_args = JsonObject(required=True)


class PrecheltSchema(Schema):
    strip_length = fields.Integer(required=True)
    gl = JsonObject(required=True, metadata={"description": "alpha -> first firing."})
    pq = JsonObject(required=True)
    up = JsonObject(required=True)


class EarlyStoppingSchema(Schema):
    monitor = fields.String()
    mode = fields.String()
    keras = fields.Nested(StopReplaySchema)
    lightning = fields.Nested(StopReplaySchema)
    recommended = fields.Nested(RecommendedStopSchema, allow_none=True)
    prechelt = fields.Nested(PrecheltSchema, allow_none=True)


class ProjectionSchema(Schema):
    series = fields.String(required=True)
    family = fields.String(
        required=True, metadata={"enum": ["exponential", "power_law"]}
    )
    plateau = FiniteFloat(required=True)
    current = FiniteFloat(required=True)
    expected_gain = FiniteFloat(required=True)
    value_if_doubled = FiniteFloat(required=True)
    r_squared = FiniteFloat(required=True)
    more_epochs_help = fields.Boolean(required=True)


class DiagnosisSchema(Schema):
    """The diagnosis of one run."""

    status = fields.Enum(Status, by_value=True, required=True)
    summary = fields.String(required=True)
    risk = fields.Nested(RiskSchema, required=True)
    monitor = fields.String(allow_none=True, required=True)
    mode = fields.String(allow_none=True, required=True)
    best_epoch = FiniteFloat(allow_none=True, required=True)
    best_step = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "Optimizer step of the best epoch, when known."},
    )
    best_value = FiniteFloat(allow_none=True, required=True)
    divergence = fields.Nested(DivergenceSchema, allow_none=True, required=True)
    early_stopping = fields.Nested(EarlyStoppingSchema, required=True)
    trends = fields.List(fields.Nested(TrendSchema), required=True)
    gap = fields.Nested(GapSchema, required=True)
    findings = fields.List(fields.Nested(FindingSchema), required=True)
    recommendations = fields.List(fields.Nested(RecommendationSchema), required=True)
    roles = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    n_epochs = fields.Integer(required=True)
    first_epoch = FiniteFloat(required=True)
    last_epoch = FiniteFloat(required=True)
    skipped_checks = fields.List(fields.Nested(SkippedCheckSchema), required=True)
    projection = fields.Nested(
        ProjectionSchema,
        allow_none=True,
        required=True,
        metadata={"description": "Curve-fit projection of a falling loss, or null."},
    )
    notes = fields.List(fields.String(), required=True)
