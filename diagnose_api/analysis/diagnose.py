"""``diagnose()``: the one entry point from a history to a diagnosis."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from diagnose_api.analysis.context import ALPHA
from diagnose_api.analysis.context import Context
from diagnose_api.analysis.context import Options
from diagnose_api.analysis.divergence import find_divergence
from diagnose_api.analysis.early_stopping import replay_stop_rules
from diagnose_api.analysis.findings import detect_all
from diagnose_api.analysis.gap import measure_gap
from diagnose_api.analysis.history import History
from diagnose_api.analysis.projection import project
from diagnose_api.analysis.recommendations import recommend
from diagnose_api.analysis.result import Diagnosis
from diagnose_api.analysis.result import Divergence
from diagnose_api.analysis.result import Status
from diagnose_api.analysis.result import Trend
from diagnose_api.analysis.risk import score_risk
from diagnose_api.analysis.status import decide_status

SUMMARIES = {
    Status.OVERFITTING: "The model is overfitting",
    Status.UNDERFITTING: "The model is underfitting",
    Status.UNSTABLE: "Training is unstable",
    Status.DIVERGED: "Training diverged",
    Status.HEALTHY: "Training looks healthy",
    Status.INSUFFICIENT_DATA: "Too little data to judge",
}


def diagnose(history: History, options: Options | None = None) -> Diagnosis:
    """Diagnose one training history.

    Parameters
    ----------
    history : History
        The run's series on one epoch axis.
    options : Options, optional
        Monitor, mode and stop-rule parameters; defaults watch the
        validation loss.

    Raises
    ------
    ValueError
        If ``options.monitor`` names no series, or its name does not decide
        its direction while ``options.mode`` is 'auto'.
    """
    # Values near the float64 limits (1e308) overflow in differences and
    # ratios. The analyzers read the resulting inf and NaN as non-finite, so
    # the warnings carry no information for the caller.
    with np.errstate(all="ignore"):
        return _diagnose(history, options or Options())


def _diagnose(history: History, options: Options) -> Diagnosis:
    if options.monitor is not None and options.monitor not in history.series:
        raise ValueError(
            f"monitor {options.monitor!r} is not a series of the history; "
            f"choose one of {sorted(history.series)}"
        )
    ctx = Context(history, options)
    _ = ctx.direction  # raises early when the monitor's direction is unknown

    findings, skipped = detect_all(ctx)
    status = decide_status(ctx, findings)
    best_index = ctx.best_index
    best_epoch = None if best_index is None else ctx.epoch_at(best_index)
    best_value = None
    if best_index is not None and ctx.monitor is not None:
        best_value = float(ctx.monitor.values[best_index])
    stop = replay_stop_rules(ctx)
    projection = project(ctx)
    recommendations = recommend(ctx, status, findings, best_epoch, stop, projection)
    risk = score_risk(ctx)
    divergence = _divergence(ctx)
    summary = _summary(status, findings, risk.score, best_epoch)
    return Diagnosis(
        status=status,
        summary=summary,
        risk=risk,
        monitor=ctx.monitor.name if ctx.monitor is not None else None,
        mode=ctx.direction.value if ctx.monitor is not None else None,
        best_epoch=best_epoch,
        best_value=best_value,
        divergence=divergence,
        early_stopping=stop,
        trends=_trends(ctx),
        gap=measure_gap(ctx, ctx.loss_rise.best_index if ctx.loss_rise else None),
        findings=tuple(findings),
        recommendations=tuple(recommendations),
        roles={role.value: name for role, name in ctx.roles.items()},
        n_epochs=history.n_epochs,
        first_epoch=float(history.epochs[0]),
        last_epoch=float(history.epochs[-1]),
        skipped_checks=tuple(skipped),
        projection=projection,
        notes=history.notes,
        best_step=ctx.step_at(best_index),
    )


def _divergence(ctx: Context) -> Divergence | None:
    if ctx.val_loss is None:
        return None
    mask = ctx.val_loss.observed
    train = ctx.finite_values(ctx.train_loss)[mask] if ctx.train_loss else None
    found = find_divergence(ctx.epochs[mask], ctx.val_loss.values[mask], train, ALPHA)
    if found is None or ctx.history.steps is None:
        return found
    # The divergence epoch is one of the logged epochs.
    index = int(np.searchsorted(ctx.epochs, found.epoch))
    return replace(found, step=ctx.step_at(index))


def _trends(ctx: Context) -> tuple[Trend, ...]:
    return tuple(ctx.trend(series) for series in ctx.history.series.values())


def _summary(
    status: Status, findings: list, score: float, best_epoch: float | None
) -> str:
    text = SUMMARIES[status]
    if best_epoch is not None and np.isfinite(best_epoch):
        text += f"; best epoch {best_epoch:g}"
    text += f"; overfitting risk {score:g}/100."
    return text
