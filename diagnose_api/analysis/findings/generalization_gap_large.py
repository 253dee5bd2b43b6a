"""``generalization_gap_large``: the gap is large, whatever its trend.

Rule, on end levels (median of the last three values):

* accuracy gap A_train - A_val >= 0.10 when both accuracies are logged
  (medium; high from 0.20, critical from 0.40);
* otherwise loss ratio V / T >= 2 with V > T (low; medium from 5, high from 20).

The loss ratio grows without bound as training loss nears zero, so it only
decides when no accuracy was logged.
"""

from __future__ import annotations

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import fmt
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.findings.base import severity_at_least
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import SkippedCheck
from diagnose_api.analysis.rise import end_level

CODE = "generalization_gap_large"
ACCURACY_GAP = 0.10
LOSS_RATIO = 2.0


def detect(ctx: Context) -> Outcome:
    last = float(ctx.epochs[-1])
    if ctx.train_accuracy is not None and ctx.val_accuracy is not None:
        train = end_level(ctx.finite_values(ctx.train_accuracy))
        val = end_level(ctx.finite_values(ctx.val_accuracy))
        gap = train - val
        if not gap >= ACCURACY_GAP:
            return None
        return Finding(
            code=CODE,
            severity=severity_at_least(gap, (ACCURACY_GAP, 0.2, 0.4)),
            epochs=(last,),
            evidence={
                "train_accuracy": rounded(train),
                "val_accuracy": rounded(val),
                "accuracy_gap": rounded(gap),
            },
            message=f"Training accuracy {fmt(train)} exceeds validation accuracy "
            f"{fmt(val)} by {gap * 100:.1f} percentage points at the end of the run.",
        )
    if ctx.train_loss is None or ctx.val_loss is None:
        return SkippedCheck(CODE, "needs training and validation loss or accuracy")
    train_loss = end_level(ctx.finite_values(ctx.train_loss))
    val_loss = end_level(ctx.finite_values(ctx.val_loss))
    if not (train_loss > 0 and val_loss > train_loss):
        return None
    ratio = val_loss / train_loss
    if ratio < LOSS_RATIO:
        return None
    return Finding(
        code=CODE,
        # A loss ratio alone is never critical.
        severity=severity_at_least(ratio, (5.0, 20.0, float("inf"))),
        epochs=(last,),
        evidence={
            "train_loss": rounded(train_loss),
            "val_loss": rounded(val_loss),
            "loss_ratio": rounded(ratio),
        },
        message=f"Validation loss {fmt(val_loss)} is {ratio:.3g} times the training "
        f"loss {fmt(train_loss)} at the end of the run.",
    )
