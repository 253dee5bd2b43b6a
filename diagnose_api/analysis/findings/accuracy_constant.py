"""``accuracy_constant``: an accuracy series frozen at one value.

Rule: over at least 4 finite values, rounded to 3 decimals, the most common
value covers at least 80% of the epochs, or the whole series spans at most
0.002. A value frozen at or above 0.999 is saturation (``memorization``
covers it), not this finding. A frozen validation accuracy is often the
majority-class rate: the model predicts one class.
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

CODE = "accuracy_constant"
MIN_POINTS = 4
MODE_SHARE = 0.8
MAX_SPAN = 0.002
SATURATED = 0.999


def frozen_value(values: np.ndarray) -> tuple[float, float] | None:
    """The frozen value and its share of epochs, or None if the series moves.

    A value that fills more than half of the epochs is the median, so the
    median of the values rounded to 3 decimals is the only candidate for a
    share >= ``MODE_SHARE``; the full count of every value is needed only
    when the series spans at most ``MAX_SPAN``.
    """
    rounded_values = np.round(values, 3)
    # Neither the count nor np.unique depends on the order of the values.
    center = median(rounded_values, overwrite_input=True)
    share = np.count_nonzero(rounded_values == center) / values.size
    if share >= MODE_SHARE:
        return center, share
    if values.max() - values.min() > MAX_SPAN:
        return None
    unique, counts = np.unique(rounded_values, return_counts=True)
    top = int(np.argmax(counts))
    return float(unique[top]), float(counts[top] / values.size)


def detect(ctx: Context) -> Outcome:
    candidates = [s for s in (ctx.val_accuracy, ctx.train_accuracy) if s is not None]
    if not candidates:
        return SkippedCheck(CODE, "no accuracy series was logged")
    frozen = {}
    for series in candidates:
        _, values = ctx.observed(series)
        if values.size < MIN_POINTS:
            continue
        result = frozen_value(values)
        if result is None or result[0] >= SATURATED:
            continue
        value, share = result
        frozen[series.name] = {
            "value": rounded(value),
            "share_of_epochs": rounded(share),
        }
    if not frozen:
        return None
    name, details = next(iter(frozen.items()))
    return Finding(
        code=CODE,
        severity=Severity.HIGH,
        epochs=(float(ctx.epochs[0]), float(ctx.epochs[-1])),
        evidence={"series": frozen},
        message=f"{name} is frozen at {details['value']:g} in "
        f"{details['share_of_epochs']:.0%} of epochs: often the rate of the "
        "majority class, which means the model predicts one class and accuracy "
        "says nothing about what it learns.",
    )
