"""Read JSON Lines logs: one JSON object per line, one line per epoch.

Example: ``{"epoch": 1, "loss": 0.52, "val_loss": 0.61}``. The ``NaN``,
``Infinity`` and ``-Infinity`` tokens that Python's ``json`` writes are
accepted, and so is ``null`` for a value not logged.

Rows are keyed by the ``epoch`` field when the lines have one, and
consecutive lines of the same epoch merge, so training and validation may
be logged separately. Without epochs, rows are keyed by ``step``, and
without either the lines are numbered 1..n. Fields
whose values are all text (timestamps, phase names) are left out with a
note; a field that mixes numbers and text raises IngestError.
"""

from __future__ import annotations

import json
import math

from diagnose_api.analysis.roles import direction_of
from diagnose_api.ingest.limits import RowCounter
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.parsed import shorten
from diagnose_api.ingest.rows import Record
from diagnose_api.ingest.rows import assemble
from diagnose_api.ingest.values import parse_json_number

NAME = "jsonl"
KEY_FIELDS = ("epoch", "step")


def detect(text: str) -> bool:
    """Return True when the first non-empty line is a JSON object of a log.

    The object must have an ``epoch`` or ``step`` field, or a metric whose
    direction is known from its name (``loss``, ``val_acc``, ``mae``, ...).
    """
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return False
        if not isinstance(obj, dict):
            return False
        return any(name in KEY_FIELDS or direction_of(name) is not None for name in obj)
    return False


def read(text: str, *, max_rows: int) -> ParsedLog:
    """Read a JSON Lines log into one row per epoch.

    Raises
    ------
    IngestError
        When a line is not a JSON object, an epoch or step is not a number,
        a field mixes numbers and text, or epochs decrease twice in a row.
    """
    counter = RowCounter(max_rows, NAME)
    objects: list[tuple[int, dict[str, object]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        counter.add(number)
        objects.append((number, _load_line(line, number)))
    if not objects:
        raise IngestError(
            "at least one JSON object",
            got="an empty file",
            line=1,
            format=NAME,
            fix="Send the log with one JSON object per line.",
        )

    key_name = next(
        (name for name in KEY_FIELDS if any(name in obj for _, obj in objects)), None
    )
    text_fields = _text_fields(objects)
    records = []
    for number, obj in objects:
        values: dict[str, float | None] = {}
        for name, raw in obj.items():
            if name == key_name or name in text_fields:
                continue
            values[name] = _number(raw, name, number)
        key = None
        if key_name is not None:
            if key_name not in obj:
                raise IngestError(
                    f"an {key_name!r} field, as on line {objects[0][0]}",
                    got="a line without one",
                    line=number,
                    format=NAME,
                    fix=f"Add the {key_name} to every line or to none.",
                )
            key = _number(obj[key_name], key_name, number)
            if key is None or math.isnan(key):
                raise IngestError(
                    f"a number in field {key_name!r}",
                    got=shorten(json.dumps(obj[key_name])),
                    line=number,
                    format=NAME,
                    fix=f"Write the {key_name} as a number.",
                )
        step = None
        if key_name == "epoch" and isinstance(obj.get("step"), int):
            step = obj["step"]
        records.append(Record(line=number, values=values, key=key, step=step))  # type: ignore[arg-type]

    notes = []
    if key_name == "step":
        notes.append("the lines have steps, not epochs: epochs are numbered 1..n")
    if text_fields:
        notes.append("fields holding text were left out: " + ", ".join(text_fields))
    return assemble(
        records,
        format=NAME,
        notes=notes,
        key_name=key_name or "epoch",
        merge_same_key=True,
    )


def _load_line(line: str, number: int) -> dict[str, object]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as error:
        raise IngestError(
            f"one JSON object per line ({error.msg.lower()} at column {error.colno})",
            got=shorten(line.strip()),
            line=number,
            format=NAME,
            fix="Check that the line was not cut off or split across lines.",
        ) from None
    if not isinstance(obj, dict):
        raise IngestError(
            "a JSON object",
            got=f"a JSON {type(obj).__name__}",
            line=number,
            format=NAME,
            fix="Write each row as an object such as "
            '{"epoch": 1, "loss": 0.5, "val_loss": 0.6}.',
        )
    return obj


def _text_fields(objects: list[tuple[int, dict[str, object]]]) -> dict[str, None]:
    """Fields whose every non-null value is neither a number nor a non-finite string."""
    seen: dict[str, bool] = {}
    for _, obj in objects:
        for name, raw in obj.items():
            if raw is None:
                continue
            numeric = parse_json_number(raw) is not None
            seen[name] = seen.get(name, False) or numeric
    return {
        name: None
        for name, numeric in seen.items()
        if not numeric and name not in KEY_FIELDS
    }


def _number(raw: object, name: str, number: int) -> float | None:
    if raw is None:
        return None
    value = parse_json_number(raw)
    if value is None:
        raise IngestError(
            f"a number or null in field {name!r}",
            got=shorten(json.dumps(raw)),
            line=number,
            format=NAME,
            fix="Write the value as a number (NaN and Infinity are accepted), "
            "or null for a value that was not logged.",
        )
    return value
