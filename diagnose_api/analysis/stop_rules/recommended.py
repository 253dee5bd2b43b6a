"""Keras ``EarlyStopping`` parameters fitted to the noise of one run."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from diagnose_api.analysis.noise import noise_scale
from diagnose_api.analysis.stop_rules.improvement import Mode
from diagnose_api.analysis.stop_rules.improvement import as_series
from diagnose_api.analysis.stop_rules.improvement import check_count
from diagnose_api.analysis.stop_rules.improvement import check_mode
from diagnose_api.analysis.stop_rules.improvement import improvement_ranks
from diagnose_api.analysis.stop_rules.improvement import orient

__all__ = [
    "CONSTANT_RELATIVE_MIN_DELTA",
    "MIN_DELTA_NOISE_MULTIPLE",
    "RecommendedStopRule",
    "recommend_stop_rule",
]

# min_delta in units of the noise scale sigma. On a flat stretch the
# difference of two noisy values has standard deviation sqrt(2) * sigma, and
# 1.645 * sqrt(2) = 2.33 is its one-sided 5% critical value under normal
# noise. So a value beats an earlier value of the same underlying level by
# more than min_delta about 5% of the time.
MIN_DELTA_NOISE_MULTIPLE = 2.33
# min_delta relative to the median absolute value when the noise scale is 0
# (a constant or coarsely quantized series), so that any step larger than
# 0.1% of the typical value still counts as an improvement.
CONSTANT_RELATIVE_MIN_DELTA = 1e-3
SIGNIFICANT_DIGITS = 2

PATIENCE_EXHAUSTED = "patience_exhausted"
NOT_STOPPED = "not_stopped"
INSUFFICIENT_DATA = "insufficient_data"
NO_SAFE_PATIENCE = "no_safe_patience"


@dataclass(frozen=True)
class RecommendedStopRule:
    """Recommended ``EarlyStopping`` arguments and what they do on this run.

    Attributes
    ----------
    min_delta : float or None
        Recommended ``min_delta``, 2 significant figures; None when the
        series has too few finite values to estimate its noise.
    patience : int or None
        Smallest safe ``patience``; None when none up to ``max_patience``
        is safe, or with too few values.
    stopped_index : int or None
        Position where Keras would stop with these arguments; None when it
        would not stop.
    best_index : int or None
        Position of the weights it would restore.
    epochs_saved : int
        ``n - 1 - stopped_index`` positions not trained, 0 without a stop.
    noise : float
        The noise scale of the monitored series (NaN with too few values).
    reason : str
        ``"patience_exhausted"`` (would stop), ``"not_stopped"``,
        ``"no_safe_patience"`` or ``"insufficient_data"``.
    message : str
        One sentence quoting min_delta, its basis, patience and the stop.
    """

    min_delta: float | None
    patience: int | None
    stopped_index: int | None
    best_index: int | None
    epochs_saved: int
    noise: float
    reason: str
    message: str


def recommend_stop_rule(
    values: np.ndarray,
    *,
    mode: Mode,
    missing: np.ndarray | None = None,
    max_patience: int | None = None,
    noise: float | None = None,
) -> RecommendedStopRule:
    """Recommend ``min_delta`` and ``patience`` from the noise of a series.

    ``min_delta = round_2sig(2.33 * sigma)``, with ``sigma`` the
    `noise_scale` of the monitored values. When ``sigma`` is 0,
    ``min_delta = round_2sig(0.001 * median(|value|))`` instead.

    ``patience`` is the smallest ``p`` in ``1..max_patience`` for which the
    Keras replay (`simulate_keras` with this ``min_delta``, no baseline)
    does not stop on noise. A stop is on noise when the best value it
    restores is worse than the best finite value of the whole series by
    more than ``min_delta``, so that stopping there lost an improvement
    that mattered. A replay that never stops is safe.

    Parameters
    ----------
    values : numpy.ndarray
        1-D monitored series; positions are 0-based indices into it.
    mode : {"min", "max"}
        Whether lower or higher values are better.
    missing : numpy.ndarray or None, default None
        bool mask of positions where the monitor was not logged; they are
        skipped as in `simulate_keras`.
    max_patience : int or None, default None
        Largest patience tried, >= 1. The default, the number of monitored
        positions, always finds a safe patience, because a patience that
        long never stops.
    noise : float or None, default None
        `noise_scale` of the monitored values, when the caller has already
        computed it; None computes it here.

    Returns
    -------
    RecommendedStopRule

    Raises
    ------
    ValueError
        On an unknown ``mode``, a ``max_patience`` below 1, or a ``missing``
        mask of another shape.

    Notes
    -----
    The improvements that the replay finds do not depend on ``patience``,
    so they are found once. With improvement ranks ``r_0 < r_1 < ...``
    among the monitored positions, patience ``p`` stops at rank
    ``r_i + p`` after the first improvement ``i`` with gap
    ``r_{i+1} - r_i > p`` (``m - r_i > p`` for the last one, with ``m``
    monitored positions), and restores ``r_i``. Improvement values fall
    strictly, so the improvements on noise are the first ones, and the
    smallest safe patience is

        max(1, h, max over improvements i on noise of (r_{i+1} - r_i))

    in O(n). ``h = r_0 + 1`` covers a stop before the first improvement,
    which restores nothing. It is 0 when no such stop can happen, because
    Keras never stops at position 0. The last improvement is never on
    noise, because no later value beats it by more than ``min_delta``.
    """
    check_mode(mode)
    if max_patience is not None:
        check_count("max_patience", max_patience, minimum=1)
    series, missing_mask = as_series(values, missing)

    positions = np.flatnonzero(~missing_mask)
    monitored = series[positions]
    if noise is None:
        noise = noise_scale(monitored)
    if math.isnan(noise):
        n_finite = int(np.count_nonzero(np.isfinite(monitored)))
        return RecommendedStopRule(
            min_delta=None,
            patience=None,
            stopped_index=None,
            best_index=None,
            epochs_saved=0,
            noise=noise,
            reason=INSUFFICIENT_DATA,
            message=(
                f"No recommendation: {n_finite} finite monitored values, "
                "at least 3 are needed to estimate the noise."
            ),
        )

    min_delta, basis = _min_delta(noise, monitored)
    limit = positions.size if max_patience is None else max_patience
    oriented = orient(monitored, mode)
    improved = improvement_ranks(oriented, min_delta, initial_best=None)
    gaps = np.append(improved[1:], oriented.size) - improved
    patience = _smallest_safe_patience(
        oriented, positions, improved, gaps, min_delta, limit
    )
    if patience is None:
        return RecommendedStopRule(
            min_delta=min_delta,
            patience=None,
            stopped_index=None,
            best_index=None,
            epochs_saved=0,
            noise=noise,
            reason=NO_SAFE_PATIENCE,
            message=(
                f"min_delta {min_delta:g} ({basis}), but every patience in "
                f"1..{limit} stops before a best within min_delta of the "
                "overall best."
            ),
        )

    stop_rank, best_rank = _stop_after_improvement(improved, gaps, patience)
    best_index = int(positions[best_rank])
    settings = (
        f"min_delta {min_delta:g} ({basis}) and patience {patience}, the "
        f"smallest in 1..{limit} that does not stop on noise"
    )
    if stop_rank is None:
        return RecommendedStopRule(
            min_delta=min_delta,
            patience=patience,
            stopped_index=None,
            best_index=best_index,
            epochs_saved=0,
            noise=noise,
            reason=NOT_STOPPED,
            message=f"With {settings}, training would not have stopped.",
        )

    stopped_index = int(positions[stop_rank])
    epochs_saved = series.size - 1 - stopped_index
    return RecommendedStopRule(
        min_delta=min_delta,
        patience=patience,
        stopped_index=stopped_index,
        best_index=best_index,
        epochs_saved=epochs_saved,
        noise=noise,
        reason=PATIENCE_EXHAUSTED,
        message=(
            f"With {settings}, training would have stopped at position "
            f"{stopped_index} and restored position "
            f"{best_index}, saving {epochs_saved} positions."
        ),
    )


def _min_delta(noise: float, monitored: np.ndarray) -> tuple[float, str]:
    """Return ``min_delta`` and a phrase that states how it was derived."""
    if noise > 0:
        raw = MIN_DELTA_NOISE_MULTIPLE * noise
        rounded = _round_significant(raw)
        # Near the float64 limit the product or its rounding overflows.
        if math.isfinite(rounded):
            return rounded, f"{MIN_DELTA_NOISE_MULTIPLE:g} x noise scale {noise:.3g}"

    finite = monitored[np.isfinite(monitored)]
    typical = float(np.median(np.abs(finite)))
    raw = CONSTANT_RELATIVE_MIN_DELTA * typical
    return _round_significant(raw), (
        f"noise scale 0, so {CONSTANT_RELATIVE_MIN_DELTA:g} x median "
        f"absolute value {typical:.3g}"
    )


def _round_significant(value: float) -> float:
    """Round a non-negative value to SIGNIFICANT_DIGITS significant figures."""
    if value == 0.0:
        return 0.0
    return float(f"{value:.{SIGNIFICANT_DIGITS - 1}e}")


def _smallest_safe_patience(
    oriented: np.ndarray,
    positions: np.ndarray,
    improved: np.ndarray,
    gaps: np.ndarray,
    min_delta: float,
    limit: int,
) -> int | None:
    """Return the smallest patience in 1..limit that does not stop on noise.

    ``improved`` contains the improvement ranks of ``oriented`` with this
    ``min_delta``, and ``gaps[i]`` the number of ranks from improvement
    ``i`` to the next one (or to the end).
    """
    global_best = float(np.min(oriented[np.isfinite(oriented)]))
    first = int(improved[0])

    # Before the first improvement (leading NaN) the wait counter counts
    # from the start. A stop there restores nothing, so it is on noise.
    # Keras never stops at position 0, which matters only when rank 0 is
    # the sole rank before the first improvement.
    head_can_stop = positions[0] > 0 or first >= 2
    head_gap = first + 1 if head_can_stop else 0

    # A patience p is safe when no gap on noise exceeds it. Improvements
    # fall strictly, so those on noise come first.
    n_on_noise = int(np.count_nonzero(oriented[improved] - global_best > min_delta))
    patience = max(1, head_gap, int(gaps[:n_on_noise].max(initial=0)))
    return patience if patience <= limit else None


def _stop_after_improvement(
    improved: np.ndarray, gaps: np.ndarray, patience: int
) -> tuple[int | None, int]:
    """Return the rank where Keras stops (None without a stop) and the rank it restores.

    After improvement ``i`` the wait counter reaches ``patience`` at rank
    ``improved[i] + patience``, so Keras stops there when
    ``gaps[i] > patience`` and restores ``improved[i]``. Without a stop,
    the best is the last improvement. ``patience`` must be at least 1 and
    safe (`_smallest_safe_patience`), so no stop happens before the first
    improvement.
    """
    stops = gaps > patience
    stop = int(stops.argmax())
    # argmax also returns 0 when no gap exceeds the patience.
    if not stops[stop]:
        return None, int(improved[-1])
    best_rank = int(improved[stop])
    return best_rank + patience, best_rank
