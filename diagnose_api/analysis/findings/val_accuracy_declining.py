"""``val_accuracy_declining``: validation accuracy falls from its peak.

Rule: with the peak A* at position j and the end level the median of the
last three values after j,

    n_after >= 2,  decline = A* - end_level > 3 sigma_A,
    and (Kendall tau over j..n-1 < 0 with p < alpha, or decline > 6 sigma_A).
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import ALPHA
from diagnose_api.analysis.context import Context
from diagnose_api.analysis.findings.base import NOISE_MULTIPLE
from diagnose_api.analysis.findings.base import STRONG_NOISE_MULTIPLE
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import fmt
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.findings.base import severity_at_least
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import SkippedCheck

CODE = "val_accuracy_declining"


def detect(ctx: Context) -> Outcome:
    if ctx.val_accuracy is None:
        return SkippedCheck(CODE, "no validation accuracy series was logged")
    # A fall from the peak of A is a rise after the minimum of -A.
    rise = ctx.val_accuracy_fall
    if rise is None or rise.n_after < 2:
        return None
    decline = rise.rise
    if decline <= NOISE_MULTIPLE * rise.noise:
        return None
    if not (rise.p_value < ALPHA or decline > STRONG_NOISE_MULTIPLE * rise.noise):
        return None
    peak = -rise.best_value
    end = -rise.end_value
    peak_epoch = ctx.epoch_at(rise.best_index)
    return Finding(
        code=CODE,
        severity=severity_at_least(decline, (0.01, 0.05, 0.15)),
        epochs=(peak_epoch, float(ctx.epochs[-1])),
        evidence={
            "peak_epoch": peak_epoch,
            "peak_value": rounded(peak),
            "end_value": rounded(end),
            "decline": rounded(decline),
            "decline_in_noise": rounded(rise.rise_in_noise),
            "p_value": rounded(rise.p_value),
        },
        message=f"Validation accuracy fell from its peak {fmt(peak)} at epoch "
        f"{peak_epoch:g} to {fmt(end)} ({np.round(decline * 100, 2):g} points).",
    )
