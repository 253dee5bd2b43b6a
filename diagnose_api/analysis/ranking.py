"""Rank the runs of a sweep by their best validation value.

Rule: a run's key is the best value of its monitored series (validation
loss unless the options name another monitor). Runs with a key come first,
ordered by it in the monitor's direction: lowest first for ``min``, highest
first for ``max``. Ties keep the request order. Runs without a key come
last, in request order. A run has no key when its monitored value is never
finite, or when it logged no validation loss and its default monitor fell
back to the training loss, because a training value does not compare with
validation values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from diagnose_api.analysis.result import Diagnosis


@dataclass(frozen=True)
class RankedRun:
    """A run's name and the value it is ranked by (None when unranked)."""

    name: str
    value: float | None
    mode: str | None


def ranking_value(diagnosis: Diagnosis, monitor_chosen: bool) -> float | None:
    """Return the value a run is ranked by, or None when it has none.

    ``monitor_chosen`` is True when the options named the monitor; the
    training-loss fallback only applies to the default monitor.
    """
    value = diagnosis.best_value
    if value is None or not math.isfinite(value):
        return None
    if not monitor_chosen and diagnosis.monitor == diagnosis.roles.get("train_loss"):
        return None
    return value


def rank_runs(
    runs: Sequence[tuple[str, Diagnosis]], *, monitor_chosen: bool = False
) -> list[RankedRun]:
    """Order runs by their best monitored value, by the module's rule."""
    ranked = [
        RankedRun(
            name=name,
            value=ranking_value(diagnosis, monitor_chosen),
            mode=diagnosis.mode,
        )
        for name, diagnosis in runs
    ]

    def key(run: RankedRun) -> tuple[int, float]:
        if run.value is None:
            return (1, 0.0)
        return (0, -run.value if run.mode == "max" else run.value)

    return sorted(ranked, key=key)
