"""Split CSV logs into a header and numbered data rows, and parse cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from diagnose_api.ingest.limits import RowCounter
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import shorten
from diagnose_api.ingest.values import parse_number

DELIMITERS = (",", ";", "\t")
# Cells that mean "not logged": empty, and the "NA" that Keras' CSVLogger
# writes for a key missing from an epoch's logs (validation_freq > 1).
MISSING_CELLS = frozenset({"", "NA"})


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and its data rows with their 1-based line numbers."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str


def header_fields(text: str) -> list[str] | None:
    """Return the stripped fields of the first non-empty line, or None."""
    for line in text.splitlines():
        if line.strip():
            delimiter = sniff_delimiter(line)
            return [
                field.strip() for field in next(csv.reader([line], delimiter=delimiter))
            ]
    return None


def sniff_delimiter(header: str) -> str:
    """Return the delimiter that occurs most in the header line (comma on ties)."""
    return max(
        DELIMITERS, key=lambda delimiter: (header.count(delimiter), delimiter == ",")
    )


def read_table(text: str, format: str, counter: RowCounter) -> CsvTable:
    """Read ``text`` as a CSV table with a header line.

    Blank lines are skipped. Every data row must have as many cells as the
    header; a row with one empty trailing cell too many is accepted.

    Raises
    ------
    IngestError
        When the header is missing or repeats a column, or a row has the
        wrong number of cells.
    """
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = sniff_delimiter(first_line)
    # newline="" lets the csv module see "\r", "\n" and "\r\n" line ends.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, list[str]]] = []
    for cells in _rows_or_error(reader, format):
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        line = reader.line_num
        if header is None:
            header = [cell.strip() for cell in cells]
            header_line = line
            _check_header(header, line, format)
            continue
        counter.add(line)
        if len(cells) == len(header) + 1 and not cells[-1].strip():
            cells = cells[:-1]
        if len(cells) != len(header):
            raise IngestError(
                f"{len(header)} cells as in the header at line {header_line}",
                got=f"{len(cells)} cells",
                line=line,
                format=format,
                fix="Check that the row was not cut off or joined with another "
                f"line, and that cells are separated by {delimiter!r}.",
            )
        rows.append((line, [cell.strip() for cell in cells]))
    if header is None:
        raise IngestError(
            "a header line naming the columns",
            got="no line with text",
            line=1,
            format=format,
            fix="Send the CSV file the logger wrote, header included.",
        )
    return CsvTable(header=header, rows=rows, delimiter=delimiter)


def _rows_or_error(reader: Any, format: str) -> Iterator[list[str]]:
    """Yield the reader's rows, turning csv.Error into IngestError."""
    try:
        yield from reader
    except csv.Error as error:
        raise IngestError(
            f"a well-formed CSV row ({error})",
            got=None,
            line=reader.line_num,
            format=format,
            fix="Check the quotes on that line, or send the file the logger "
            "wrote unchanged.",
        ) from None


def _check_header(header: list[str], line: int, format: str) -> None:
    seen: set[str] = set()
    for name in header:
        if not name:
            raise IngestError(
                "a column name in every header cell",
                got="an empty cell",
                line=line,
                format=format,
                fix="Name the column or remove it.",
            )
        if name in seen:
            raise IngestError(
                "each column name once",
                got=f"{name!r} twice",
                line=line,
                format=format,
                fix="Rename or remove the repeated column.",
            )
        seen.add(name)


def parse_cell(cell: str, column: str, line: int, format: str) -> float | None:
    """Return a cell's value: None for an empty or ``NA`` cell, else a float.

    Raises
    ------
    IngestError
        When the cell is neither empty, ``NA`` nor a number.
    """
    if cell in MISSING_CELLS:
        return None
    value = parse_number(cell)
    if value is None:
        raise IngestError(
            f"a number in column {column!r}",
            got=shorten(cell),
            line=line,
            format=format,
            fix="Write a number there (nan and inf are allowed), or leave the "
            "cell empty for a value that was not logged.",
        )
    return value
