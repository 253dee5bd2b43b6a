"""``loss_spike``: a jump far outside the series' own noise.

Rule: for each loss series, with the first differences d_i between logged
neighbours (``spacing.contiguous_differences``; a difference across a gap
in the epochs is left out), the robust z-score

    z_i = (d_i - median(d)) / (1.4826 MAD(d))

marks a spike at i when z_i > 6, d_i > 0 (a drop is not a spike),
d_i > 0.1 |y_{i-1}| (at least a tenth of the value before it) and
d_i > 0.02 (max y - min y) (material on the scale of the whole curve), so a
jump of 0.0006 on a flat line, or of 0.004 on a training loss that fell
from 1.8 to 0.01, is not a spike. Under Gaussian noise z > 6 has
a chance of about 1e-9 per point, so 100,000 points of plain noise raise
no alarm.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.fast_stats import median_and_mad
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import fmt
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.findings.base import severity_at_least
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import SkippedCheck
from diagnose_api.analysis.history import Series

CODE = "loss_spike"
Z_THRESHOLD = 6.0
MIN_RELATIVE_JUMP = 0.1
MIN_RANGE_FRACTION = 0.02
MAX_LISTED_EPOCHS = 20


def spikes_in(ctx: Context, series: Series) -> list[dict]:
    values = series.values
    diffs = ctx.differences(series)
    if diffs.values.size < 3:
        return []
    finite = np.isfinite(diffs.values)
    if finite.all():
        d, ends = diffs.values, diffs.end_positions
    else:
        d, ends = diffs.values[finite], diffs.end_positions[finite]
    if d.size < 3:
        return []
    center, scale = median_and_mad(d)
    scale = max(scale, 1e-3 * ctx.magnitude(series), 1e-300)
    _, observed = ctx.observed(series)
    material = MIN_RANGE_FRACTION * float(np.ptp(observed))
    excess = d - center
    # One pass keeps the few candidates for the exact tests below. Its z bound
    # is looser than z > 6 by far more than a rounding error, so no spike is lost.
    candidates = np.flatnonzero(
        (d > material) & (excess > Z_THRESHOLD * (1 - 1e-9) * scale)
    )
    if candidates.size == 0:
        return []
    jump = d[candidates]
    z = excess[candidates] / scale
    before = values[ends[candidates] - 1]
    # For a gap-free pair the point before is the previous position; where it
    # was not logged, fall back to the jump size alone.
    relative_ok = ~np.isfinite(before) | (jump > MIN_RELATIVE_JUMP * np.abs(before))
    # Differences of values near the float64 limit overflow to inf; they are
    # not measurable jumps, and non_finite or the explosion rule covers them.
    hits = np.flatnonzero(np.isfinite(z) & (z > Z_THRESHOLD) & relative_ok)
    return [
        {
            "epoch": ctx.epoch_at(int(ends[candidates[k]])),
            "jump": rounded(float(jump[k])),
            "z_score": rounded(float(z[k])),
        }
        for k in hits
    ]


def detect(ctx: Context) -> Outcome:
    curves = [s for s in (ctx.train_loss, ctx.val_loss) if s is not None]
    if not curves:
        return SkippedCheck(CODE, "no loss series was logged")
    spikes = {}
    for series in curves:
        found = spikes_in(ctx, series)
        if found:
            spikes[series.name] = found
    if not spikes:
        return None
    all_spikes = [s for found in spikes.values() for s in found]
    epochs = sorted({s["epoch"] for s in all_spikes})
    worst = max(all_spikes, key=lambda s: s["z_score"])
    listed = {name: found[:MAX_LISTED_EPOCHS] for name, found in spikes.items()}
    return Finding(
        code=CODE,
        severity=severity_at_least(float(worst["z_score"]), (10.0, 30.0, 1000.0)),
        epochs=tuple(epochs[:MAX_LISTED_EPOCHS]),
        evidence={"n_spikes": len(all_spikes), "spikes": listed},
        message=f"{len(all_spikes)} loss spike(s); the largest, at epoch "
        f"{worst['epoch']:g}, jumps by {fmt(worst['jump'])} "
        f"({fmt(worst['z_score'])} robust standard deviations).",
    )
