"""Read the "Training results" table of a Hugging Face model card.

``Trainer.create_model_card`` writes a markdown table with one row per
evaluation::

    | Training Loss | Epoch | Step | Validation Loss | Accuracy |
    |:-------------:|:-----:|:----:|:---------------:|:--------:|
    | No log        | 1.0   | 7    | 0.6931          | 0.5      |

``No log`` means no training loss was logged since the previous
evaluation, and reads as None. Columns map to series as follows:
``Training Loss`` -> ``loss``, ``Validation Loss`` -> ``val_loss``,
``Accuracy`` -> ``val_accuracy``, and any other metric column ->
``val_<snake_case>``, because the card's metric columns are evaluation
metrics. ``Epoch`` gives the epochs (fractional as printed) and ``Step``
the steps.
"""

from __future__ import annotations

import re

from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.parsed import shorten
from diagnose_api.ingest.limits import RowCounter
from diagnose_api.ingest.rows import Record
from diagnose_api.ingest.rows import assemble
from diagnose_api.ingest.values import parse_number

NAME = "hf_model_card"
COLUMN_NAMES = {
    "training loss": "loss",
    "validation loss": "val_loss",
    "accuracy": "val_accuracy",
}
NO_LOG = "no log"
TRAINING_LOSS_NOTE = (
    "the card's Training Loss is the last training loss logged at or before "
    "each evaluation step (None where the card says 'No log')"
)
_SEPARATOR_CELL = re.compile(r":?-+:?")


def _cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if not stripped.startswith("|"):
        return None
    return [cell.strip() for cell in stripped.strip("|").split("|")]


def _is_results_header(cells: list[str] | None) -> bool:
    if not cells:
        return False
    lowered = {cell.lower() for cell in cells}
    return "epoch" in lowered and bool({"training loss", "validation loss"} & lowered)


def detect(text: str) -> bool:
    """Return True when a markdown table header has Epoch and a loss column."""
    return any(_is_results_header(_cells(line)) for line in text.splitlines())


def column_series_name(column: str) -> str:
    """Return the series name for a card column (``F1`` -> ``val_f1``)."""
    lowered = column.strip().lower()
    if lowered in COLUMN_NAMES:
        return COLUMN_NAMES[lowered]
    words = re.split(r"[^a-z0-9]+", lowered)
    return "val_" + "_".join(word for word in words if word)


def read(text: str, *, max_rows: int) -> ParsedLog:
    """Read the first results table of a model card into one row per evaluation.

    Raises
    ------
    IngestError
        When no results table is found, the separator row is missing, a row
        has the wrong number of cells or a cell is not a number.
    """
    lines = text.splitlines()
    start = next(
        (index for index, line in enumerate(lines) if _is_results_header(_cells(line))),
        None,
    )
    if start is None:
        raise IngestError(
            "a markdown table whose header has 'Epoch' and 'Training Loss' or "
            "'Validation Loss'",
            got="none",
            format=NAME,
            fix="Send the model card (README.md) that Trainer.create_model_card "
            "wrote, with its 'Training results' table.",
        )
    header = _cells(lines[start]) or []
    separator = _cells(lines[start + 1]) if start + 1 < len(lines) else None
    if not separator or not all(_SEPARATOR_CELL.fullmatch(cell) for cell in separator):
        raise IngestError(
            "the table's separator row, such as |:---:|:---:|",
            got=shorten(lines[start + 1])
            if start + 1 < len(lines)
            else "the end of the file",
            line=start + 2,
            format=NAME,
            fix="Send the table as the card has it, header and separator rows "
            "included.",
        )
    counter = RowCounter(max_rows, NAME)
    lowered = [cell.lower() for cell in header]
    records = []
    for index in range(start + 2, len(lines)):
        cells = _cells(lines[index])
        if cells is None:
            break
        number = index + 1
        counter.add(number)
        if len(cells) != len(header):
            raise IngestError(
                f"{len(header)} cells as in the header at line {start + 1}",
                got=f"{len(cells)} cells",
                line=number,
                format=NAME,
                fix="Check that the row was not cut off or edited.",
            )
        epoch: float | None = None
        step: int | None = None
        values: dict[str, float | None] = {}
        for column, name, cell in zip(header, lowered, cells):
            value = _parse_cell(cell, column, number)
            if name == "epoch":
                epoch = value
            elif name == "step":
                step = _whole_step(value, cell, number)
            else:
                values[column_series_name(column)] = value
        records.append(Record(line=number, values=values, key=epoch, step=step))

    notes = [TRAINING_LOSS_NOTE] if "training loss" in lowered else []
    return assemble(records, format=NAME, notes=notes)


def _parse_cell(cell: str, column: str, line: int) -> float | None:
    if cell.lower() == NO_LOG:
        return None
    value = parse_number(cell)
    if value is None:
        raise IngestError(
            f"a number or 'No log' in column {column!r}",
            got=shorten(cell),
            line=line,
            format=NAME,
            fix="Send the table as the Trainer wrote it.",
        )
    return value


def _whole_step(value: float | None, cell: str, line: int) -> int | None:
    if value is None:
        return None
    if not value.is_integer() or value < 0:
        raise IngestError(
            "a whole step number of 0 or more in column 'Step'",
            got=shorten(cell),
            line=line,
            format=NAME,
            fix="Send the table as the Trainer wrote it.",
        )
    return int(value)
