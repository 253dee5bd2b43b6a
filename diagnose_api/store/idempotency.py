"""Idempotent appends: compare a resent epoch with the stored one.

Two metric dicts are equal when they have the same set of names and, for each
name, both values are None, both are NaN, or both are equal floats (so
``0.0`` equals ``-0.0``). An epoch resent with equal metrics is reported
unchanged. Any other difference is a conflict, and the whole request fails.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence

from diagnose_api.store.errors import EpochConflict
from diagnose_api.store.errors import StoreError
from diagnose_api.store.records import EpochRow
from diagnose_api.store.records import MetricConflict

Metrics = dict[str, float | None]


def compare_metrics(stored: Metrics, sent: Metrics) -> tuple[MetricConflict, ...]:
    """List the metrics whose stored and sent values differ, sorted by name.

    An empty tuple means the two dicts are equal under the rule above.
    """
    conflicts = []
    for metric in sorted(stored.keys() | sent.keys()):
        stored_present = metric in stored
        sent_present = metric in sent
        stored_value = stored.get(metric)
        sent_value = sent.get(metric)

        same = (
            stored_present and sent_present and _values_equal(stored_value, sent_value)
        )
        if same:
            continue

        conflicts.append(
            MetricConflict(
                metric=metric,
                stored=stored_value,
                sent=sent_value,
                stored_present=stored_present,
                sent_present=sent_present,
            )
        )

    return tuple(conflicts)


def check_resent(
    run_id: str, rows: Sequence[EpochRow], stored: Mapping[float, Metrics]
) -> list[float]:
    """Return the epochs of ``rows``, all already stored, if none conflicts.

    Parameters
    ----------
    run_id : str
        The run appended to, for the error message.
    rows : sequence of EpochRow
        Rows of the request whose epoch is already stored, sorted by epoch.
    stored : mapping of float to dict
        Stored metrics by epoch; it must contain every epoch of ``rows``.

    Raises
    ------
    EpochConflict
        If any row differs from its stored epoch. It describes the lowest
        conflicting epoch and lists all of them.
    """
    first: tuple[float, tuple[MetricConflict, ...]] | None = None
    conflicting_epochs = []
    for row in rows:
        if row.epoch not in stored:
            raise StoreError(
                f"epoch {row.epoch!r} of run {run_id!r} was neither inserted nor "
                "found; the run was probably deleted during the append"
            )

        conflicts = compare_metrics(stored[row.epoch], row.metrics)
        if not conflicts:
            continue

        conflicting_epochs.append(row.epoch)
        if first is None:
            first = (row.epoch, conflicts)

    if first is not None:
        epoch, conflicts = first
        raise EpochConflict(run_id, epoch, conflicts, tuple(conflicting_epochs))

    return [row.epoch for row in rows]


def _values_equal(stored: float | None, sent: float | None) -> bool:
    if stored is None or sent is None:
        return stored is None and sent is None

    return stored == sent or (math.isnan(stored) and math.isnan(sent))
