"""Read the CSV file that Keras' ``CSVLogger`` callback writes.

Layout: a header ``epoch,<metric>,...`` (Keras 3 sorts the metric names),
then one row per epoch with the 0-based epoch index. Cells hold numbers,
``nan``, ``inf``, ``NA`` (Keras 3, for a metric missing that epoch, as
validation metrics with ``validation_freq`` > 1) or nothing. Epochs come
out 1-based, as Keras prints them (``Epoch 1/10`` for index 0).
"""

from __future__ import annotations

from diagnose_api.ingest.csvtext import header_fields
from diagnose_api.ingest.csvtext import parse_cell
from diagnose_api.ingest.csvtext import read_table
from diagnose_api.ingest.limits import RowCounter
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.parsed import shorten
from diagnose_api.ingest.rows import Record
from diagnose_api.ingest.rows import assemble
from diagnose_api.ingest.values import parse_number

NAME = "keras_csv"
EPOCH_NOTE = (
    "epochs are the CSVLogger's 0-based indices plus 1, matching the "
    "'Epoch 1/n' numbering of Keras' console output"
)


def detect(text: str) -> bool:
    """Return True when the first line is a CSV header starting with ``epoch``.

    A header that also has a ``step`` column belongs to Lightning instead.
    """
    fields = header_fields(text)
    return fields is not None and fields[0] == "epoch" and "step" not in fields


def read(text: str, *, max_rows: int) -> ParsedLog:
    """Read a Keras CSVLogger file into one row per epoch.

    Raises
    ------
    IngestError
        When the header lacks ``epoch``, a row has the wrong number of cells,
        an epoch is not a whole number or a cell is not a number.
    """
    table = read_table(text, NAME, RowCounter(max_rows, NAME))
    if "epoch" not in table.header:
        raise IngestError(
            "a header with an 'epoch' column",
            got=shorten(table.delimiter.join(table.header)),
            line=1,
            format=NAME,
            fix="Send the file Keras' CSVLogger wrote, or pass the format of "
            "the logger that wrote it.",
        )
    epoch_index = table.header.index("epoch")
    list_columns: dict[str, None] = {}
    records = []
    for line, cells in table.rows:
        epoch = _parse_epoch(cells[epoch_index], line)
        values: dict[str, float | None] = {}
        for column, cell in zip(table.header, cells):
            if column == "epoch" or column in list_columns:
                continue
            if cell.startswith("["):
                # CSVLogger writes array-valued metrics as quoted lists.
                list_columns[column] = None
                continue
            values[column] = parse_cell(cell, column, line, NAME)
        records.append(Record(line=line, values=values, key=epoch + 1))

    notes = [EPOCH_NOTE]
    if list_columns:
        notes.append(
            "columns holding lists of values were left out: " + ", ".join(list_columns)
        )
    parsed = assemble(records, format=NAME, notes=notes)
    for column in list_columns:
        parsed.series.pop(column, None)
    return parsed


def _parse_epoch(cell: str, line: int) -> float:
    value = parse_number(cell)
    if value is None or not value.is_integer() or value < 0:
        raise IngestError(
            "a whole epoch index of 0 or more in column 'epoch'",
            got=shorten(cell),
            line=line,
            format=NAME,
            fix="Check that the row was not cut off; CSVLogger writes the "
            "0-based epoch index first.",
        )
    return value
