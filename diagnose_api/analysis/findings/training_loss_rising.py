"""``training_loss_rising``: training loss itself trends upward.

Rule: with the rise of the training loss after its own minimum (position j,
see ``rise.measure_rise``),

    n_after >= 2,  rise_T > 3 sigma_T,  and  (p_kendall < alpha or rise_T > 6 sigma_T),

unless validation loss rose more than twice as much over the same epochs
(V_end - V_j > 2 rise_T): then the generalization gap, not the optimizer,
dominates, and the run is read as overfitting with a noisy training loss.
A rising training loss is an optimization problem (learning rate, schedule,
data pipeline), never overfitting.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import ALPHA
from diagnose_api.analysis.context import Context
from diagnose_api.analysis.findings.base import NOISE_MULTIPLE
from diagnose_api.analysis.findings.base import STRONG_NOISE_MULTIPLE
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import fmt
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.findings.base import severity_at_least
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import SkippedCheck
from diagnose_api.analysis.rise import end_level

CODE = "training_loss_rising"
GAP_DOMINANCE = 2.0


def validation_change_after(ctx: Context, start: int) -> float | None:
    """Change of validation loss from position ``start`` to its end level."""
    if ctx.val_loss is None:
        return None
    values = ctx.finite_values(ctx.val_loss)
    segment = values[start:]
    finite = np.flatnonzero(np.isfinite(segment))
    if finite.size < 2:
        return None
    return end_level(segment[finite[1:]]) - float(segment[finite[0]])


def detect(ctx: Context) -> Outcome:
    if ctx.train_loss is None:
        return SkippedCheck(CODE, "no training loss series was logged")
    rise = ctx.train_rise
    if rise is None or rise.n_after < 2:
        return None
    if rise.rise <= NOISE_MULTIPLE * rise.noise:
        return None
    if not (rise.p_value < ALPHA or rise.rise > STRONG_NOISE_MULTIPLE * rise.noise):
        return None
    val_change = validation_change_after(ctx, rise.best_index)
    if val_change is not None and val_change > GAP_DOMINANCE * rise.rise:
        return None
    relative = rise.rise / abs(rise.best_value) if rise.best_value else float("inf")
    best_epoch = ctx.epoch_at(rise.best_index)
    return Finding(
        code=CODE,
        severity=severity_at_least(relative, (0.05, 0.15, 0.5)),
        epochs=(best_epoch, float(ctx.epochs[-1])),
        evidence={
            "min_epoch": best_epoch,
            "min_value": rounded(rise.best_value),
            "end_value": rounded(rise.end_value),
            "rise": rounded(rise.rise),
            "relative_rise": rounded(relative),
            "rise_in_noise": rounded(rise.rise_in_noise),
            "p_value": rounded(rise.p_value),
            "validation_change": rounded(val_change),
        },
        message=f"Training loss rose from {fmt(rise.best_value)} at epoch "
        f"{best_epoch:g} to {fmt(rise.end_value)} (+{relative:.0%}): the optimizer "
        "is losing ground on the training set, which is not overfitting.",
    )
