"""JSON text codecs for the columns that hold metrics, tags and stop rules.

Metrics are stored as strict JSON (RFC 8259), which has no NaN or infinity.
A non-finite value is written as one of the strings ``"NaN"``,
``"Infinity"`` or ``"-Infinity"``. No other string can occur, because metric
values are numbers or null. ``repr``-based float output makes every finite
float64 round-trip exactly.
"""

from __future__ import annotations

import json
import math
from typing import Any

from diagnose_api.store.errors import StoreError

NON_FINITE_TOKENS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

# One encoder for every call: json.dumps with options builds a new one each
# time, which costs about as much as encoding a row of four metrics.
METRICS_ENCODER = json.JSONEncoder(allow_nan=False, separators=(",", ":"))


def encode_metrics(metrics: dict[str, float | None]) -> str:
    """Encode one epoch's metrics as strict JSON text, keeping their order."""
    encoded = {
        name: value if value is None or math.isfinite(value) else _token(value)
        for name, value in metrics.items()
    }
    return METRICS_ENCODER.encode(encoded)


def decode_metrics(text: str) -> dict[str, float | None]:
    """Decode text written by ``encode_metrics``.

    Raises
    ------
    StoreError
        If the stored text is not a JSON object of numbers, nulls and the
        three non-finite tokens.
    """
    document = json.loads(text)
    if not isinstance(document, dict):
        raise StoreError(f"stored metrics are not a JSON object: {text[:80]!r}")

    # Exact type tests first, because isinstance against numbers.Real or a
    # union costs more than the JSON parsing of the row.
    decoded: dict[str, float | None] = {}
    for name, value in document.items():
        kind = type(value)
        if kind is float or value is None:
            decoded[name] = value
        elif kind is str and value in NON_FINITE_TOKENS:
            decoded[name] = NON_FINITE_TOKENS[value]
        elif kind is int:
            decoded[name] = float(value)
        else:
            raise StoreError(f"stored metrics contain an invalid value: {text[:80]!r}")

    return decoded


def encode_document(document: Any) -> str:
    """Encode tags or a stop rule as strict JSON text.

    Raises
    ------
    ValueError
        If the value is not serializable as strict JSON (NaN included).
    """
    try:
        return json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"value is not serializable as strict JSON: {exc}") from exc


def decode_document(text: str) -> Any:
    """Decode text written by ``encode_document``."""
    return json.loads(text)


def _token(value: float) -> str:
    """Return the string that stands for a non-finite float."""
    if math.isnan(value):
        return "NaN"

    return "Infinity" if value > 0 else "-Infinity"
