"""``val_below_train``: validation loss below training loss.

Rule: over the epochs that log both losses, the share f of epochs with
V < T is at least 0.5. This is usually benign (dropout and augmentation act
only in training, and Keras averages training loss over the epoch while
validation runs at its end). Only when it is extreme and persistent,
f >= 0.8 and median(V / T) <= 0.3, is leakage between the splits suggested
(severity medium); otherwise the severity is info.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.fast_stats import median
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.result import SkippedCheck

CODE = "val_below_train"
MIN_SHARE = 0.5
LEAKAGE_SHARE = 0.8
LEAKAGE_RATIO = 0.3


def detect(ctx: Context) -> Outcome:
    if ctx.train_loss is None or ctx.val_loss is None:
        return SkippedCheck(CODE, "needs both a training and a validation loss")
    train = ctx.finite_values(ctx.train_loss)
    val = ctx.finite_values(ctx.val_loss)
    both = np.isfinite(train) & np.isfinite(val) & (train > 0)
    if both.sum() < 3:
        return SkippedCheck(CODE, "fewer than 3 epochs log both losses")
    below = val[both] < train[both]
    share = float(below.mean())
    if share < MIN_SHARE:
        return None
    with np.errstate(over="ignore"):
        ratio = median(val[both] / train[both], overwrite_input=True)
    leakage = share >= LEAKAGE_SHARE and ratio <= LEAKAGE_RATIO
    epochs = ctx.epochs[both][below]
    message = (
        f"Validation loss is below training loss in {share:.0%} of epochs "
        f"(median ratio {ratio:.2f}): "
    )
    if leakage:
        message += (
            "so extreme and persistent that leakage between the training and "
            "validation sets should be ruled out."
        )
    else:
        message += (
            "usual with dropout, augmentation or an epoch-averaged training loss, "
            "and no sign of overfitting."
        )
    return Finding(
        code=CODE,
        severity=Severity.MEDIUM if leakage else Severity.INFO,
        epochs=(float(epochs[0]), float(epochs[-1])),
        evidence={
            "share_of_epochs": rounded(share),
            "median_ratio": rounded(ratio),
            "possible_leakage": leakage,
        },
        message=message,
    )
