"""Schemas of ``POST /v1/diagnoses/batch``: many runs of a sweep in one request.

The request is checked in two stages, so that one bad run does not sink
the others. ``BatchRequestSchema`` checks the envelope: a list of 1 to
``MAX_BATCH_RUNS`` runs and the shared options. ``BatchRunSchema`` then
loads each run on its own; its errors go into that run's entry of the
response.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import post_load
from marshmallow import validate
from marshmallow import validates_schema

from diagnose_api.analysis.result import Status
from diagnose_api.ingest import FORMATS
from diagnose_api.ingest import IngestError
from diagnose_api.schemas.diagnosis import DiagnosisSchema
from diagnose_api.schemas.fields import describe
from diagnose_api.schemas.log_request import request_from_log
from diagnose_api.schemas.problem import ProblemSchema
from diagnose_api.schemas.request import MAX_NAME_LENGTH
from diagnose_api.schemas.request import DiagnoseRequest
from diagnose_api.schemas.request import DiagnoseRequestSchema
from diagnose_api.schemas.request import LimitedSchema
from diagnose_api.schemas.request import OptionsSchema

DEFAULT_MAX_BATCH_RUNS = 200
COUNT_KEYS = tuple(status.value for status in Status) + ("error",)


@dataclass(frozen=True)
class BatchRun:
    """One run of a batch, loaded: its name and its diagnosis request."""

    name: str
    request: DiagnoseRequest


class RunList(fields.Field):
    """The ``runs`` list: checked for its length only, each run loaded later."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> list[Any]:
        if not isinstance(value, list):
            raise ValidationError(
                f"Expected a list of runs, got {describe(value)}; send "
                '[{"name": ..., "history": {...}}, ...].'
            )
        if not value:
            raise ValidationError("The list is empty; send at least one run.")
        limits = getattr(self.parent, "limits", {})
        max_runs = int(limits.get("MAX_BATCH_RUNS", DEFAULT_MAX_BATCH_RUNS))
        if len(value) > max_runs:
            raise ValidationError(
                f"{len(value)} runs exceed the limit of {max_runs} per request; "
                "split the sweep into several requests or raise "
                "DIAGNOSE_MAX_BATCH_RUNS."
            )
        return value


class BatchRequestSchema(LimitedSchema):
    """``POST /v1/diagnoses/batch``: the runs of a sweep and their shared options."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "Unknown field; the body takes runs and options."}

    runs = RunList(
        required=True,
        metadata={
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/components/schemas/BatchRun"},
            "description": "The runs, at most DIAGNOSE_MAX_BATCH_RUNS (default "
            f"{DEFAULT_MAX_BATCH_RUNS}). Each is checked on its own: a run that "
            "fails gets an error entry, and the others are still diagnosed.",
        },
    )
    options = fields.Nested(
        OptionsSchema,
        load_default=None,
        metadata={"description": "Options applied to every run."},
    )


class BatchRunSchema(DiagnoseRequestSchema):
    """One run of a batch: a name, and a history, records, or the text of a log.

    Loads to a ``BatchRun``. The constructor takes the batch's options. A
    run carries none of its own, so that every run is ranked by the same
    monitor.
    """

    class Meta:
        unknown = RAISE
        exclude = ("options",)

    error_messages = {
        "unknown": "Unknown field; a run takes name, and history or records "
        "(with epochs and steps) or log (with format)."
    }

    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_NAME_LENGTH),
        metadata={"description": "The run's name, unique in the batch (lr=0.1)."},
    )
    log = fields.String(
        validate=validate.Length(min=1),
        metadata={
            "description": "Instead of history or records: the text of a log "
            "file (Keras or Lightning CSV, console output, JSON Lines, "
            "trainer_state.json, a model card, MLflow JSON)."
        },
    )
    format = fields.String(
        validate=validate.OneOf(FORMATS),
        metadata={"description": "The log's format; detected when left out."},
    )

    def __init__(
        self, *args: Any, options: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.run_options = dict(options or {})

    @validates_schema(skip_on_field_errors=True)
    def check_shape(self, data: dict[str, Any], **kwargs: Any) -> None:
        sources = [key for key in ("history", "records", "log") if key in data]
        if len(sources) != 1:
            raise ValidationError(
                "Send exactly one of 'history' (name -> list of values), "
                "'records' (one object per epoch) or 'log' (the text of a log "
                "file).",
                "_schema",
            )
        if "log" in data:
            for key in ("epochs", "steps"):
                if key in data:
                    raise ValidationError(
                        "A log carries its own epochs and steps; leave this out.",
                        key,
                    )
        elif "format" in data:
            raise ValidationError("'format' applies to 'log' only.", "format")

    @post_load
    def make_request(self, data: dict[str, Any], **kwargs: Any) -> BatchRun:  # type: ignore[override]
        name = data.pop("name")
        if "log" in data:
            try:
                request = request_from_log(
                    data["log"],
                    format=data.get("format"),
                    options=self.run_options,
                    limits=self.limits,
                    source="log",
                )
            except IngestError as error:
                raise ValidationError({"log": [str(error)]}) from None
        else:
            data["options"] = OptionsSchema().load(self.run_options)
            request = DiagnoseRequestSchema.make_request(self, data)
        return BatchRun(name=name, request=request)


class BatchRunResultSchema(Schema):
    """One run's outcome: its diagnosis, or the error that stopped it."""

    index = fields.Integer(
        required=True, metadata={"description": "Position in the request's runs."}
    )
    name = fields.String(allow_none=True, required=True)
    diagnosis = fields.Nested(DiagnosisSchema, allow_none=True, required=True)
    error = fields.Nested(
        ProblemSchema,
        allow_none=True,
        required=True,
        metadata={
            "description": "Why the run was not diagnosed; 'errors' paths start "
            "at runs[index]."
        },
    )


class BatchResultSchema(Schema):
    """The diagnoses of a batch, the ranking and the counts by status."""

    runs = fields.List(fields.Nested(BatchRunResultSchema), required=True)
    ranking = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "Names of the diagnosed runs, best first by the best "
            "value of the monitored series (validation loss by default), in its "
            "direction; runs without a validation value come last."
        },
    )
    counts = fields.Dict(
        keys=fields.String(validate=validate.OneOf(COUNT_KEYS)),
        values=fields.Integer(),
        required=True,
        metadata={
            "description": "Number of runs per diagnosis status, and 'error' for "
            "runs that could not be diagnosed; every key is present."
        },
    )
