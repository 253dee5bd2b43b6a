"""Request schemas: a history as Keras' ``history.history`` or as rows, plus options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import post_load
from marshmallow import validate
from marshmallow import validates_schema

from diagnose_api.analysis.context import Options
from diagnose_api.analysis.history import History
from diagnose_api.analysis.history import Series
from diagnose_api.analysis.roles import Role
from diagnose_api.analysis.roles import assign_roles
from diagnose_api.analysis.roles import direction_of
from diagnose_api.schemas.fields import NumericSeries
from diagnose_api.schemas.fields import SeriesData
from diagnose_api.schemas.fields import describe
from diagnose_api.schemas.fields import to_series

MIN_EPOCHS = 3
MAX_NAME_LENGTH = 200
RESERVED_RECORD_KEYS = ("epoch", "step")
LOSS_NAMES_HINT = (
    "'loss', 'val_loss' (or an alias such as 'train_loss', 'valid_loss', 'eval_loss')"
)


@dataclass(frozen=True)
class DiagnoseRequest:
    history: History
    options: Options


class LimitedSchema(Schema):
    """A schema that carries the service's size limits to its fields."""

    def __init__(self, *args: Any, limits: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.limits = limits or {}


class OptionsSchema(Schema):
    """Stop-rule parameters, named as in keras.callbacks.EarlyStopping."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Unknown option; valid options are baseline, check_finite, "
        "divergence_threshold, min_delta, mode, monitor, patience, smoothing, "
        "start_from_epoch and stopping_threshold."
    }

    monitor = fields.String(
        validate=validate.Length(min=1, max=MAX_NAME_LENGTH),
        metadata={"description": "Series the stop rules watch; default val_loss."},
    )
    mode = fields.String(
        load_default="auto",
        validate=validate.OneOf(["auto", "min", "max"]),
        metadata={"description": "min, max, or auto (from the monitor's name)."},
    )
    patience = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=100_000),
        metadata={"description": "Epochs without improvement before stopping."},
    )
    min_delta = fields.Float(
        load_default=0.0,
        allow_nan=False,
        validate=validate.Range(min=0),
        metadata={"description": "Smallest change that counts as an improvement."},
    )
    baseline = fields.Float(allow_nan=False, allow_none=True)
    start_from_epoch = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0)
    )
    stopping_threshold = fields.Float(allow_nan=False, allow_none=True)
    divergence_threshold = fields.Float(allow_nan=False, allow_none=True)
    check_finite = fields.Boolean(load_default=True)
    smoothing = fields.Float(
        load_default=0.6,
        allow_nan=False,
        validate=validate.Range(min=0, max=1, max_inclusive=False),
        metadata={"description": "TensorBoard smoothing weight in [0, 1)."},
    )

    @post_load
    def make_options(self, data: dict[str, Any], **kwargs: Any) -> Options:
        return Options(**data)


class HistoryField(fields.Field):
    """Keras' ``history.history``: metric name -> list of per-epoch values."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> dict[str, SeriesData]:
        if not isinstance(value, dict):
            raise ValidationError(
                f"Expected an object of metric name -> list of values, got "
                f"{describe(value)}."
            )
        limits = getattr(self.parent, "limits", {})
        max_series = int(limits.get("MAX_SERIES", 64))
        max_epochs = int(limits.get("MAX_EPOCHS", 200_000))
        if not value:
            raise ValidationError(
                f"The history has no series; send at least {LOSS_NAMES_HINT}."
            )
        if len(value) > max_series:
            raise ValidationError(
                f"The history has {len(value)} series, more than the limit of "
                f"{max_series}; drop some or raise DIAGNOSE_MAX_SERIES."
            )
        errors: dict[str, Any] = {}
        result: dict[str, SeriesData] = {}
        for name, raw in value.items():
            if not name.strip() or len(name) > MAX_NAME_LENGTH:
                errors[name] = [
                    f"Metric names must be 1 to {MAX_NAME_LENGTH} characters."
                ]
                continue
            try:
                result[name] = to_series(raw, allow_null=True, max_length=max_epochs)
            except ValidationError as error:
                errors[name] = error.messages
        if errors:
            raise ValidationError(errors)
        return result


class DiagnoseRequestSchema(LimitedSchema):
    """``POST /v1/diagnoses``: one run's history and the stop rule to replay."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Unknown field; the body takes history or records, epochs, "
        "steps and options."
    }

    history = HistoryField(
        metadata={
            "description": "Metric name -> one value per epoch, as in Keras' "
            "history.history; null marks an epoch without a value."
        }
    )
    records = fields.List(
        fields.Dict(keys=fields.String()),
        metadata={
            "description": "Alternative to history: one object per epoch, e.g. "
            '{"epoch": 1, "loss": 0.9, "val_loss": 1.1}.'
        },
    )
    epochs = NumericSeries(
        allow_null=False,
        metadata={"description": "Epoch numbers, strictly increasing; default 1..n."},
    )
    steps = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=0)),
        metadata={"description": "Optimizer step of each epoch, when known."},
    )
    options = fields.Nested(OptionsSchema, load_default=None)

    @validates_schema(skip_on_field_errors=True)
    def check_shape(self, data: dict[str, Any], **kwargs: Any) -> None:
        has_history = "history" in data
        has_records = "records" in data
        if has_history == has_records:
            raise ValidationError(
                "Send exactly one of 'history' (name -> list of values) or "
                "'records' (one object per epoch).",
                "_schema",
            )

    @post_load
    def make_request(self, data: dict[str, Any], **kwargs: Any) -> DiagnoseRequest:
        if "records" in data:
            series, epochs, steps = self.columns_from_records(data["records"])
            field = "records"
        else:
            series = data["history"]
            epochs = data.get("epochs")
            steps = data.get("steps")
            field = "history"
        n = self.check_lengths(series, epochs, steps, field)
        epoch_values = self.check_epochs(epochs, n)
        history = History(
            epochs=epoch_values,
            series={
                name: Series(name=name, values=s.values, missing=s.missing)
                for name, s in series.items()
            },
            steps=None if steps is None else np.asarray(steps, dtype=np.int64),
        )
        options = data.get("options") or Options()
        self.check_roles(history, options, field)
        return DiagnoseRequest(history=history, options=options)

    def columns_from_records(
        self, records: list[dict[str, Any]]
    ) -> tuple[dict[str, SeriesData], SeriesData | None, list[int] | None]:
        if not records:
            raise ValidationError(
                {"records": ["The list is empty; send one object per epoch."]}
            )
        max_epochs = int(self.limits.get("MAX_EPOCHS", 200_000))
        if len(records) > max_epochs:
            raise ValidationError(
                {
                    "records": [
                        f"{len(records)} records exceed the limit of {max_epochs}."
                    ]
                }
            )
        names: dict[str, None] = {}
        for record in records:
            for key in record:
                if key not in RESERVED_RECORD_KEYS:
                    names[key] = None
        max_series = int(self.limits.get("MAX_SERIES", 64))
        if len(names) > max_series:
            raise ValidationError(
                {"records": [f"{len(names)} metrics exceed the limit of {max_series}."]}
            )
        errors: dict[str, Any] = {}
        series: dict[str, SeriesData] = {}
        for name in names:
            column = [record.get(name) for record in records]
            try:
                series[name] = to_series(column, allow_null=True, max_length=max_epochs)
            except ValidationError as error:
                for index, messages in _indexed(error.messages).items():
                    errors.setdefault(index, {})[name] = messages
        epochs = None
        if any("epoch" in record for record in records):
            column = [record.get("epoch") for record in records]
            try:
                epochs = to_series(column, allow_null=False, max_length=max_epochs)
            except ValidationError as error:
                for index, messages in _indexed(error.messages).items():
                    errors.setdefault(index, {})["epoch"] = messages
        steps = None
        if any("step" in record for record in records):
            steps = [record.get("step") for record in records]
            for index, step in enumerate(steps):
                if type(step) is not int or step < 0:
                    errors.setdefault(index, {})["step"] = [
                        f"Expected a non-negative integer step, got {describe(step)}."
                    ]
        if errors:
            raise ValidationError({"records": errors})
        if not series:
            raise ValidationError(
                {
                    "records": [
                        f"No metric in the records; send at least {LOSS_NAMES_HINT}."
                    ]
                }
            )
        return series, epochs, steps

    def check_lengths(
        self,
        series: dict[str, SeriesData],
        epochs: SeriesData | None,
        steps: list[int] | None,
        field: str,
    ) -> int:
        lengths = {name: s.values.size for name, s in series.items()}
        if epochs is not None:
            n = epochs.values.size
            wrong = {name: size for name, size in lengths.items() if size != n}
            if wrong:
                raise ValidationError(
                    {
                        f"{field}.{name}": [
                            f"Has {size} values but 'epochs' has {n}; send one value "
                            "per epoch (null where none was logged)."
                        ]
                        for name, size in wrong.items()
                    }
                )
        else:
            if len(set(lengths.values())) > 1:
                listed = ", ".join(f"{name}={size}" for name, size in lengths.items())
                raise ValidationError(
                    {
                        field: [
                            f"Series have different lengths ({listed}) and no "
                            "'epochs' list says which epochs they cover; pad with "
                            "null or send 'epochs'."
                        ]
                    }
                )
            n = next(iter(lengths.values()))
        if n < MIN_EPOCHS:
            raise ValidationError(
                {
                    field: [
                        f"Only {n} epoch(s); a diagnosis needs at least {MIN_EPOCHS}."
                    ]
                }
            )
        if steps is not None and len(steps) != n:
            raise ValidationError(
                {"steps": [f"Has {len(steps)} values for {n} epochs."]}
            )
        return n

    def check_epochs(self, epochs: SeriesData | None, n: int) -> np.ndarray:
        if epochs is None:
            return np.arange(1, n + 1, dtype=np.float64)
        values = epochs.values
        not_finite = np.flatnonzero(~np.isfinite(values))
        if not_finite.size:
            i = int(not_finite[0])
            raise ValidationError({f"epochs[{i}]": ["Epoch numbers must be finite."]})
        steps = np.diff(values)
        bad = np.flatnonzero(steps <= 0)
        if bad.size:
            i = int(bad[0]) + 1
            kind = "repeats" if steps[bad[0]] == 0 else "is lower than"
            raise ValidationError(
                {
                    f"epochs[{i}]": [
                        f"Epoch {values[i]:g} {kind} the epoch before it "
                        f"({values[i - 1]:g}); epochs must strictly increase."
                    ]
                }
            )
        return values

    def check_roles(self, history: History, options: Options, field: str) -> None:
        roles = assign_roles(list(history.series))
        if Role.TRAIN_LOSS not in roles and Role.VAL_LOSS not in roles:
            names = ", ".join(sorted(history.series)[:10])
            raise ValidationError(
                {
                    field: [
                        f"No loss series among [{names}]; name the training loss "
                        f"or validation loss {LOSS_NAMES_HINT}."
                    ]
                }
            )
        if options.monitor is not None:
            if options.monitor not in history.series:
                raise ValidationError(
                    {
                        "options.monitor": [
                            f"{options.monitor!r} is not a series of the history; "
                            f"choose one of {sorted(history.series)}."
                        ]
                    }
                )
            if options.mode == "auto" and direction_of(options.monitor) is None:
                raise ValidationError(
                    {
                        "options.mode": [
                            f"Cannot tell whether {options.monitor!r} improves by "
                            "decreasing or increasing; set mode to 'min' or 'max'."
                        ]
                    }
                )


def _indexed(messages: Any) -> dict[int, Any]:
    """Error messages of ``to_series`` keyed by position (or -1 for the whole list)."""
    if isinstance(messages, dict):
        return {int(k): v for k, v in messages.items()}
    return {-1: messages}
