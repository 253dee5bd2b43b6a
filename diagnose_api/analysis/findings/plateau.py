"""``plateau``: every loss curve is flat over the recent window.

Rule: for each logged loss (training and validation), over the recent
window (the last third, at least five points),

    |end_level - start_level| <= max(3 sigma, 0.01 |start_level|),

where the start and end levels are medians of the first and last three
values of the window. The 1% floor keeps a crawl of 0.0002 per epoch on a
loss of 1.15 flat.
"""

from __future__ import annotations

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.fast_stats import median
from diagnose_api.analysis.findings.base import NOISE_MULTIPLE
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.result import SkippedCheck
from diagnose_api.analysis.trends import recent_window_start

CODE = "plateau"
RELATIVE_FLATNESS = 0.01


def detect(ctx: Context) -> Outcome:
    curves = [s for s in (ctx.train_loss, ctx.val_loss) if s is not None]
    if not curves:
        return SkippedCheck(CODE, "no loss series was logged")
    evidence = {}
    window_start = None
    for series in curves:
        x, y = ctx.observed(series)
        if y.size < 4:
            return SkippedCheck(CODE, f"fewer than 4 finite values of {series.name}")
        start = recent_window_start(y.size)
        window = y[start:]
        first = median(window[:3])
        last = median(window[-3:])
        change = last - first
        tolerance = max(
            NOISE_MULTIPLE * ctx.noise(series), RELATIVE_FLATNESS * abs(first)
        )
        if abs(change) > tolerance:
            return None
        evidence[series.name] = {
            "window_start": float(x[start]),
            "change": rounded(change),
            "tolerance": rounded(tolerance),
        }
        window_start = (
            float(x[start])
            if window_start is None
            else min(window_start, float(x[start]))
        )
    assert window_start is not None
    return Finding(
        code=CODE,
        severity=Severity.LOW,
        epochs=(window_start, float(ctx.epochs[-1])),
        evidence=evidence,
        message=f"Every loss curve is flat since epoch {window_start:g}: "
        "the run has stopped making progress.",
    )
