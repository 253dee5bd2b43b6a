"""Overfitting risk score, 0-100, as a sum of documented factors.

Rule
----
With the validation loss V (training loss when no validation was logged),
its minimum V* at position i*, sigma_V its noise level measured on the
epochs up to i* (see below), and the end level
V_end the median of the last three values after i*:

=================  =========================================  ==========================
factor             measured value x                           points
=================  =========================================  ==========================
val_loss_rise      r = max(0, V_end - V* - tol) / |V*|         40 (1 - exp(-r / 0.1))
rise_significance  1 - p (Kendall over i*..n-1), if r > 0      15 x
gap_growth         g = max(0, G_end - G(i*) - 2 sigma_G)/|V*|  20 (1 - exp(-g / 0.1))
epochs_past_best   f = n_after / (n - 1), if r > 0             10 f min(1, r / 0.05)
accuracy_decline   d = max(0, A_peak - A_end - 2 sigma_A)      10 (1 - exp(-d / 0.02))
accuracy_gap       a = max(0, A_train,end - A_val,end)         5 min(1, a / 0.3)
=================  =========================================  ==========================

The noise levels here are measured on the epochs up to the best one only
(0 when fewer than 8 are logged there), so that reshaping the curve after
its minimum cannot move the tolerance it is judged against. A loss that
explodes after its minimum (a value above 100 |V*|) is
divergence, not overfitting, and scores r = 0. G is the generalization gap
V - T, and tol = max(2 sigma_V, excursion),
the larger of twice the noise and the largest bump validation loss made and
recovered from before its minimum (``rise.measure_rise``). The score is the sum, rounded to one
decimal and capped at 100. Every term is non-decreasing in the rise of
validation loss after its minimum, so a steeper rise never lowers the score,
up to the explosion bound above, where the rise term drops to 0.
Levels: none below 10, low below 30, moderate below 60, high below 80,
severe from 80. docs/risk.md works an example by hand.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.noise import noise_scale
from diagnose_api.analysis.result import Risk
from diagnose_api.analysis.result import RiskFactor
from diagnose_api.analysis.rise import end_level

LEVELS = ((80.0, "severe"), (60.0, "high"), (30.0, "moderate"), (10.0, "low"))


def level_of(score: float) -> str:
    for threshold, name in LEVELS:
        if score >= threshold:
            return name
    return "none"


def _saturating(x: float, scale: float) -> float:
    return float(1.0 - np.exp(-x / scale))


# Below this many points before the minimum, their noise estimate reads the
# curvature of the first fast epochs as noise, so it is not used.
MIN_NOISE_POINTS = 8


def noise_before(values: np.ndarray, best_index: int) -> float:
    """Noise level of the finite values up to and including ``best_index``; 0 if too few."""
    head = values[: best_index + 1]
    head = head[np.isfinite(head)]
    if head.size < MIN_NOISE_POINTS:
        return 0.0
    sigma = noise_scale(head)
    return sigma if np.isfinite(sigma) else 0.0


def _gap_growth(ctx: Context, best_index: int, best_value: float) -> float | None:
    gap = ctx.gap
    if gap is None or not np.isfinite(gap[best_index]):
        return None
    after = gap[best_index + 1 :]
    after = after[np.isfinite(after)]
    if after.size == 0:
        return 0.0
    sigma = noise_before(gap, best_index)
    growth = end_level(after) - float(gap[best_index]) - 2 * sigma
    return max(0.0, growth) / abs(best_value) if best_value else 0.0


def _accuracy_decline(ctx: Context) -> float | None:
    if ctx.val_accuracy is None:
        return None
    rise = ctx.val_accuracy_fall
    if rise is None:
        return None
    return max(0.0, rise.rise - 2 * rise.noise)


def _accuracy_gap(ctx: Context) -> float | None:
    if ctx.train_accuracy is None or ctx.val_accuracy is None:
        return None
    train = end_level(ctx.finite_values(ctx.train_accuracy))
    val = end_level(ctx.finite_values(ctx.val_accuracy))
    if not (np.isfinite(train) and np.isfinite(val)):
        return None
    return max(0.0, train - val)


def score_risk(ctx: Context) -> Risk:
    """Score the overfitting risk of a run; every factor is in the result."""
    factors: list[RiskFactor] = []
    rise = ctx.loss_rise
    relative_rise = None
    if (
        rise is not None
        and rise.best_value != 0
        and rise.n_after > 0
        and not rise.exploded
    ):
        values = ctx.finite_values(ctx.loss)
        tolerance = max(2 * noise_before(values, rise.best_index), rise.excursion)
        relative_rise = max(0.0, rise.rise - tolerance) / abs(rise.best_value)
    r = relative_rise or 0.0
    factors.append(
        RiskFactor(
            "val_loss_rise",
            relative_rise,
            40 * _saturating(r, 0.1),
            "rise of validation loss since its minimum beyond its noise and "
            "earlier recovered bumps, relative to the minimum",
        )
    )
    significance = 1.0 - rise.p_value if rise is not None and r > 0 else None
    factors.append(
        RiskFactor(
            "rise_significance",
            significance,
            15 * (significance or 0.0),
            "1 - Kendall p-value of validation loss after its minimum",
        )
    )
    gap_growth = None
    if rise is not None:
        gap_growth = _gap_growth(ctx, rise.best_index, rise.best_value)
    factors.append(
        RiskFactor(
            "gap_growth",
            gap_growth,
            20 * _saturating(gap_growth or 0.0, 0.1),
            "growth of the generalization gap since the best epoch beyond twice "
            "its noise, relative to the best validation loss",
        )
    )
    n = int(ctx.loss.observed.sum()) if ctx.loss is not None else 0
    past = rise.n_after / (n - 1) if rise is not None and n > 1 and r > 0 else None
    factors.append(
        RiskFactor(
            "epochs_past_best",
            past,
            10 * (past or 0.0) * min(1.0, r / 0.05),
            "share of logged epochs after the best one, weighted by the rise",
        )
    )
    decline = _accuracy_decline(ctx)
    factors.append(
        RiskFactor(
            "accuracy_decline",
            decline,
            10 * _saturating(decline or 0.0, 0.02),
            "fall of validation accuracy from its peak beyond twice its noise",
        )
    )
    accuracy_gap = _accuracy_gap(ctx)
    factors.append(
        RiskFactor(
            "accuracy_gap",
            accuracy_gap,
            5 * min(1.0, (accuracy_gap or 0.0) / 0.3),
            "training minus validation accuracy at the end",
        )
    )
    rounded_factors = tuple(
        RiskFactor(
            f.name,
            None if f.value is None else float(f"{f.value:.6g}"),
            round(f.contribution, 2),
            f.description,
        )
        for f in factors
    )
    score = round(min(100.0, sum(f.contribution for f in factors)), 1)
    return Risk(score=score, level=level_of(score), factors=rounded_factors)
