"""``chance_level``: loss near ln(C) and accuracy near 1/C for some class count C.

Rule: with L the median of the last half of the validation loss (training
loss when no validation loss was logged) and A the median of the last half
of the matching accuracy,

    C = round(exp(L)),  2 <= C <= 1000,
    |L - ln C| <= 0.05 ln C,
    |A - 1/C| <= min(0.06, max(0.02, 0.5 / C)).

A cross-entropy of ln C is what a classifier that outputs the uniform
distribution over C classes scores, and 1/C its expected accuracy. Loss
alone lies near ln C for some C at almost any value, so the check needs an
accuracy series.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.fast_stats import median
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import fmt
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.history import Series
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.result import SkippedCheck

CODE = "chance_level"
MAX_CLASSES = 1000
LOSS_TOLERANCE = 0.05


def last_half_median(ctx: Context, series: Series) -> float:
    values = series.values[series.observed]
    if values.size == 0:
        return float("nan")
    return median(values[values.size // 2 :])


def accuracy_tolerance(n_classes: int) -> float:
    return min(0.06, max(0.02, 0.5 / n_classes))


def detect(ctx: Context) -> Outcome:
    pairs = [
        (ctx.val_loss, ctx.val_accuracy),
        (ctx.train_loss, ctx.train_accuracy),
    ]
    usable = [
        (loss, acc) for loss, acc in pairs if loss is not None and acc is not None
    ]
    if not usable:
        return SkippedCheck(CODE, "needs a loss and an accuracy of the same split")
    loss, accuracy = usable[0]
    level = last_half_median(ctx, loss)
    accuracy_level = last_half_median(ctx, accuracy)
    if not (np.isfinite(level) and np.isfinite(accuracy_level)) or level <= 0:
        return None
    n_classes = int(round(float(np.exp(min(level, 50.0)))))
    if not 2 <= n_classes <= MAX_CLASSES:
        return None
    chance_loss = float(np.log(n_classes))
    if abs(level - chance_loss) > LOSS_TOLERANCE * chance_loss:
        return None
    if abs(accuracy_level - 1.0 / n_classes) > accuracy_tolerance(n_classes):
        return None
    x, _ = ctx.observed(loss)
    return Finding(
        code=CODE,
        severity=Severity.HIGH,
        epochs=(float(x[len(x) // 2]), float(x[-1])),
        evidence={
            "n_classes": n_classes,
            "loss": rounded(level),
            "chance_loss": rounded(chance_loss),
            "accuracy": rounded(accuracy_level),
            "chance_accuracy": rounded(1.0 / n_classes),
            "series": [loss.name, accuracy.name],
        },
        message=f"{loss.name} stays near {fmt(level)} = ln {n_classes} and "
        f"{accuracy.name} near {fmt(accuracy_level)} = 1/{n_classes}: the model "
        f"does no better than guessing among {n_classes} classes.",
    )
