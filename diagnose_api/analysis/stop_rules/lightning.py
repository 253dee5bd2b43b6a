"""Replay of PyTorch Lightning's ``EarlyStopping`` on a logged series."""

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
from diagnose_api.analysis.stop_rules.improvement import orient
from diagnose_api.analysis.stop_rules.improvement import orient_scalar

__all__ = ["LightningStopResult", "simulate_lightning"]

NON_FINITE_METRIC = "non_finite_metric"
STOPPING_THRESHOLD = "stopping_threshold"
DIVERGENCE_THRESHOLD = "divergence_threshold"
PATIENCE_EXHAUSTED = "patience_exhausted"
NOT_STOPPED = "not_stopped"

# The order in which Lightning checks the reasons at one position.
CHECK_ORDER = (
    NON_FINITE_METRIC,
    STOPPING_THRESHOLD,
    DIVERGENCE_THRESHOLD,
    PATIENCE_EXHAUSTED,
)


@dataclass(frozen=True)
class LightningStopResult:
    """Outcome of replaying Lightning ``EarlyStopping`` on one series.

    Attributes
    ----------
    stopped_index : int or None
        Position at which training stops; None when it never stops.
    best_index : int or None
        Position of the best score before the stop (or at the end); None
        when no value improved on the initial +-inf.
    best_value : float or None
        The value at ``best_index``.
    wait : int
        Lightning's ``wait_count`` after the last position processed.
    reason : str
        ``"non_finite_metric"``, ``"stopping_threshold"``,
        ``"divergence_threshold"``, ``"patience_exhausted"`` or
        ``"not_stopped"``.
    message : str
        One sentence quoting the observed value and the threshold.
    """

    stopped_index: int | None
    best_index: int | None
    best_value: float | None
    wait: int
    reason: str
    message: str


def simulate_lightning(
    values: np.ndarray,
    *,
    mode: Mode,
    min_delta: float = 0.0,
    patience: int = 3,
    stopping_threshold: float | None = None,
    divergence_threshold: float | None = None,
    check_finite: bool = True,
    missing: np.ndarray | None = None,
) -> LightningStopResult:
    """Replay Lightning's ``EarlyStopping`` on a logged series.

    The best score starts at +inf (min) or -inf (max). At each position
    ``t`` Lightning checks, in this order, and stops at the first that
    fires:

    1. ``non_finite_metric``: the value is NaN or +-inf (only when
       ``check_finite``).
    2. ``stopping_threshold``: ``value < stopping_threshold`` (min) or
       ``value > stopping_threshold`` (max).
    3. ``divergence_threshold``: ``value > divergence_threshold`` (min) or
       ``value < divergence_threshold`` (max).
    4. Improvement (see `improves`): the best moves to the value and
       ``wait = 0``.
    5. Otherwise ``wait += 1``, and ``patience_exhausted`` when
       ``wait >= patience``.

    Parameters
    ----------
    values : numpy.ndarray
        1-D monitored series; positions are 0-based indices into it.
    mode : {"min", "max"}
        Whether lower or higher values are better.
    min_delta : float, default 0.0
        A value improves only when it beats the best by more than this,
        >= 0.
    patience : int, default 3
        Number of checks without improvement before stopping, >= 0.
    stopping_threshold : float or None, default None
        Stop as soon as the value is better than this.
    divergence_threshold : float or None, default None
        Stop as soon as the value is worse than this.
    check_finite : bool, default True
        Stop at the first NaN or infinite value. When False, a NaN counts
        as a check without improvement.
    missing : numpy.ndarray or None, default None
        bool mask of positions where the monitor was not logged. They are
        skipped, as Lightning does with ``strict=False``.

    Returns
    -------
    LightningStopResult

    Raises
    ------
    ValueError
        On an unknown ``mode``, a negative or non-finite ``min_delta``, a
        negative ``patience``, a NaN threshold, or a ``missing`` mask of
        another shape.

    Notes
    -----
    Each reason is located independently over the whole series (first
    non-finite value, first value past each threshold, first position
    where the wait counter reaches ``patience``). The earliest wins, and
    a tie goes to the reason checked first. This is exact because no
    check changes the state that the others read before the first stop.

    References
    ----------
    PyTorch Lightning 2, ``lightning.pytorch.callbacks.EarlyStopping``
    (src/lightning/pytorch/callbacks/early_stopping.py).
    """
    check_mode(mode)
    check_min_delta(min_delta)
    check_count("patience", patience)
    check_threshold("stopping_threshold", stopping_threshold)
    check_threshold("divergence_threshold", divergence_threshold)
    series, missing_mask = as_series(values, missing)

    positions = np.flatnonzero(~missing_mask)
    monitored = series[positions]
    oriented = orient(monitored, mode)

    improved = improvement_ranks(oriented, min_delta, initial_best=np.inf)
    last_improvement = np.full(positions.size, -1, dtype=np.int64)
    last_improvement[improved] = improved
    wait = np.arange(positions.size) - np.maximum.accumulate(last_improvement)
    patience_exhausted = wait >= patience
    patience_exhausted[improved] = False

    firing = {
        NON_FINITE_METRIC: ~np.isfinite(monitored) if check_finite else None,
        STOPPING_THRESHOLD: _beyond(oriented, stopping_threshold, mode, below=True),
        DIVERGENCE_THRESHOLD: _beyond(
            oriented, divergence_threshold, mode, below=False
        ),
        PATIENCE_EXHAUSTED: patience_exhausted,
    }
    stop_rank, reason = _first_stop(firing)

    if stop_rank is None:
        best_index, best_value = _best_before(improved, positions, series, None)
        final_wait = int(wait[-1]) if positions.size else 0
        return LightningStopResult(
            stopped_index=None,
            best_index=best_index,
            best_value=best_value,
            wait=final_wait,
            reason=NOT_STOPPED,
            message=(
                f"Not stopped after {positions.size} monitored positions: "
                f"final wait {final_wait} with patience {patience}, "
                f"{_describe_best(best_index, best_value)}."
            ),
        )

    stopped_index = int(positions[stop_rank])
    best_index, best_value = _best_before(improved, positions, series, stop_rank)
    # A threshold or non-finite stop happens before the wait counter moves.
    if reason == PATIENCE_EXHAUSTED:
        stop_wait = int(wait[stop_rank])
    else:
        stop_wait = int(wait[stop_rank - 1]) if stop_rank > 0 else 0
    thresholds = {
        STOPPING_THRESHOLD: stopping_threshold,
        DIVERGENCE_THRESHOLD: divergence_threshold,
    }
    return LightningStopResult(
        stopped_index=stopped_index,
        best_index=best_index,
        best_value=best_value,
        wait=stop_wait,
        reason=reason,
        message=_stopped_message(
            reason,
            stopped_index,
            float(series[stopped_index]),
            mode,
            thresholds.get(reason),
            stop_wait,
            patience,
            min_delta,
            _describe_best(best_index, best_value),
        ),
    )


def _beyond(
    oriented: np.ndarray, threshold: float | None, mode: Mode, *, below: bool
) -> np.ndarray | None:
    """Mask of values better (``below``) or worse than a threshold."""
    if threshold is None:
        return None
    oriented_threshold = orient_scalar(threshold, mode)
    if below:
        return oriented < oriented_threshold
    return oriented > oriented_threshold


def _first_stop(
    firing: dict[str, np.ndarray | None],
) -> tuple[int | None, str]:
    """Return the earliest firing rank and its reason, ties in check order."""
    stop_rank: int | None = None
    stop_reason = NOT_STOPPED
    for reason in CHECK_ORDER:
        mask = firing[reason]
        if mask is None or mask.size == 0:
            continue
        rank = int(mask.argmax())
        # argmax also returns 0 when the mask has no True.
        if mask[rank] and (stop_rank is None or rank < stop_rank):
            stop_rank, stop_reason = rank, reason
    return stop_rank, stop_reason


def _best_before(
    improved: np.ndarray,
    positions: np.ndarray,
    series: np.ndarray,
    stop_rank: int | None,
) -> tuple[int | None, float | None]:
    """Return the last improvement strictly before a rank (or overall)."""
    if stop_rank is not None:
        improved = improved[improved < stop_rank]
    if improved.size == 0:
        return None, None
    best_index = int(positions[improved[-1]])
    return best_index, float(series[best_index])


def _describe_best(best_index: int | None, best_value: float | None) -> str:
    if best_index is None:
        return "no best score yet"
    return f"best score {best_value:.6g} at position {best_index}"


def _stopped_message(
    reason: str,
    stopped_index: int,
    value: float,
    mode: Mode,
    threshold: float | None,
    wait: int,
    patience: int,
    min_delta: float,
    best: str,
) -> str:
    better, worse = ("<", ">") if mode == "min" else (">", "<")
    where = f"Stopped at position {stopped_index}"
    if reason == NON_FINITE_METRIC:
        return f"{where}: value {value} is not finite, {best}."
    if reason == STOPPING_THRESHOLD:
        return f"{where}: value {value:.6g} {better} stopping_threshold {threshold:g}."
    if reason == DIVERGENCE_THRESHOLD:
        return f"{where}: value {value:.6g} {worse} divergence_threshold {threshold:g}."
    return (
        f"{where}: wait {wait} >= patience {patience}, value {value:.6g} does "
        f"not improve by more than min_delta {min_delta:g} on {best}."
    )
