"""Read MLflow metric histories as the REST API returns them.

Accepted documents:

- one ``GET /api/2.0/mlflow/metrics/get-history`` response,
  ``{"metrics": [{"key", "value", "timestamp", "step"}, ...]}``;
- a list of such responses, one per metric key;
- an object mapping each key to its list of metric objects (``key`` may
  then be left out of the objects).

Rows are the logged steps, in increasing order; each key has its value at
the steps where it was logged and None elsewhere. When a key has several
values at one step, the one with the latest timestamp is kept. Values may
be numbers or the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``
that protobuf's JSON mapping writes. A missing ``step`` is 0, as protobuf
leaves default values out.
"""

from __future__ import annotations

from typing import Any
from typing import NoReturn

from diagnose_api.ingest.jsontext import Path
from diagnose_api.ingest.jsontext import line_of
from diagnose_api.ingest.jsontext import load_json
from diagnose_api.ingest.limits import RowCounter
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.parsed import shorten
from diagnose_api.ingest.rows import Record
from diagnose_api.ingest.rows import assemble
from diagnose_api.ingest.values import parse_json_number

NAME = "mlflow_json"
STEP_NOTE = (
    "MLflow histories have steps, not epochs: there is one row per logged "
    "step, and epochs are numbered 1..n"
)
DETECT_CHARS = 64 * 1024


def detect(text: str) -> bool:
    """Return True when the text is JSON with MLflow metric objects in its head.

    The first 64 KiB must contain ``"value"`` and ``"timestamp"`` (MLflow
    always returns both) and no ``"log_history"``.
    """
    head = text[:DETECT_CHARS].lstrip()
    if not head.startswith(("{", "[")) or '"log_history"' in head:
        return False
    return '"value"' in head and '"timestamp"' in head


def _metric_objects(
    document: Any, text: str
) -> list[tuple[Path, dict[str, Any], str | None]]:
    """List every metric object with its JSON path and the key it is filed under."""
    if isinstance(document, dict) and isinstance(document.get("metrics"), list):
        return [
            (("metrics", index), item, None)
            for index, item in enumerate(document["metrics"])
        ]
    if isinstance(document, list):
        found: list[tuple[Path, dict[str, Any], str | None]] = []
        for index, item in enumerate(document):
            if isinstance(item, dict) and isinstance(item.get("metrics"), list):
                found.extend(
                    ((index, "metrics", inner), metric, None)
                    for inner, metric in enumerate(item["metrics"])
                )
            else:
                found.append(((index,), item, None))
        return found
    if isinstance(document, dict) and all(
        isinstance(value, list) for value in document.values()
    ):
        return [
            ((key, index), item, key)
            for key, items in document.items()
            for index, item in enumerate(items)
        ]
    raise IngestError(
        "an object with a 'metrics' list, a list of those, or an object "
        "mapping metric keys to lists of metric objects",
        got=f"a JSON {type(document).__name__}",
        line=1,
        format=NAME,
        fix="Send the body of MLflow's metrics/get-history responses.",
    )


def read(text: str, *, max_rows: int) -> ParsedLog:
    """Read MLflow metric histories into one row per step.

    Raises
    ------
    IngestError
        When the JSON is invalid or a metric object lacks a key, has a value
        that is no number, or a step that is no whole number.
    """
    document = load_json(text, NAME)
    objects = _metric_objects(document, text)
    counter = RowCounter(max_rows, NAME)
    points: dict[tuple[str, int], tuple[float, float | None]] = {}
    n_duplicates = 0

    for path, item, filed_key in objects:
        counter.add(None)
        if not isinstance(item, dict):
            _fail(text, path, "a metric object", f"a JSON {type(item).__name__}")
        key = item.get("key", filed_key)
        if not isinstance(key, str) or (filed_key is not None and key != filed_key):
            expected = f"'key' {filed_key!r}" if filed_key else "a string 'key'"
            _fail(text, path, expected, shorten(str(key)))
        value = parse_json_number(item.get("value"))
        if value is None:
            _fail(
                text,
                path + ("value",),
                f"a number as the value of {key!r}",
                shorten(repr(item.get("value"))),
            )
        step = _whole(item.get("step", 0))
        if step is None:
            _fail(
                text,
                path + ("step",),
                f"a whole step number for {key!r}",
                shorten(repr(item.get("step"))),
            )
        timestamp = parse_json_number(item.get("timestamp", 0)) or 0.0
        previous = points.get((key, step))
        if previous is not None:
            n_duplicates += 1
            if previous[0] > timestamp:
                continue
        points[(key, step)] = (timestamp, value)

    by_step: dict[int, dict[str, float | None]] = {}
    for (key, step), (_, value) in sorted(points.items(), key=lambda item: item[0][1]):
        by_step.setdefault(step, {})[key] = value
    records = [
        Record(line=None, values=values, key=float(step))
        for step, values in by_step.items()
    ]
    notes = [STEP_NOTE]
    if n_duplicates:
        notes.append(
            f"{n_duplicates} value(s) were logged again for a key and step: "
            "the one with the latest timestamp was kept"
        )
    return assemble(records, format=NAME, notes=notes, key_name="step")


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _fail(text: str, path: Path, expected: str, got: str) -> NoReturn:
    raise IngestError(
        expected,
        got=got,
        line=line_of(text, path),
        format=NAME,
        fix="Send the metric objects as MLflow returns them: "
        '{"key": ..., "value": ..., "timestamp": ..., "step": ...}.',
    )
