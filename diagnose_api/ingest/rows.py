"""Assemble the records a reader found into rows with increasing epochs.

Rules, applied in file order to records keyed by epoch (or by step for
logs without epochs):

- consecutive records with the same key are one row: with
  ``merge_same_key`` their values merge (a later value of the same metric
  wins), otherwise the later record replaces the earlier one;
- a key lower than the previous row's key is a restart (a run resumed
  from a checkpoint or started again). The rows from that key on are
  dropped, the later records kept, and a note records the restart;
- a key that decreases again straight after a restart, before any
  increase, raises IngestError: the rows are out of order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog


@dataclass(frozen=True)
class Record:
    """Metric values one reader found at one place of the log.

    ``key`` is the epoch (or step) the values belong to, None when the log
    has neither. ``line`` is the 1-based line where the record starts.
    """

    line: int | None
    values: dict[str, float | None]
    key: float | None = None
    step: int | None = None


@dataclass
class _Row:
    key: float | None
    step: int | None
    line: int | None
    values: dict[str, float | None] = field(default_factory=dict)


def format_epoch(value: float) -> str:
    """Print an epoch as the log would: ``3`` for 3.0, ``1.5`` for 1.5."""
    return str(int(value)) if float(value).is_integer() else repr(value)


def assemble(
    records: Sequence[Record],
    *,
    format: str,
    notes: Sequence[str] = (),
    key_name: str = "epoch",
    merge_same_key: bool = False,
    meta: dict[str, Any] | None = None,
) -> ParsedLog:
    """Build a ParsedLog from ``records`` with the rules of this module.

    Parameters
    ----------
    records : sequence of Record
        Records in file order.
    format : str
        Reader name, stored on the result and named in errors.
    notes : sequence of str
        Notes the reader already has; restart and repeat notes follow them.
    key_name : {"epoch", "step"}
        What the record keys are. With "epoch" the keys become
        ``ParsedLog.epochs``; with "step" they become ``ParsedLog.steps``
        and epochs are None.
    merge_same_key : bool
        Merge consecutive records with equal keys instead of replacing.
    meta : dict, optional
        Stored on the result as ``ParsedLog.meta``.

    Raises
    ------
    IngestError
        When there are no records, some records have a key and others not,
        a key is NaN or infinite, or keys decrease twice in a row.
    """
    if key_name not in ("epoch", "step"):
        raise ValueError(f"key_name must be 'epoch' or 'step', got {key_name!r}")
    if not records:
        raise IngestError(
            "at least one row of metric values",
            got="none",
            format=format,
            fix="Check that the file is the log of a run that finished at "
            "least one epoch, or pass format= if it was detected wrongly.",
        )
    all_notes = list(notes)
    keyed = [record.key is not None for record in records]
    if any(keyed) and not all(keyed):
        first_missing = records[keyed.index(False)]
        raise IngestError(
            f"an {key_name} number on every row, like the rows before",
            got="a row without one",
            line=first_missing.line,
            format=format,
            fix=f"Add the {key_name} to that row or remove the row.",
        )
    for record in records:
        if record.key is not None and not math.isfinite(record.key):
            raise IngestError(
                f"a finite {key_name} number",
                got=repr(record.key),
                line=record.line,
                format=format,
                fix=f"Write the {key_name} as a number.",
            )
    if any(keyed):
        rows = _rows_by_key(records, format, key_name, merge_same_key, all_notes)
    else:
        rows = [
            _Row(None, record.step, record.line, dict(record.values))
            for record in records
        ]
    return _to_parsed_log(rows, format, key_name, all_notes, meta or {})


def _rows_by_key(
    records: Sequence[Record],
    format: str,
    key_name: str,
    merge_same_key: bool,
    notes: list[str],
) -> list[_Row]:
    rows: list[_Row] = []
    restart_line: int | None = None
    n_repeats = 0
    first_repeat_line: int | None = None

    for record in records:
        key = record.key
        assert key is not None
        last = rows[-1] if rows else None

        if last is not None and key == last.key:
            if merge_same_key:
                for name, value in record.values.items():
                    if value is not None or name not in last.values:
                        last.values[name] = value
                last.step = record.step if record.step is not None else last.step
            else:
                n_repeats += 1
                first_repeat_line = first_repeat_line or record.line
                rows[-1] = _Row(key, record.step, record.line, dict(record.values))
            continue

        if last is not None and last.key is not None and key < last.key:
            if restart_line is not None:
                raise IngestError(
                    f"{key_name}s that increase again after the restart at "
                    f"line {restart_line}",
                    got=f"{key_name} {format_epoch(key)} after "
                    f"{format_epoch(last.key)}",
                    line=record.line,
                    format=format,
                    fix=f"Sort the rows by {key_name}, or send each run's log "
                    "separately.",
                )
            restart_line = record.line
            earlier_rows = [
                row for row in rows if row.key is not None and row.key < key
            ]
            notes.append(
                f"{key_name}s restart at line {record.line} ({key_name} "
                f"{format_epoch(key)} follows {format_epoch(last.key)}): the "
                f"earlier rows from {key_name} {format_epoch(key)} on were "
                "replaced by the later ones"
            )
            rows = earlier_rows
            rows.append(_Row(key, record.step, record.line, dict(record.values)))
            continue

        restart_line = None
        rows.append(_Row(key, record.step, record.line, dict(record.values)))

    if n_repeats:
        notes.append(
            f"{n_repeats} {key_name} row(s) were logged twice in a row, first "
            f"at line {first_repeat_line}: the later row was kept"
        )
    return rows


def _to_parsed_log(
    rows: list[_Row],
    format: str,
    key_name: str,
    notes: list[str],
    meta: dict[str, Any],
) -> ParsedLog:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row.values))
    series = {name: [row.values.get(name) for row in rows] for name in names}

    keys = [row.key for row in rows]
    has_keys = all(key is not None for key in keys)
    row_steps = [row.step for row in rows]
    steps = row_steps if all(step is not None for step in row_steps) else None

    epochs: list[float] | None = None
    if key_name == "epoch" and has_keys:
        epochs = [float(key) for key in keys]  # type: ignore[arg-type]
    elif key_name == "step" and has_keys:
        steps = [int(key) for key in keys]  # type: ignore[arg-type]
    return ParsedLog(
        series=series,
        epochs=epochs,
        steps=steps,  # type: ignore[arg-type]
        format=format,
        notes=tuple(notes),
        meta=meta,
    )
