"""``lr_schedule_step``: a step in the curves that lines up with a learning-rate change.

Rule: a learning-rate series (``lr``, ``learning_rate``, or Lightning's
``lr-<optimizer>``) changes at epoch e when lr_e / lr_{e-1} >= 1.5 or
<= 1/1.5. At each such epoch a loss curve steps when its change from the
previous logged value exceeds 3 sigma of that curve. The finding lists every
change and the curves that stepped with it.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.findings.base import NOISE_MULTIPLE
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.history import Series
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.result import SkippedCheck
from diagnose_api.analysis.roles import normalize

CODE = "lr_schedule_step"
MIN_FACTOR = 1.5


def learning_rate_series(ctx: Context) -> Series | None:
    for name, series in ctx.history.series.items():
        normalized = normalize(name)
        if normalized in ("lr", "learning_rate") or normalized.startswith("lr_"):
            return series
    return None


def detect(ctx: Context) -> Outcome:
    lr = learning_rate_series(ctx)
    if lr is None:
        return SkippedCheck(
            CODE, "no learning-rate series (lr, learning_rate) was logged"
        )
    positions = np.flatnonzero(lr.observed & (lr.values > 0))
    if positions.size < 2:
        return None
    values = lr.values[positions]
    with np.errstate(over="ignore"):
        factors = values[1:] / values[:-1]
    changes = np.flatnonzero((factors >= MIN_FACTOR) | (factors <= 1 / MIN_FACTOR))
    if changes.size == 0:
        return None
    curves = [s for s in (ctx.train_loss, ctx.val_loss) if s is not None]
    steps = []
    for i in changes:
        position = int(positions[i + 1])
        stepped = []
        for curve in curves:
            current = curve.values[position]
            previous = curve.values[:position][curve.observed[:position]]
            if not curve.observed[position] or previous.size == 0:
                continue
            change = float(current - previous[-1])
            if abs(change) > NOISE_MULTIPLE * ctx.noise(curve):
                stepped.append({"series": curve.name, "change": rounded(change)})
        steps.append(
            {
                "epoch": ctx.epoch_at(position),
                "factor": rounded(float(factors[i])),
                "curves_stepped": stepped,
            }
        )
    aligned = [s for s in steps if s["curves_stepped"]]
    epochs = tuple(s["epoch"] for s in steps)
    message = f"The learning rate ({lr.name}) changed {len(steps)} time(s)"
    if aligned:
        listed = ", ".join(f"{s['epoch']:g}" for s in aligned)
        message += f", and the loss curves stepped with it at epoch(s) {listed}."
    else:
        message += ", with no step in the loss curves beyond their noise."
    return Finding(
        code=CODE,
        severity=Severity.INFO,
        epochs=epochs,
        evidence={"series": lr.name, "changes": steps},
        message=message,
    )
