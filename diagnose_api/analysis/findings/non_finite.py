"""``non_finite``: NaN or infinity in any series.

Rule: a series has a non-finite value at epoch e when its logged value is
NaN or +-inf (a value that was not logged is missing, not non-finite). The
finding lists, per series, the first such epoch, their count, and whether
they last to the end of the run. Severity is critical when a loss series is
affected, medium otherwise.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity

CODE = "non_finite"


def detect(ctx: Context) -> Outcome:
    per_series = {}
    first_epochs = []
    for name, series in ctx.history.series.items():
        bad = series.non_finite
        if not bad.any():
            continue
        positions = np.flatnonzero(bad)
        observed_after = series.observed[positions[0] :]
        first_epoch = ctx.epoch_at(int(positions[0]))
        first_epochs.append(first_epoch)
        per_series[name] = {
            "first_epoch": first_epoch,
            "n_non_finite": int(positions.size),
            "persists_to_end": not observed_after.any(),
        }
    if not per_series:
        return None
    loss_names = {s.name for s in (ctx.train_loss, ctx.val_loss) if s is not None}
    severity = Severity.CRITICAL if loss_names & per_series.keys() else Severity.MEDIUM
    first = min(first_epochs)
    names = ", ".join(sorted(per_series))
    return Finding(
        code=CODE,
        severity=severity,
        epochs=tuple(sorted(set(first_epochs))),
        evidence={"series": per_series, "first_epoch": first},
        message=f"Non-finite values (NaN or infinity) appear from epoch {first:g} "
        f"in {names}.",
    )
