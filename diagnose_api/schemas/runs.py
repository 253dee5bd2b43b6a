"""Request and response schemas of live runs (``/v1/runs``).

A run carries the stop rule a training loop wants applied (``options``, the
fields of ``OptionsSchema``). Epochs are appended one object per epoch, such
as ``{"epoch": 3, "loss": 0.41, "val_loss": 0.52}``, where each metric value
is a number, the ``NaN`` or ``Infinity`` token, or null.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import post_load
from marshmallow import validate
from marshmallow import validates
from marshmallow import validates_schema

from diagnose_api.analysis.result import Status
from diagnose_api.analysis.roles import direction_of
from diagnose_api.schemas.diagnosis import DiagnosisSchema
from diagnose_api.schemas.fields import FiniteFloat
from diagnose_api.schemas.fields import JsonObject
from diagnose_api.schemas.fields import describe
from diagnose_api.schemas.fields import finite_or_none
from diagnose_api.schemas.request import MAX_NAME_LENGTH
from diagnose_api.schemas.request import LimitedSchema
from diagnose_api.schemas.request import OptionsSchema
from diagnose_api.store import EpochRow
from diagnose_api.store import Run
from diagnose_api.store.validation import MAX_PAGE_SIZE

MAX_TAGS = 32
MAX_TAG_LENGTH = 100
DEFAULT_PAGE_SIZE = 50
EPOCH_KEY = "epoch"
EPOCH_EXAMPLE = '{"epoch": 3, "loss": 0.41, "val_loss": 0.52}'
DEFAULT_MAX_SERIES = 64
DEFAULT_MAX_EPOCHS = 200_000
# JSON integers above the largest float64 (about 1.798e308) overflow float().
MAX_FLOAT = 1.7976931348623157e308


@dataclass(frozen=True)
class CreateRunRequest:
    """A validated ``POST /v1/runs`` body.

    ``stop_rule`` is the ``options`` object as sent, after validation, so
    that the run returns the same options it was created with.
    """

    name: str | None
    tags: list[str]
    stop_rule: dict[str, Any]


@dataclass(frozen=True)
class RunWithEpochs:
    """A run and every epoch stored for it, ascending."""

    id: str
    name: str | None
    tags: tuple[str, ...]
    stop_rule: dict[str, Any]
    created_at: datetime
    epochs: list[EpochRow]

    @classmethod
    def of(cls, run: Run, epochs: list[EpochRow]) -> RunWithEpochs:
        return cls(
            id=run.id,
            name=run.name,
            tags=run.tags,
            stop_rule=run.stop_rule,
            created_at=run.created_at,
            epochs=epochs,
        )

    @property
    def n_epochs(self) -> int:
        return len(self.epochs)

    @property
    def last_epoch(self) -> float | None:
        return self.epochs[-1].epoch if self.epochs else None


@dataclass(frozen=True)
class RunDiagnosis:
    """The diagnosis of a run's stored epochs and the stop decision for its loop.

    ``diagnosis`` is None while fewer epochs are stored than a diagnosis needs.
    """

    run_id: str
    n_epochs: int
    last_epoch: float | None
    status: Status
    should_stop: bool
    stop_reason: str | None
    stopped_epoch: float | None
    restore_epoch: float | None
    message: str
    diagnosis: Any


class CreateRunSchema(Schema):
    """``POST /v1/runs``: a name, tags and the stop rule to apply."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Unknown field; the body takes name, tags and options."
    }

    name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=MAX_NAME_LENGTH),
        metadata={"description": "Free-form label, such as the model's name."},
    )
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=MAX_TAG_LENGTH)),
        load_default=list,
        validate=validate.Length(max=MAX_TAGS),
        metadata={"description": "Distinct labels to filter GET /v1/runs by."},
    )
    options = fields.Nested(
        OptionsSchema,
        load_default=None,
        metadata={
            "description": "The stop rule replayed with the Keras EarlyStopping "
            "semantics on every GET /v1/runs/{run_id}/diagnosis; patience "
            "defaults to 0 as in Keras."
        },
    )

    @validates("tags")
    def check_distinct_tags(self, tags: list[str], **kwargs: Any) -> None:
        seen: set[str] = set()
        for index, tag in enumerate(tags):
            if tag in seen:
                raise ValidationError(
                    {index: [f"Tag {tag!r} occurs twice; send each tag once."]}
                )
            seen.add(tag)

    @validates_schema(skip_on_field_errors=True)
    def check_monitor_direction(self, data: dict[str, Any], **kwargs: Any) -> None:
        options = data.get("options")
        if options is None or options.monitor is None or options.mode != "auto":
            return

        if direction_of(options.monitor) is None:
            raise ValidationError(
                {
                    "options.mode": [
                        f"Cannot tell whether {options.monitor!r} improves by "
                        "decreasing or increasing; set mode to 'min' or 'max'."
                    ]
                }
            )

    @post_load(pass_original=True)
    def make_request(
        self, data: dict[str, Any], original: Any, **kwargs: Any
    ) -> CreateRunRequest:
        # The options are stored as the client sent them, after OptionsSchema
        # checked them, so that omitted ones take the defaults at diagnosis.
        stop_rule = original.get("options") or {}
        return CreateRunRequest(
            name=data["name"], tags=list(data["tags"]), stop_rule=dict(stop_rule)
        )


def load_epoch_record(value: Any, *, max_series: int) -> EpochRow:
    """Check one epoch object and convert it to an ``EpochRow``.

    The object has a finite number under ``epoch`` and at least one metric:
    a name of 1 to 200 characters whose value is a number, NaN, Infinity or
    null.

    Raises
    ------
    ValidationError
        Keyed by the offending member (``epoch``, a metric name, or
        ``_schema`` for the object as a whole).
    """
    if not isinstance(value, dict):
        raise ValidationError(
            f"Expected an epoch object such as {EPOCH_EXAMPLE}, got {describe(value)}."
        )

    errors: dict[str, list[str]] = {}
    epoch = _check_epoch(value, errors)
    metrics = {name: item for name, item in value.items() if name != EPOCH_KEY}
    if not metrics:
        errors["_schema"] = [
            f"The epoch has no metric; send at least one value, as in {EPOCH_EXAMPLE}."
        ]

    if len(metrics) > max_series:
        errors["_schema"] = [
            f"The epoch has {len(metrics)} metrics, more than the limit of "
            f"{max_series}; drop some or raise DIAGNOSE_MAX_SERIES."
        ]

    for name, item in metrics.items():
        message = _metric_error(name, item)
        if message is not None:
            errors[name] = [message]

    if errors:
        raise ValidationError(errors)

    assert epoch is not None
    return EpochRow(epoch=epoch, metrics=metrics)


def _check_epoch(value: dict[str, Any], errors: dict[str, list[str]]) -> float | None:
    if EPOCH_KEY not in value:
        errors[EPOCH_KEY] = [
            f"Missing epoch number; send it with the metrics, as in {EPOCH_EXAMPLE}."
        ]
        return None

    epoch = value[EPOCH_KEY]
    if type(epoch) not in (int, float):
        errors[EPOCH_KEY] = [f"Expected a number, got {describe(epoch)}."]
        return None

    if isinstance(epoch, int) and abs(epoch) > MAX_FLOAT:
        errors[EPOCH_KEY] = ["The integer is too large for a 64-bit float."]
        return None

    if not math.isfinite(epoch):
        errors[EPOCH_KEY] = [f"Epoch numbers must be finite, got {epoch!r}."]
        return None

    return float(epoch)


def _metric_error(name: str, value: Any) -> str | None:
    if not name.strip() or len(name) > MAX_NAME_LENGTH:
        return f"Metric names must be 1 to {MAX_NAME_LENGTH} characters."

    if type(value) not in (int, float, type(None)):
        return (
            f"Expected a number, NaN, Infinity or null, got {describe(value)}; "
            "send numbers unquoted."
        )

    if isinstance(value, int) and abs(value) > MAX_FLOAT:
        return "The integer is too large for a 64-bit float."

    return None


class EpochRecordField(fields.Field):
    """One epoch object, loaded into an ``EpochRow`` and dumped back.

    Non-finite values dump as null, because responses are strict JSON.
    """

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> EpochRow:
        limits = getattr(self.root, "limits", None) or {}
        max_series = int(limits.get("MAX_SERIES", DEFAULT_MAX_SERIES))
        return load_epoch_record(value, max_series=max_series)

    def _serialize(
        self, value: Any, attr: str | None, obj: Any, **kwargs: Any
    ) -> dict[str, Any] | None:
        if value is None:
            return None

        return {EPOCH_KEY: value.epoch, **finite_or_none(value.metrics)}


class AppendEpochsSchema(LimitedSchema):
    """``POST /v1/runs/{run_id}/epochs`` with many epochs: ``{"epochs": [...]}``."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": 'Unknown field; send one epoch object, or {"epochs": [...]} '
        "with one object per epoch."
    }

    epochs = fields.List(
        EpochRecordField(),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "One object per epoch, in any order."},
    )

    @validates_schema(skip_on_field_errors=True)
    def check_epochs(self, data: dict[str, Any], **kwargs: Any) -> None:
        rows: list[EpochRow] = data["epochs"]
        max_epochs = int(self.limits.get("MAX_EPOCHS", DEFAULT_MAX_EPOCHS))
        if len(rows) > max_epochs:
            raise ValidationError(
                {
                    "epochs": [
                        f"{len(rows)} epochs exceed the limit of {max_epochs}; "
                        "send them in several requests."
                    ]
                }
            )

        first_index: dict[float, int] = {}
        for index, row in enumerate(rows):
            if row.epoch in first_index:
                raise ValidationError(
                    {
                        f"epochs[{index}].epoch": [
                            f"Epoch {row.epoch:g} occurs twice in this request, "
                            f"also at epochs[{first_index[row.epoch]}]; send "
                            "each epoch once."
                        ]
                    }
                )
            first_index[row.epoch] = index

    @post_load
    def make_rows(self, data: dict[str, Any], **kwargs: Any) -> list[EpochRow]:
        rows: list[EpochRow] = data["epochs"]
        return rows


class ListRunsQuerySchema(Schema):
    """Query parameters of ``GET /v1/runs``."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Unknown query parameter; GET /v1/runs takes limit, cursor and tag."
    }

    limit = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Runs per page, 1 to {MAX_PAGE_SIZE}."},
    )
    cursor = fields.String(
        validate=validate.Length(min=1),
        metadata={"description": "next_cursor of the previous page, unchanged."},
    )
    tag = fields.String(
        validate=validate.Length(min=1, max=MAX_TAG_LENGTH),
        metadata={"description": "Only runs carrying this tag."},
    )


# Seconds between updates of a live run's report page.
DEFAULT_REFRESH_SECONDS = 5
MAX_REFRESH_SECONDS = 3600


class RunReportQuerySchema(Schema):
    """Query parameters of the report page of a live run, ``GET /runs/<run_id>``."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "Unknown query parameter; the run page takes refresh."}

    refresh = fields.Integer(
        load_default=DEFAULT_REFRESH_SECONDS,
        validate=validate.Range(min=0, max=MAX_REFRESH_SECONDS),
        metadata={
            "description": "Seconds between updates of the page, 1 to "
            f"{MAX_REFRESH_SECONDS}; 0 turns updates off."
        },
    )


class RunSchema(Schema):
    """A live run."""

    id = fields.String(
        required=True,
        metadata={"description": "32 hexadecimal digits of a random UUID."},
    )
    name = fields.String(allow_none=True, required=True)
    tags = fields.List(fields.String(), required=True)
    options = JsonObject(
        attribute="stop_rule",
        required=True,
        metadata={"description": "The stop rule as sent when the run was created."},
    )
    created_at = fields.DateTime(
        required=True, metadata={"description": "Creation time, ISO 8601 in UTC."}
    )


class RunDetailSchema(RunSchema):
    """A live run and its stored epochs."""

    n_epochs = fields.Integer(required=True)
    last_epoch = FiniteFloat(allow_none=True, required=True)
    epochs = fields.List(
        EpochRecordField(),
        required=True,
        metadata={
            "description": "Stored epochs, ascending; NaN and infinite values "
            "are null here because responses are strict JSON."
        },
    )


class RunPageSchema(Schema):
    """One page of runs, newest first."""

    runs = fields.List(fields.Nested(RunSchema), required=True)
    next_cursor = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "Pass as cursor for the next page; null on the last."},
    )


class AppendResultSchema(Schema):
    """Outcome of an append: which epochs were written and which were resent."""

    run_id = fields.String(required=True)
    inserted = fields.List(
        fields.Float(),
        required=True,
        metadata={"description": "Epochs written by this request, ascending."},
    )
    unchanged = fields.List(
        fields.Float(),
        required=True,
        metadata={
            "description": "Epochs already stored with the same values, ascending; "
            "not written again."
        },
    )


class RunDiagnosisSchema(Schema):
    """The diagnosis of a run's epochs so far and whether its loop should stop."""

    run_id = fields.String(required=True)
    n_epochs = fields.Integer(required=True)
    last_epoch = FiniteFloat(allow_none=True, required=True)
    status = fields.Enum(Status, by_value=True, required=True)
    should_stop = fields.Boolean(
        required=True,
        metadata={
            "description": "True when the run's stop rule, replayed with the Keras "
            "EarlyStopping semantics, stopped at or before the latest epoch."
        },
    )
    stop_reason = fields.String(
        allow_none=True,
        required=True,
        metadata={
            "description": "Why the rule stopped (patience_exhausted); null while "
            "it has not."
        },
    )
    stopped_epoch = FiniteFloat(
        allow_none=True,
        required=True,
        metadata={"description": "Epoch after which the rule stopped, or null."},
    )
    restore_epoch = FiniteFloat(
        allow_none=True,
        required=True,
        metadata={
            "description": "Epoch whose weights restore_best_weights would restore: "
            "the rule's best epoch."
        },
    )
    message = fields.String(required=True)
    diagnosis = fields.Nested(
        DiagnosisSchema,
        allow_none=True,
        required=True,
        metadata={"description": "Null while fewer than 3 epochs are stored."},
    )
