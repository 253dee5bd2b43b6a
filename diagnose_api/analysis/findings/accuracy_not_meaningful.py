"""``accuracy_not_meaningful``: accuracy reported on what looks like regression.

Rule: an accuracy series is logged beside a regression metric (mse, mae,
mape, msle, rmse or their long names), and every finite accuracy value is
at most 0.1. Keras' ``accuracy`` compares floats for equality, so on
continuous targets it sits near zero and means nothing.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.roles import split_name

CODE = "accuracy_not_meaningful"
REGRESSION_KINDS = frozenset(
    {
        "mse",
        "mae",
        "mape",
        "msle",
        "rmse",
        "mean_squared_error",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error",
        "root_mean_squared_error",
    }
)
MAX_ACCURACY = 0.1


def detect(ctx: Context) -> Outcome:
    accuracies = [s for s in (ctx.train_accuracy, ctx.val_accuracy) if s is not None]
    if not accuracies:
        return None
    regression = [
        n for n in ctx.history.series if split_name(n).kind in REGRESSION_KINDS
    ]
    if not regression:
        return None
    values = np.concatenate([s.values[s.observed] for s in accuracies])
    if values.size == 0 or float(values.max()) > MAX_ACCURACY:
        return None
    return Finding(
        code=CODE,
        severity=Severity.LOW,
        epochs=(float(ctx.epochs[0]), float(ctx.epochs[-1])),
        evidence={
            "accuracy_series": [s.name for s in accuracies],
            "regression_metrics": regression,
            "max_accuracy": rounded(float(values.max())),
        },
        message="Accuracy stays at or below "
        f"{float(values.max()):.3g} beside the regression metrics "
        f"{', '.join(regression)}: on continuous targets accuracy is not a "
        "meaningful metric.",
    )
