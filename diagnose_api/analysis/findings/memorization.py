"""``memorization``: the training set is fitted almost perfectly, with a large gap.

Rule, on end levels (median of the last three values):

* with accuracies: A_train >= 0.99 and A_train - A_val >= 0.05;
* otherwise: T_end <= 0.01 max(T) (training loss fell by 99% or more) and
  V_end >= 10 T_end.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import fmt
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.result import SkippedCheck
from diagnose_api.analysis.rise import end_level

CODE = "memorization"
SATURATED_ACCURACY = 0.99
ACCURACY_GAP = 0.05
LOSS_FRACTION = 0.01
LOSS_RATIO = 10.0


def detect(ctx: Context) -> Outcome:
    last = float(ctx.epochs[-1])
    if ctx.train_accuracy is not None and ctx.val_accuracy is not None:
        train = end_level(ctx.finite_values(ctx.train_accuracy))
        val = end_level(ctx.finite_values(ctx.val_accuracy))
        if train >= SATURATED_ACCURACY and train - val >= ACCURACY_GAP:
            return Finding(
                code=CODE,
                severity=Severity.MEDIUM,
                epochs=(last,),
                evidence={
                    "train_accuracy": rounded(train),
                    "val_accuracy": rounded(val),
                    "accuracy_gap": rounded(train - val),
                },
                message=f"Training accuracy reached {fmt(train)} while validation "
                f"accuracy stays at {fmt(val)}: the model memorizes its training set.",
            )
    if ctx.train_loss is None or ctx.val_loss is None:
        return SkippedCheck(CODE, "needs training and validation loss or accuracy")
    train_values = ctx.finite_values(ctx.train_loss)
    if not np.isfinite(train_values).any():
        return None
    peak = float(np.nanmax(train_values))
    train_end = end_level(train_values)
    val_end = end_level(ctx.finite_values(ctx.val_loss))
    if not (peak > 0 and 0 <= train_end <= LOSS_FRACTION * peak):
        return None
    if not val_end >= LOSS_RATIO * train_end:
        return None
    return Finding(
        code=CODE,
        severity=Severity.MEDIUM,
        epochs=(last,),
        evidence={
            "train_loss_end": rounded(train_end),
            "train_loss_max": rounded(peak),
            "val_loss_end": rounded(val_end),
        },
        message=f"Training loss fell to {fmt(train_end)} ({train_end / peak:.2%} of "
        f"its maximum) while validation loss stays at {fmt(val_end)}: the model "
        "memorizes its training set.",
    )
