"""``val_loss_rising``: validation loss rises after its minimum.

Rule: with the rise measured as in ``rise.measure_rise`` (end level = median
of the last three values after the minimum y*), the finding holds when

    n_after >= 2,  rise > max(3 sigma_val, excursion),
    and  (p_kendall < alpha or rise > 6 sigma_val),

where excursion is the largest bump the series recovered from before its
minimum (``rise.measure_rise``), and no value after the minimum exceeds
100 |y*| (that is an explosion, reported by ``loss_spike`` and
``non_finite`` as divergence, not overfitting). Severity
grows with the relative rise, rise / |y*|: medium from 5%, high from 15%,
critical from 50%.
"""

from __future__ import annotations


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

CODE = "val_loss_rising"


def relative_rise(rise: float, best: float) -> float:
    return rise / abs(best) if best != 0 else float("inf")


def detect(ctx: Context) -> Outcome:
    if ctx.val_loss is None:
        return SkippedCheck(CODE, "no validation loss series was logged")
    rise = ctx.loss_rise
    if rise is None or rise.n_after < 2:
        return None
    if rise.rise <= max(NOISE_MULTIPLE * rise.noise, rise.excursion):
        return None
    if not (rise.p_value < ALPHA or rise.rise > STRONG_NOISE_MULTIPLE * rise.noise):
        return None
    if rise.exploded:
        return None
    relative = relative_rise(rise.rise, rise.best_value)
    best_epoch = ctx.epoch_at(rise.best_index)
    last_epoch = float(ctx.epochs[-1])
    return Finding(
        code=CODE,
        severity=severity_at_least(relative, (0.05, 0.15, 0.5)),
        epochs=(best_epoch, last_epoch),
        evidence={
            "best_epoch": best_epoch,
            "best_value": rounded(rise.best_value),
            "end_value": rounded(rise.end_value),
            "rise": rounded(rise.rise),
            "relative_rise": rounded(relative),
            "rise_in_noise": rounded(rise.rise_in_noise),
            "noise": rounded(rise.noise),
            "recovered_excursion": rounded(rise.excursion),
            "p_value": rounded(rise.p_value),
            "epochs_after_best": rise.n_after,
        },
        message=f"Validation loss rose from its minimum {fmt(rise.best_value)} at "
        f"epoch {best_epoch:g} to {fmt(rise.end_value)} "
        f"(+{relative:.0%}, {rise.rise_in_noise:.1f} times its noise) over the "
        f"{rise.n_after} epochs after it.",
    )
