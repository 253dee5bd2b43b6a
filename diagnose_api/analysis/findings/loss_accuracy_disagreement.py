"""``loss_accuracy_disagreement``: validation loss rises while accuracy holds.

Rule: validation loss rose after its minimum at position i (rise >
max(3 sigma_V, excursion) with at least two epochs after i, as in
``val_loss_rising`` but without its trend test), validation accuracy at the end is no
worse than at i by more than its noise (A_end >= A_i - sigma_A), and the
best epoch by accuracy comes after the best epoch by loss. The model grows
over-confident on the examples it gets wrong: loss and accuracy disagree on
the best epoch, and calibration (temperature scaling) or monitoring the
metric that matters is the remedy.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.findings.base import NOISE_MULTIPLE
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import fmt
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.result import SkippedCheck
from diagnose_api.analysis.rise import end_level

CODE = "loss_accuracy_disagreement"


def detect(ctx: Context) -> Outcome:
    if ctx.val_loss is None or ctx.val_accuracy is None:
        return SkippedCheck(CODE, "needs validation loss and validation accuracy")
    rise = ctx.loss_rise
    if rise is None or rise.n_after < 2 or rise.exploded:
        return None
    if rise.rise <= max(NOISE_MULTIPLE * rise.noise, rise.excursion):
        return None
    accuracy = ctx.finite_values(ctx.val_accuracy)
    if not np.isfinite(accuracy).any():
        return None
    accuracy_at_loss_best = accuracy[rise.best_index]
    if not np.isfinite(accuracy_at_loss_best):
        return None
    accuracy_end = end_level(accuracy[rise.best_index + 1 :])
    sigma = ctx.noise(ctx.val_accuracy)
    if not accuracy_end >= accuracy_at_loss_best - sigma:
        return None
    best_by_accuracy = int(np.nanargmax(accuracy))
    if best_by_accuracy <= rise.best_index:
        return None
    loss_epoch = ctx.epoch_at(rise.best_index)
    accuracy_epoch = ctx.epoch_at(best_by_accuracy)
    return Finding(
        code=CODE,
        severity=Severity.MEDIUM,
        epochs=(loss_epoch, accuracy_epoch),
        evidence={
            "best_epoch_by_loss": loss_epoch,
            "best_epoch_by_accuracy": accuracy_epoch,
            "val_loss_rise": rounded(rise.rise),
            "val_accuracy_at_loss_best": rounded(float(accuracy_at_loss_best)),
            "val_accuracy_end": rounded(accuracy_end),
        },
        message=f"Validation loss rose by {fmt(rise.rise)} after epoch {loss_epoch:g} "
        f"while validation accuracy went from {fmt(float(accuracy_at_loss_best))} to "
        f"{fmt(accuracy_end)}: the model grows over-confident, and loss and accuracy "
        f"disagree on the best epoch ({loss_epoch:g} against {accuracy_epoch:g}).",
    )
