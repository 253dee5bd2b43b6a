"""The verdict on a run, from its findings, by a fixed precedence.

Rule, first match wins:

1. ``diverged``: a loss series turns NaN or infinite and stays so to the
   end, or its last finite value is above 100 times its minimum.
2. ``insufficient_data``: fewer than 3 finite values of the loss that the
   checks read (validation, else training).
3. ``unstable``: ``training_loss_rising`` (an optimization problem, so never
   overfitting), or a non-finite value the run recovered from.
4. ``overfitting``: ``val_loss_rising``; ``loss_accuracy_disagreement``
   (validation loss rises while accuracy holds: the model overfits its
   confidence); or ``val_accuracy_declining`` together with
   ``generalization_gap_growing``.
5. ``underfitting``: ``not_learning``, ``chance_level``, or a frozen
   validation accuracy (``accuracy_constant``).
6. ``unstable``: ``val_noisy`` of medium severity or more, or ``loss_spike``.
7. ``healthy``.

``val_below_train`` never raises the status: validation below training is
no sign of overfitting or divergence by itself.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.result import Status

EXPLOSION_FACTOR = 100.0
MIN_FINITE = 3
NOISY_SEVERITIES = (Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


def exploded(ctx: Context) -> bool:
    """Check whether a loss's last finite value exceeds ``EXPLOSION_FACTOR`` times its minimum."""
    for series in (ctx.train_loss, ctx.val_loss):
        if series is None or not series.observed.any():
            continue
        values = series.values[series.observed]
        low = float(values.min())
        if low > 0 and float(values[-1]) > EXPLOSION_FACTOR * low:
            return True
    return False


def loss_non_finite(ctx: Context, findings: dict[str, Finding]) -> tuple[bool, bool]:
    """Check whether a loss series has non-finite values, and whether they last."""
    finding = findings.get("non_finite")
    if finding is None:
        return False, False
    loss_names = {s.name for s in (ctx.train_loss, ctx.val_loss) if s is not None}
    affected = {
        name: detail
        for name, detail in finding.evidence["series"].items()
        if name in loss_names
    }
    persists = any(detail["persists_to_end"] for detail in affected.values())
    return bool(affected), persists


def decide_status(ctx: Context, findings: list[Finding]) -> Status:
    """Apply the precedence above to a run's findings."""
    by_code = {f.code: f for f in findings}
    any_non_finite, persistent = loss_non_finite(ctx, by_code)
    if persistent or exploded(ctx):
        return Status.DIVERGED

    loss = ctx.loss
    if loss is None or int(np.count_nonzero(loss.observed)) < MIN_FINITE:
        return Status.INSUFFICIENT_DATA

    if "training_loss_rising" in by_code or any_non_finite:
        return Status.UNSTABLE

    if "val_loss_rising" in by_code or "loss_accuracy_disagreement" in by_code:
        return Status.OVERFITTING
    if "val_accuracy_declining" in by_code and "generalization_gap_growing" in by_code:
        return Status.OVERFITTING

    if "not_learning" in by_code or "chance_level" in by_code:
        return Status.UNDERFITTING
    frozen = by_code.get("accuracy_constant")
    if (
        frozen is not None
        and ctx.val_accuracy is not None
        and ctx.val_accuracy.name in frozen.evidence["series"]
    ):
        return Status.UNDERFITTING

    noisy = by_code.get("val_noisy")
    if (noisy is not None and noisy.severity in NOISY_SEVERITIES) or (
        "loss_spike" in by_code
    ):
        return Status.UNSTABLE

    return Status.HEALTHY
