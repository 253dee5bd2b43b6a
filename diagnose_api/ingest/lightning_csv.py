"""Read the ``metrics.csv`` that Lightning's ``CSVLogger`` writes.

Layout: a header with ``epoch``, ``step`` and every logged name, then one
row per ``log_metrics`` call, so step rows, epoch-end rows and validation
rows are mixed and each has only its own cells filled. A metric logged
with ``on_step=True, on_epoch=True`` has a ``<name>_step`` and a
``<name>_epoch`` column.

Rows are grouped by the ``epoch`` cell. Kept per epoch: ``_epoch`` columns,
validation columns and other columns with one value per epoch; ``_step``
columns are left out. A column without suffix that has several values in
one epoch is per-step and left out too, except validation columns (several
validation runs per epoch), whose last value is kept. Epochs stay 0-based,
as Lightning logs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from diagnose_api.ingest.csvtext import header_fields
from diagnose_api.ingest.csvtext import parse_cell
from diagnose_api.ingest.csvtext import read_table
from diagnose_api.ingest.limits import RowCounter
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.parsed import shorten
from diagnose_api.ingest.rows import Record
from diagnose_api.ingest.rows import assemble
from diagnose_api.ingest.rows import format_epoch
from diagnose_api.ingest.values import parse_number

NAME = "lightning_csv"
VALIDATION_PREFIXES = ("val_", "valid_", "validation_", "val/", "valid/", "validation/")
EPOCH_NOTE = "epochs are numbered from 0, as Lightning logs them"


def detect(text: str) -> bool:
    """Return True when the first line is a CSV header with ``epoch`` and ``step``."""
    fields = header_fields(text)
    return fields is not None and "epoch" in fields and "step" in fields


@dataclass
class _Epoch:
    epoch: float
    line: int
    step: int | None = None
    values: dict[str, float | None] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def read(text: str, *, max_rows: int) -> ParsedLog:
    """Read a Lightning metrics.csv into one row per epoch.

    Raises
    ------
    IngestError
        When the header lacks ``epoch`` or ``step``, a row has the wrong
        number of cells, or a cell is not a number.
    """
    table = read_table(text, NAME, RowCounter(max_rows, NAME))
    for required in ("epoch", "step"):
        if required not in table.header:
            raise IngestError(
                f"a header with an {required!r} column",
                got=shorten(table.delimiter.join(table.header)),
                line=1,
                format=NAME,
                fix="Send the metrics.csv that Lightning's CSVLogger wrote, or "
                "pass the format of the logger that wrote the file.",
            )
    columns = [
        name
        for name in table.header
        if name not in ("epoch", "step") and not name.endswith("_step")
    ]
    step_columns = [name for name in table.header if name.endswith("_step")]

    groups: list[_Epoch] = []
    n_without_epoch = 0
    for line, cells in table.rows:
        row = dict(zip(table.header, cells))
        if not row["epoch"]:
            n_without_epoch += 1
            continue
        epoch = _parse_whole(row["epoch"], "epoch", line)
        step = _parse_whole(row["step"], "step", line) if row["step"] else None
        if not groups or groups[-1].epoch != epoch:
            groups.append(_Epoch(epoch=epoch, line=line))
        group = groups[-1]
        for name in columns:
            value = parse_cell(row[name], name, line, NAME)
            if value is None:
                continue
            group.values[name] = value
            group.counts[name] = group.counts.get(name, 0) + 1
            if step is not None:
                group.step = (
                    int(step) if group.step is None else max(group.step, int(step))
                )

    notes = [EPOCH_NOTE]
    per_step = _per_step_columns(groups, notes)
    records = []
    empty_epochs = []
    for group in groups:
        values = {
            name: value for name, value in group.values.items() if name not in per_step
        }
        if not values:
            empty_epochs.append(format_epoch(group.epoch))
            continue
        records.append(
            Record(line=group.line, values=values, key=group.epoch, step=group.step)
        )

    if step_columns:
        notes.append("per-step columns were left out: " + ", ".join(step_columns))
    if empty_epochs:
        notes.append(
            "epochs with per-step values only were left out: " + ", ".join(empty_epochs)
        )
    if n_without_epoch:
        notes.append(f"{n_without_epoch} row(s) without an epoch cell were skipped")
    return assemble(records, format=NAME, notes=notes)


def _per_step_columns(groups: list[_Epoch], notes: list[str]) -> set[str]:
    """Find columns logged more than once in an epoch, and note what is done."""
    repeated: dict[str, float] = {}
    for group in groups:
        for name, count in group.counts.items():
            if count > 1 and name not in repeated:
                repeated[name] = group.epoch
    per_step = {
        name
        for name in repeated
        if not name.endswith("_epoch") and not name.startswith(VALIDATION_PREFIXES)
    }
    for name, epoch in repeated.items():
        if name in per_step:
            notes.append(
                f"column {name!r} has several values in epoch "
                f"{format_epoch(epoch)}, so it is logged per step and was left "
                "out; log it with on_epoch=True to get one value per epoch"
            )
        else:
            notes.append(
                f"column {name!r} has several values in epoch "
                f"{format_epoch(epoch)}; the last value of each epoch was kept"
            )
    return per_step


def _parse_whole(cell: str, column: str, line: int) -> float:
    value = parse_number(cell)
    if value is None or not value.is_integer() or value < 0:
        raise IngestError(
            f"a whole number of 0 or more in column {column!r}",
            got=shorten(cell),
            line=line,
            format=NAME,
            fix="Check that the row was not cut off or edited.",
        )
    return value
