"""``still_improving``: validation loss still falls at the end of the run.

Rule: over the recent window (the last third of the logged points, at least
five), the monitored loss (validation, else training) falls with Kendall
p < alpha, and its last value is within 3 sigma of its best value. Training
longer would probably help.
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

CODE = "still_improving"


def detect(ctx: Context) -> Outcome:
    series = ctx.loss
    if series is None:
        return SkippedCheck(CODE, "no loss series was logged")
    x, y = ctx.observed(series)
    if y.size < 3:
        return SkippedCheck(CODE, "fewer than 3 finite loss values")
    trend = ctx.trend(series)
    if trend.direction != "falling":
        return None
    sigma = ctx.noise(series)
    if y[-1] > float(np.min(y)) + NOISE_MULTIPLE * sigma:
        return None
    return Finding(
        code=CODE,
        severity=Severity.INFO,
        epochs=(trend.window_start, trend.window_end),
        evidence={
            "series": series.name,
            "slope_per_epoch": rounded(trend.slope),
            "p_value": rounded(trend.p_value),
            "last_value": rounded(float(y[-1])),
        },
        message=f"{series.name} still falls at the end of the run "
        f"({fmt(trend.slope or 0.0)} per epoch since epoch {trend.window_start:g}, "
        f"Kendall p = {trend.p_value:.2g}): more epochs would probably help.",
    )
