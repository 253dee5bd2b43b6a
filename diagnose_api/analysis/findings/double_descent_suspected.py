"""``double_descent_suspected``: validation loss rises, then falls below its earlier minimum.

Rule, on the logged validation loss y: with g the position of the global
minimum, r(t) = min_{t' <= t} y(t') the running minimum, p the highest bump
before g, p = argmax_{t < g} (y(t) - r(t)), and i the minimum of y before p,

    y(p) - y(i) > max(3 sigma_V, 0.05 |y(i)|),
    at least two epochs between i and g lie above y(i) + 2 sigma_V,
    y(g) < y(i) - max(2 sigma_V, 0.02 |y(i)|).

The second condition keeps a single-epoch spike from passing for a bump.
The relative floors keep the wiggles of a smooth, slowly converging curve,
whose noise level is tiny, from passing for a second descent.

References
----------
Nakkiran, P. et al. (2019). Deep double descent: where bigger models and more
data hurt. arXiv:1912.02292 (epoch-wise double descent).
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

CODE = "double_descent_suspected"
MIN_EPOCHS = 6
MIN_RELATIVE_BUMP = 0.05
MIN_RELATIVE_DROP = 0.02


def detect(ctx: Context) -> Outcome:
    if ctx.val_loss is None:
        return SkippedCheck(CODE, "no validation loss series was logged")
    observed = ctx.val_loss.observed
    if observed.sum() < MIN_EPOCHS:
        return SkippedCheck(CODE, f"needs at least {MIN_EPOCHS} validation epochs")
    values = ctx.val_loss.values[observed]
    epochs = ctx.epochs[observed]
    sigma = ctx.noise(ctx.val_loss)
    g = int(np.argmin(values))
    if g < 2:
        return None
    running_min = np.minimum.accumulate(values[:g])
    p = int(np.argmax(values[:g] - running_min))
    if p == 0:
        return None
    i = int(np.argmin(values[:p]))
    bump = float(values[p] - values[i])
    drop = float(values[i] - values[g])
    n_above = int(np.count_nonzero(values[i:g] > values[i] + 2 * sigma))
    level = abs(float(values[i]))
    if not (
        bump > max(NOISE_MULTIPLE * sigma, MIN_RELATIVE_BUMP * level)
        and n_above >= 2
        and drop > max(2 * sigma, MIN_RELATIVE_DROP * level)
    ):
        return None
    return Finding(
        code=CODE,
        severity=Severity.INFO,
        epochs=(float(epochs[i]), float(epochs[p]), float(epochs[g])),
        evidence={
            "first_minimum_epoch": float(epochs[i]),
            "peak_epoch": float(epochs[p]),
            "second_minimum_epoch": float(epochs[g]),
            "bump": rounded(bump),
            "second_descent": rounded(drop),
        },
        message=f"Validation loss rose by {fmt(bump)} after epoch "
        f"{float(epochs[i]):g}, then fell {fmt(drop)} below that minimum by epoch "
        f"{float(epochs[g]):g}: an epoch-wise double descent, so stopping at the "
        "first minimum would have been premature.",
    )
