"""Replay of Keras 3 ``EarlyStopping`` on a logged series."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from diagnose_api.analysis.stop_rules.improvement import Mode
from diagnose_api.analysis.stop_rules.improvement import as_series
from diagnose_api.analysis.stop_rules.improvement import check_count
from diagnose_api.analysis.stop_rules.improvement import check_min_delta
from diagnose_api.analysis.stop_rules.improvement import check_mode
from diagnose_api.analysis.stop_rules.improvement import check_threshold
from diagnose_api.analysis.stop_rules.improvement import improvement_ranks
from diagnose_api.analysis.stop_rules.improvement import improves
from diagnose_api.analysis.stop_rules.improvement import orient
from diagnose_api.analysis.stop_rules.improvement import orient_scalar

__all__ = ["KerasStopResult", "improves", "simulate_keras"]

PATIENCE_EXHAUSTED = "patience_exhausted"
NOT_STOPPED = "not_stopped"
NO_MONITORED_VALUES = "no_monitored_values"


@dataclass(frozen=True)
class KerasStopResult:
    """Outcome of replaying Keras ``EarlyStopping`` on one series.

    Attributes
    ----------
    stopped_index : int or None
        Position at whose end training stops; None when it never stops.
    best_index : int or None
        Position of the best value when training stops (or at the end),
        the weights ``restore_best_weights=True`` would restore. None when
        no value was monitored or every monitored value was NaN.
    best_value : float or None
        The value at ``best_index``.
    wait : int
        The wait counter after the last position processed.
    reason : str
        ``"patience_exhausted"``, ``"not_stopped"`` or
        ``"no_monitored_values"``.
    message : str
        One sentence quoting the observed values and the thresholds.
    """

    stopped_index: int | None
    best_index: int | None
    best_value: float | None
    wait: int
    reason: str
    message: str


def simulate_keras(
    values: np.ndarray,
    *,
    mode: Mode,
    min_delta: float = 0.0,
    patience: int = 0,
    baseline: float | None = None,
    start_from_epoch: int = 0,
    missing: np.ndarray | None = None,
) -> KerasStopResult:
    """Replay Keras 3 ``EarlyStopping`` on a logged series.

    Positions are 0-based indices into ``values``; the caller maps them to
    epoch numbers. At each position ``t``, as Keras does at the end of
    epoch ``t``:

    1. Skip ``t`` when its value is missing or ``t < start_from_epoch``.
    2. ``wait += 1``.
    3. If the value improves on the best (see `improves`), the best moves
       to it, and ``wait = 0`` when ``baseline`` is None or the value
       also improves on ``baseline``.
    4. Otherwise stop at ``t`` when ``wait >= patience`` and ``t > 0``.

    Parameters
    ----------
    values : numpy.ndarray
        1-D monitored series.
    mode : {"min", "max"}
        Whether lower or higher values are better. Keras's ``"auto"`` is
        decided from the metric name by ``roles.direction_of``.
    min_delta : float, default 0.0
        A value improves only when it beats the best by more than this,
        >= 0.
    patience : int, default 0
        Number of monitored positions without improvement before stopping,
        >= 0.
    baseline : float or None, default None
        Until a value also beats the baseline, improvements do not reset
        the wait counter.
    start_from_epoch : int, default 0
        Positions before it are not monitored (warm-up), >= 0.
    missing : numpy.ndarray or None, default None
        bool mask of positions where the monitor was not logged. Keras
        skips such epochs entirely, as it does when ``logs`` lacks the
        monitor. NaN values without the mask are monitored values that
        never improve.

    Returns
    -------
    KerasStopResult

    Raises
    ------
    ValueError
        On an unknown ``mode``, a negative or non-finite ``min_delta``, a
        negative ``patience`` or ``start_from_epoch``, a NaN ``baseline``,
        or a ``missing`` mask of another shape.

    Notes
    -----
    Recent Keras 3 releases start ``best`` at None and take the first
    monitored value as the best whatever it is, NaN included. Here a NaN
    never improves, as in earlier Keras 3 releases that started ``best`` at
    +-inf, so a NaN counts toward ``patience`` instead of becoming a best
    that nothing beats.

    The replay is vectorized: `improvement_ranks` finds the improvements,
    and the wait counter at rank ``r`` is ``r - s``, where ``s`` is the
    rank of the last wait reset at or before ``r``, or -1 before any reset.

    References
    ----------
    Keras 3, ``keras.callbacks.EarlyStopping``
    (keras/src/callbacks/early_stopping.py).
    """
    check_mode(mode)
    check_min_delta(min_delta)
    check_count("patience", patience)
    check_count("start_from_epoch", start_from_epoch)
    check_threshold("baseline", baseline)
    series, missing_mask = as_series(values, missing)

    monitored = ~missing_mask
    monitored[:start_from_epoch] = False
    positions = np.flatnonzero(monitored)
    if positions.size == 0:
        return KerasStopResult(
            stopped_index=None,
            best_index=None,
            best_value=None,
            wait=0,
            reason=NO_MONITORED_VALUES,
            message=(
                f"No monitored value at or after start_from_epoch "
                f"{start_from_epoch} among {series.size} positions."
            ),
        )

    oriented = orient(series[positions], mode)
    improved = improvement_ranks(oriented, min_delta, initial_best=None)
    resets = improved
    if baseline is not None:
        beats_baseline = oriented[improved] + min_delta < orient_scalar(baseline, mode)
        resets = improved[beats_baseline]

    last_reset = np.full(positions.size, -1, dtype=np.int64)
    last_reset[resets] = resets
    wait = np.arange(positions.size) - np.maximum.accumulate(last_reset)
    stops = wait >= patience
    stops[improved] = False
    # Keras never stops at the end of epoch 0.
    if positions[0] == 0:
        stops[0] = False

    stop_rank = int(stops.argmax())
    # argmax also returns 0 when no rank stops.
    if not stops[stop_rank]:
        best_index, best_value = _best_before(improved, positions, series, None)
        return KerasStopResult(
            stopped_index=None,
            best_index=best_index,
            best_value=best_value,
            wait=int(wait[-1]),
            reason=NOT_STOPPED,
            message=_not_stopped_message(
                int(wait[-1]), patience, best_index, best_value, positions.size
            ),
        )

    stopped_index = int(positions[stop_rank])
    best_index, best_value = _best_before(improved, positions, series, stop_rank)
    return KerasStopResult(
        stopped_index=stopped_index,
        best_index=best_index,
        best_value=best_value,
        wait=int(wait[stop_rank]),
        reason=PATIENCE_EXHAUSTED,
        message=_stopped_message(
            stopped_index,
            float(series[stopped_index]),
            int(wait[stop_rank]),
            patience,
            min_delta,
            best_index,
            best_value,
            baseline if not (resets <= stop_rank).any() else None,
        ),
    )


def _best_before(
    improved: np.ndarray,
    positions: np.ndarray,
    series: np.ndarray,
    stop_rank: int | None,
) -> tuple[int | None, float | None]:
    """Return the position and value of the last improvement up to a rank."""
    if stop_rank is not None:
        improved = improved[improved <= stop_rank]
    if improved.size == 0:
        return None, None
    best_index = int(positions[improved[-1]])
    return best_index, float(series[best_index])


def _describe_best(best_index: int | None, best_value: float | None) -> str:
    if best_index is None:
        return "no best value yet (every monitored value was NaN)"
    return f"best {best_value:.6g} at position {best_index}"


def _stopped_message(
    stopped_index: int,
    value: float,
    wait: int,
    patience: int,
    min_delta: float,
    best_index: int | None,
    best_value: float | None,
    unbeaten_baseline: float | None,
) -> str:
    message = (
        f"Stopped at position {stopped_index}: wait {wait} >= patience "
        f"{patience}, value {value:.6g} does not improve by more than "
        f"min_delta {min_delta:g} on {_describe_best(best_index, best_value)}"
    )
    if unbeaten_baseline is not None:
        message += f", and no value improved on baseline {unbeaten_baseline:g}"
    return message + "."


def _not_stopped_message(
    wait: int,
    patience: int,
    best_index: int | None,
    best_value: float | None,
    n_monitored: int,
) -> str:
    return (
        f"Not stopped after {n_monitored} monitored positions: final wait "
        f"{wait} with patience {patience}, "
        f"{_describe_best(best_index, best_value)}."
    )
