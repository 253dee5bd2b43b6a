"""Replays of the stop rules on a history, in the run's epoch numbers.

Replays the Keras rule with the request's parameters, the Lightning rule
with its thresholds, Prechelt's GL, PQ and UP criteria, and the
recommended rule (``stop_rules.recommended``), then maps every position to
the client's epoch numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.stop_rules import recommend_stop_rule
from diagnose_api.analysis.stop_rules import simulate_keras
from diagnose_api.analysis.stop_rules import simulate_lightning
from diagnose_api.analysis.stop_rules import simulate_prechelt

KERAS_DEFAULT_PATIENCE = 0
LIGHTNING_DEFAULT_PATIENCE = 3


def _epoch(ctx: Context, index: int | None) -> float | None:
    return None if index is None else ctx.epoch_at(index)


def _saved(ctx: Context, stopped_index: int | None) -> int:
    return 0 if stopped_index is None else ctx.history.n_epochs - 1 - stopped_index


REASON_TEXT = {
    "patience_exhausted": "patience exhausted",
    "stopping_threshold": "stopping_threshold reached",
    "divergence_threshold": "divergence_threshold crossed",
    "non_finite_metric": "the monitored value is not finite",
}


def describe_stop(
    ctx: Context,
    rule: str,
    stopped_index: int | None,
    best_index: int | None,
    reason: str,
) -> str:
    """Describe a replay in one sentence in epoch numbers, because the stop rules return positions."""
    name = ctx.monitor.name if ctx.monitor is not None else "the monitor"
    best = ""
    if best_index is not None:
        value = float(ctx.monitor.values[best_index]) if ctx.monitor else float("nan")
        best = f" Best epoch {ctx.epoch_at(best_index):g} ({name} {value:.4g})."
    if stopped_index is None:
        if reason == "not_stopped":
            return f"{rule} does not stop within the {ctx.history.n_epochs} logged epochs.{best}"
        return f"{rule} cannot run: {reason.replace('_', ' ')}."
    why = REASON_TEXT.get(reason, reason.replace("_", " "))
    return f"{rule} stops after epoch {ctx.epoch_at(stopped_index):g} ({why}).{best}"


def replay_stop_rules(ctx: Context) -> dict[str, Any]:
    """Replay every stop rule on the monitored series; {} without one."""
    series = ctx.monitor
    if series is None:
        return {}
    options = ctx.options
    mode = ctx.direction.value
    values = series.values
    missing = series.missing

    keras_patience = (
        KERAS_DEFAULT_PATIENCE if options.patience is None else options.patience
    )
    keras = simulate_keras(
        values,
        mode=mode,
        min_delta=options.min_delta,
        patience=keras_patience,
        baseline=options.baseline,
        start_from_epoch=options.start_from_epoch,
        missing=missing,
    )
    lightning_patience = (
        LIGHTNING_DEFAULT_PATIENCE if options.patience is None else options.patience
    )
    lightning = simulate_lightning(
        values,
        mode=mode,
        min_delta=options.min_delta,
        patience=lightning_patience,
        stopping_threshold=options.stopping_threshold,
        divergence_threshold=options.divergence_threshold,
        check_finite=options.check_finite,
        missing=missing,
    )
    result: dict[str, Any] = {
        "monitor": series.name,
        "mode": mode,
        "keras": {
            "parameters": {
                "monitor": series.name,
                "mode": mode,
                "min_delta": options.min_delta,
                "patience": keras_patience,
                "baseline": options.baseline,
                "start_from_epoch": options.start_from_epoch,
            },
            "stopped_epoch": _epoch(ctx, keras.stopped_index),
            "best_epoch": _epoch(ctx, keras.best_index),
            "stopped_step": ctx.step_at(keras.stopped_index),
            "best_step": ctx.step_at(keras.best_index),
            "epochs_saved": _saved(ctx, keras.stopped_index),
            "reason": keras.reason,
            "message": describe_stop(
                ctx,
                f"EarlyStopping(patience={keras_patience}, min_delta={options.min_delta:g})",
                keras.stopped_index,
                keras.best_index,
                keras.reason,
            ),
        },
        "lightning": {
            "parameters": {
                "monitor": series.name,
                "mode": mode,
                "min_delta": options.min_delta,
                "patience": lightning_patience,
                "stopping_threshold": options.stopping_threshold,
                "divergence_threshold": options.divergence_threshold,
                "check_finite": options.check_finite,
            },
            "stopped_epoch": _epoch(ctx, lightning.stopped_index),
            "best_epoch": _epoch(ctx, lightning.best_index),
            "stopped_step": ctx.step_at(lightning.stopped_index),
            "best_step": ctx.step_at(lightning.best_index),
            "epochs_saved": _saved(ctx, lightning.stopped_index),
            "reason": lightning.reason,
            "message": describe_stop(
                ctx,
                f"Lightning EarlyStopping(patience={lightning_patience})",
                lightning.stopped_index,
                lightning.best_index,
                lightning.reason,
            ),
        },
    }
    result["recommended"] = _recommended(ctx, values, missing, mode, series.name)
    result["prechelt"] = _prechelt(ctx)
    return result


def _recommended(
    ctx: Context, values: np.ndarray, missing: np.ndarray, mode: str, name: str
) -> dict[str, Any] | None:
    noise = ctx.raw_noise(ctx.history.series[name])
    rule = recommend_stop_rule(values, mode=mode, missing=missing, noise=noise)
    if rule.min_delta is None or rule.patience is None:
        return None
    keras_args = {
        "monitor": name,
        "mode": mode,
        "min_delta": rule.min_delta,
        "patience": rule.patience,
        "restore_best_weights": True,
    }
    lightning_args = {
        "monitor": name,
        "mode": mode,
        "min_delta": rule.min_delta,
        "patience": rule.patience,
    }
    return {
        "min_delta": rule.min_delta,
        "patience": rule.patience,
        "stopped_epoch": _epoch(ctx, rule.stopped_index),
        "best_epoch": _epoch(ctx, rule.best_index),
        "stopped_step": ctx.step_at(rule.stopped_index),
        "best_step": ctx.step_at(rule.best_index),
        "epochs_saved": _saved(ctx, rule.stopped_index),
        "reason": rule.reason,
        "message": describe_stop(
            ctx,
            f"EarlyStopping(patience={rule.patience}, min_delta={rule.min_delta:g})",
            rule.stopped_index,
            rule.best_index,
            rule.reason,
        ),
        "keras_args": keras_args,
        "lightning_args": lightning_args,
    }


def _prechelt(ctx: Context) -> dict[str, Any] | None:
    """Prechelt's criteria on validation loss (and training loss for PQ)."""
    if ctx.val_loss is None:
        return None
    training = ctx.train_loss.values if ctx.train_loss is not None else None
    result = simulate_prechelt(
        ctx.val_loss.values, training, missing=ctx.val_loss.missing
    )

    def table(criteria: tuple) -> dict[str, Any]:
        return {
            f"{c.parameter:g}": {
                "stopped_epoch": _epoch(ctx, c.stopped_index),
                "best_epoch": _epoch(ctx, c.best_index),
                "reason": c.reason,
            }
            for c in criteria
        }

    return {
        "strip_length": result.strip_length,
        "gl": table(result.gl),
        "pq": table(result.pq),
        "up": table(result.up),
    }
