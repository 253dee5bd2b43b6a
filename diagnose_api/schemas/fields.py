"""Custom marshmallow fields: numeric series checked with numpy, strict JSON out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from marshmallow import ValidationError
from marshmallow import fields

ALLOWED_TYPES = frozenset({float, int, type(None)})


@dataclass(frozen=True)
class SeriesData:
    """A validated series: float64 values (NaN where null) and the null mask."""

    values: np.ndarray
    missing: np.ndarray


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {json_literal(value)}"
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:20] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a nested list"
    if isinstance(value, dict):
        return "an object"
    return f"{type(value).__name__} {value!r}"


def json_literal(value: bool) -> str:
    return "true" if value else "false"


def to_series(value: Any, *, allow_null: bool, max_length: int) -> SeriesData:
    """Convert a JSON list to a float64 array, checking every element's type.

    The type check runs as one pass of ``map(type, ...)`` at C speed, and the
    conversion as one ``np.array`` call; only the error path walks the list in
    Python to name the first bad element. Raises ``ValidationError`` with the
    position of the first bad element in ``messages``, keyed by index.
    """
    if not isinstance(value, list):
        raise ValidationError(
            f"Expected a list of numbers, got {describe(value)}; send one value per "
            "epoch, e.g. [0.9, 0.7, 0.6]."
        )
    if len(value) == 0:
        raise ValidationError("The series is empty; send one value per epoch.")
    if len(value) > max_length:
        raise ValidationError(
            f"The series has {len(value)} values, more than the limit of "
            f"{max_length}; downsample it or raise DIAGNOSE_MAX_EPOCHS."
        )
    types = set(map(type, value))
    allowed = ALLOWED_TYPES if allow_null else ALLOWED_TYPES - {type(None)}
    if not types <= allowed:
        for index, item in enumerate(value):
            if type(item) not in allowed:
                expected = (
                    "a number, NaN, Infinity or null" if allow_null else "a number"
                )
                raise ValidationError(
                    {
                        index: [
                            f"Expected {expected}, got {describe(item)}; send numbers "
                            "unquoted."
                        ]
                    }
                )
    try:
        values = np.array(value, dtype=np.float64)
    except OverflowError:
        for index, item in enumerate(value):
            if isinstance(item, int) and abs(item) > 1.7e308:
                raise ValidationError(
                    {index: ["The integer is too large for a 64-bit float."]}
                ) from None
        raise
    if type(None) in types:
        missing = np.array([item is None for item in value], dtype=bool)
    else:
        missing = np.zeros(values.shape, dtype=bool)
    return SeriesData(values=values, missing=missing)


class NumericSeries(fields.Field):
    """A list of per-epoch numbers; null marks an epoch without a value.

    NaN and Infinity tokens are accepted (Python's ``json`` writes them);
    strings, booleans and nested lists are rejected with their position.
    """

    def __init__(self, *, allow_null: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_null = allow_null

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> SeriesData:
        max_length = self.context_max_length()
        return to_series(value, allow_null=self.allow_null, max_length=max_length)

    def context_max_length(self) -> int:
        schema = self.parent
        while schema is not None and not hasattr(schema, "limits"):
            schema = getattr(schema, "parent", None)
        limits = getattr(schema, "limits", None) or {}
        return int(limits.get("MAX_EPOCHS", 200_000))


def finite_or_none(value: Any) -> Any:
    """Replace NaN and infinities by None, recursively, for strict JSON.

    The built-in types of the analyzers' evidence are matched by exact type
    first. numpy scalars and subclasses go through ``isinstance``.
    """
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind in _PLAIN_TYPES:
        return value
    if kind is dict:
        return {str(k): finite_or_none(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [finite_or_none(v) for v in value]
    if isinstance(value, (float, np.floating)):
        as_float = float(value)
        return as_float if math.isfinite(as_float) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, dict):
        return {str(k): finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    return value


# Types that finite_or_none returns unchanged without further checks.
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


class FiniteFloat(fields.Float):
    """A float that dumps NaN and infinities as null."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        result = float(value)
        return result if math.isfinite(result) else None


class JsonObject(fields.Dict):
    """A free-form JSON object whose numbers are made strict-JSON safe on dump."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return finite_or_none(value)
