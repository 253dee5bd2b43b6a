"""Generalization gap at the best epoch, at the end, and its recent trend.

Definitions: loss gap = V - T, loss ratio = V / T (when T > 0), accuracy
gap = A_train - A_val, each at one epoch; the trend is ``trends.fit_trend``
of the loss gap over its recent window.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import ALPHA
from diagnose_api.analysis.context import Context
from diagnose_api.analysis.result import Gap
from diagnose_api.analysis.result import GapPoint
from diagnose_api.analysis.trends import fit_trend
from diagnose_api.analysis.trends import recent_window_start


def _value(values: np.ndarray | None, index: int) -> float | None:
    if values is None or not np.isfinite(values[index]):
        return None
    return float(values[index])


def gap_point(ctx: Context, index: int) -> GapPoint:
    train = ctx.finite_values(ctx.train_loss) if ctx.train_loss else None
    val = ctx.finite_values(ctx.val_loss) if ctx.val_loss else None
    t = _value(train, index)
    v = _value(val, index)
    loss_gap = v - t if t is not None and v is not None else None
    ratio = v / t if t is not None and v is not None and t > 0 else None
    train_acc = ctx.finite_values(ctx.train_accuracy) if ctx.train_accuracy else None
    val_acc = ctx.finite_values(ctx.val_accuracy) if ctx.val_accuracy else None
    a_t = _value(train_acc, index)
    a_v = _value(val_acc, index)
    accuracy_gap = a_t - a_v if a_t is not None and a_v is not None else None
    return GapPoint(
        epoch=ctx.epoch_at(index),
        loss_gap=loss_gap,
        loss_ratio=ratio,
        accuracy_gap=accuracy_gap,
    )


def measure_gap(ctx: Context, best_index: int | None) -> Gap:
    """Measure the gap at the best epoch, at the last epoch with both losses, and its trend."""
    gap = ctx.gap
    at_best = gap_point(ctx, best_index) if best_index is not None else None
    if gap is None:
        return Gap(at_best=at_best, at_end=None, trend=None)
    finite = np.flatnonzero(np.isfinite(gap))
    if finite.size == 0:
        return Gap(at_best=at_best, at_end=None, trend=None)
    at_end = gap_point(ctx, int(finite[-1]))
    start = recent_window_start(finite.size)
    window = finite[start:]
    trend = fit_trend("generalization_gap", ctx.epochs[window], gap[window], ALPHA)
    return Gap(at_best=at_best, at_end=at_end, trend=trend)
