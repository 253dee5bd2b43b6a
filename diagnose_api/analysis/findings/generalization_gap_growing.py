"""``generalization_gap_growing``: validation minus training loss widens.

Rule: with the gap G(t) = V(t) - T(t) over the window W that starts at the
best validation epoch (or the recent window when fewer than two epochs
follow the best),

    Kendall tau(G on W) > 0 with p < alpha,
    growth = end_level(G on W) - G(start of W) > max(3 sigma_G, excursion_G),
    end_level(G on W) > 0,

where excursion_G is the largest bump of G before W that G came back from
(see ``rise.measure_rise``), so a negative gap that shrinks (validation
below training, closing in) or a wobble like earlier ones does not count.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import ALPHA
from diagnose_api.analysis.context import Context
from diagnose_api.analysis.fast_stats import median
from diagnose_api.analysis.findings.base import NOISE_MULTIPLE
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import fmt
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.findings.base import severity_at_least
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import SkippedCheck
from diagnose_api.analysis.rise import end_level
from diagnose_api.analysis.trends import kendall
from diagnose_api.analysis.trends import recent_window_start

CODE = "generalization_gap_growing"


def gap_window_start(ctx: Context, n: int) -> int:
    """Start of the gap window: the best validation epoch, else the recent window."""
    rise = ctx.loss_rise
    if rise is not None and rise.n_after >= 2:
        return rise.best_index
    return recent_window_start(n)


def detect(ctx: Context) -> Outcome:
    gap = ctx.gap
    if gap is None:
        return SkippedCheck(CODE, "needs both a training and a validation loss")
    finite = np.isfinite(gap)
    if finite.sum() < 3:
        return SkippedCheck(CODE, "fewer than 3 epochs log both losses")
    start = gap_window_start(ctx, ctx.history.n_epochs)
    window = finite.copy()
    window[:start] = False
    x = ctx.epochs[window]
    g = gap[window]
    if g.size < 3:
        return None
    tau, p_value = kendall(x, g)
    sigma = ctx.gap_noise
    level = median(np.abs(gap[finite]), overwrite_input=True)
    sigma = max(sigma, 1e-3 * level) if np.isfinite(sigma) else 1e-3 * level
    end = end_level(g[1:])
    growth = end - float(g[0])
    before = gap[:start][finite[:start]]
    excursion = 0.0
    if before.size:
        excursion = float(np.max(before - np.minimum.accumulate(before)))
    tolerance = max(NOISE_MULTIPLE * sigma, excursion)
    if not (tau > 0 and p_value < ALPHA and growth > tolerance and end > 0):
        return None
    scale = abs(ctx.loss_rise.best_value) if ctx.loss_rise else abs(end)
    relative = growth / scale if scale else float("inf")
    return Finding(
        code=CODE,
        severity=severity_at_least(relative, (0.1, 0.3, 1.0)),
        epochs=(float(x[0]), float(x[-1])),
        evidence={
            "gap_start": rounded(float(g[0])),
            "gap_end": rounded(end),
            "growth": rounded(growth),
            "growth_in_noise": rounded(growth / sigma if sigma else float("inf")),
            "p_value": rounded(p_value),
            "window_start": float(x[0]),
        },
        message=f"The generalization gap (validation minus training loss) widened "
        f"from {fmt(float(g[0]))} at epoch {float(x[0]):g} to {fmt(end)} "
        f"(Kendall p = {p_value:.2g}).",
    )
