"""``not_learning``: training loss barely moves from its start.

Rule: with T_0 the first finite training loss (validation loss when no
training loss was logged) and T_min its minimum,

    (T_0 - T_min) / |T_0| < 0.05

over at least 3 finite values. A log that starts late (its first epoch is
more than 1.5 typical steps from zero, like epochs 76 to 85 of a long run)
does not show the start of training, so the check is skipped there.
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

CODE = "not_learning"
MIN_RELATIVE_DROP = 0.05


def detect(ctx: Context) -> Outcome:
    series = ctx.train_loss if ctx.train_loss is not None else ctx.val_loss
    if series is None:
        return SkippedCheck(CODE, "no loss series was logged")
    if ctx.starts_late:
        return SkippedCheck(
            CODE,
            f"the log starts at epoch {float(ctx.epochs[0]):g}, after training began",
        )
    x, y = ctx.observed(series)
    if y.size < 3:
        return SkippedCheck(CODE, "fewer than 3 finite loss values")
    first = float(y[0])
    if first == 0:
        return None
    drop = (first - float(np.min(y))) / abs(first)
    if drop >= MIN_RELATIVE_DROP:
        return None
    return Finding(
        code=CODE,
        severity=Severity.HIGH,
        epochs=(float(x[0]), float(x[-1])),
        evidence={
            "series": series.name,
            "first_value": rounded(first),
            "min_value": rounded(float(np.min(y))),
            "relative_drop": rounded(drop),
        },
        message=f"{series.name} fell only {drop:.1%} from its first value "
        f"{fmt(first)} over {y.size} epochs: the model is not learning.",
    )
