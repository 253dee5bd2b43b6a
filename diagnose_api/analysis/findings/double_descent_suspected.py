"""``double_descent_suspected``: validation loss rises, then falls below its earlier minimum.

Rule, on the validation loss s after a running median of three (which
removes single-epoch spikes without the lag of an exponential average,
which would move the minimum later): with g the
position of the global minimum, r(t) = min_{t' <= t} s(t') the running
minimum, p = argmax_{t < g} (s(t) - r(t)) the highest bump before g, and i
the minimum of s before p,

    s(p) - s(i) > 3 sigma_V   and   s(g) < s(i) - 2 sigma_V.

References
----------
Nakkiran, P. et al. (2019). Deep double descent: where bigger models and more
data hurt. arXiv:1912.02292 (epoch-wise double descent).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import medfilt

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


def detect(ctx: Context) -> Outcome:
    if ctx.val_loss is None:
        return SkippedCheck(CODE, "no validation loss series was logged")
    observed = ctx.val_loss.observed
    if observed.sum() < MIN_EPOCHS:
        return SkippedCheck(CODE, f"needs at least {MIN_EPOCHS} validation epochs")
    smoothed = medfilt(ctx.val_loss.values[observed], kernel_size=3)
    # medfilt pads with zeros; keep the end points as logged.
    smoothed[0] = ctx.val_loss.values[observed][0]
    smoothed[-1] = ctx.val_loss.values[observed][-1]
    epochs = ctx.epochs[observed]
    sigma = ctx.noise(ctx.val_loss)
    g = int(np.argmin(smoothed))
    if g < 2:
        return None
    running_min = np.minimum.accumulate(smoothed[:g])
    p = int(np.argmax(smoothed[:g] - running_min))
    if p == 0:
        return None
    i = int(np.argmin(smoothed[:p]))
    bump = float(smoothed[p] - smoothed[i])
    drop = float(smoothed[i] - smoothed[g])
    if not (bump > NOISE_MULTIPLE * sigma and drop > 2 * sigma):
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
