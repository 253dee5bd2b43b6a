"""Ranked recommendations with concrete parameters.

Each status has its remedies; findings add their own. Rules a user relies
on, enforced here:

* regularization, reduce_capacity and data remedies (augmentation, more data)
  are given only to an overfitting run, never to a run that cannot fit its
  training set (``not_learning``, ``chance_level``) or whose training loss
  rises;
* early stopping is not suggested to an underfitting run;
* a run whose best epoch is not its last gets ``restore_best_checkpoint``
  when it overfits or diverges. When the history lists the checkpoints the
  run saved, the recommendation names the one to keep
  (``analysis.checkpoints``).

Priorities are 1 (do first) and up; ties keep the order of the rules below.
"""

from __future__ import annotations

from typing import Any

from diagnose_api.analysis.checkpoints import choose_checkpoint
from diagnose_api.analysis.checkpoints import describe_choice
from diagnose_api.analysis.context import Context
from diagnose_api.analysis.projection import Projection
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Recommendation
from diagnose_api.analysis.result import Status

WEIGHT_DECAY_RANGE = [1e-5, 1e-3]
ADAMW_WEIGHT_DECAY_RANGE = [0.01, 0.1]
DROPOUT_RANGE = [0.2, 0.5]
LABEL_SMOOTHING = 0.1
LR_DECREASE_FACTORS = [0.1, 0.3]
LR_INCREASE_FACTORS = [3.0, 10.0]
CLIPNORM = 1.0
FIT_NAMES = {"exponential": "An exponential", "power_law": "A power-law"}


def _early_stopping(stop: dict[str, Any], reason: str) -> Recommendation | None:
    rule = stop.get("recommended")
    if not rule:
        return None
    keras_args = rule["keras_args"]
    outcome = (
        f"it would have stopped at epoch {rule['stopped_epoch']:g} and restored "
        f"epoch {rule['best_epoch']:g}, saving {rule['epochs_saved']} epochs"
        if rule.get("stopped_epoch") is not None
        else "it would not have stopped this run"
    )
    return Recommendation(
        action="early_stopping",
        priority=1,
        rationale=f"{reason} EarlyStopping(monitor={keras_args['monitor']!r}, "
        f"min_delta={keras_args['min_delta']:g}, patience={keras_args['patience']}) "
        f"ignores this run's noise; {outcome}.",
        parameters={
            "keras": keras_args,
            "lightning": rule["lightning_args"],
        },
    )


def _restore(
    ctx: Context, best_epoch: float | None, reason: str
) -> Recommendation | None:
    if best_epoch is None or best_epoch == float(ctx.epochs[-1]):
        return None
    monitor = ctx.monitor.name if ctx.monitor else "the monitored metric"
    best_step = ctx.step_at(ctx.best_index)
    at_step = "" if best_step is None else f" (step {best_step})"
    rationale = (
        f"{reason} Keep the weights of epoch {best_epoch:g}{at_step}, the best "
        f"by {monitor}."
    )
    parameters: dict[str, Any] = {"epoch": best_epoch}
    if best_step is not None:
        parameters["step"] = best_step
    checkpoints = ctx.history.checkpoints
    if checkpoints is not None and best_step is not None:
        choice = choose_checkpoint(checkpoints, best_step)
        rationale += " " + describe_choice(choice, checkpoints, monitor)
        parameters["checkpoint"] = choice.name
        parameters["checkpoint_path"] = choice.path
        parameters["checkpoint_step"] = choice.step
        if choice.trainer_best is not None:
            parameters["trainer_best_model_checkpoint"] = choice.trainer_best
            parameters["agrees_with_trainer"] = choice.agrees_with_trainer
    return Recommendation(
        action="restore_best_checkpoint",
        priority=2,
        rationale=rationale,
        parameters=parameters,
    )


def recommend(
    ctx: Context,
    status: Status,
    findings: list[Finding],
    best_epoch: float | None,
    stop: dict[str, Any],
    projection: Projection | None = None,
) -> list[Recommendation]:
    """Build the ranked recommendations for a diagnosed run."""
    codes = {f.code: f for f in findings}
    found: list[Recommendation | None] = []

    if status is Status.OVERFITTING:
        found.extend(_overfitting(ctx, codes, best_epoch, stop))
    elif status is Status.UNDERFITTING:
        found.extend(_underfitting(ctx, codes, projection))
    elif status is Status.UNSTABLE:
        found.extend(_unstable(codes))
    elif status is Status.DIVERGED:
        found.extend(_diverged(ctx, codes, best_epoch))
    elif status is Status.HEALTHY:
        found.extend(_healthy(codes, stop, projection))

    found.extend(_from_findings(codes, status))
    unique: dict[str, Recommendation] = {}
    for recommendation in found:
        if recommendation is not None and recommendation.action not in unique:
            unique[recommendation.action] = recommendation
    return sorted(unique.values(), key=lambda r: r.priority)


def _overfitting(
    ctx: Context, codes: dict[str, Finding], best_epoch: float | None, stop: dict
) -> list[Recommendation | None]:
    rising = codes.get("val_loss_rising")
    reason = (
        f"Validation loss bottomed out at epoch {best_epoch:g}."
        if best_epoch is not None
        else "Validation loss stopped improving."
    )
    if rising is not None:
        reason = rising.message
    result: list[Recommendation | None] = [
        _early_stopping(stop, reason),
        _restore(ctx, best_epoch, "The later epochs generalize worse."),
    ]
    classification = ctx.val_accuracy is not None or ctx.train_accuracy is not None
    regularization = {
        "weight_decay": WEIGHT_DECAY_RANGE,
        "adamw_weight_decay": ADAMW_WEIGHT_DECAY_RANGE,
        "dropout": DROPOUT_RANGE,
    }
    if classification:
        regularization["label_smoothing"] = LABEL_SMOOTHING
    result.append(
        Recommendation(
            action="regularization",
            priority=3,
            rationale="The model fits the training set better than it generalizes; "
            "weight decay and dropout shrink what it can memorize.",
            parameters=regularization,
        )
    )
    divergence_early = rising is not None and rising.evidence["best_epoch"] <= float(
        ctx.epochs[min(2, ctx.history.n_epochs - 1)]
    )
    result.append(
        Recommendation(
            action="data_augmentation",
            priority=4,
            rationale="Augmentation shows the model new variants of each example, "
            "which slows memorization.",
        )
    )
    result.append(
        Recommendation(
            action="more_data",
            priority=3 if divergence_early else 5,
            rationale="Validation loss turned up within the first epochs, a sign "
            "that the training set is small for this model."
            if divergence_early
            else "More training examples are the surest cure for overfitting.",
        )
    )
    if "memorization" in codes:
        result.append(
            Recommendation(
                action="reduce_capacity",
                priority=5,
                rationale=codes["memorization"].message
                + " A smaller model (fewer units or layers) memorizes less.",
                parameters={"width_factor": 0.5},
            )
        )
    return result


def _train_longer(
    codes: dict[str, Finding], projection: Projection | None, priority: int
) -> Recommendation | None:
    """Suggest more epochs when the loss still falls or a fit projects a gain."""
    if projection is not None and projection.more_epochs_help:
        return Recommendation(
            action="train_longer",
            priority=priority,
            rationale=f"{FIT_NAMES[projection.family]} fit of "
            f"{projection.series} (R^2 {projection.r_squared:.3f}) levels off at "
            f"{projection.plateau:.4g}, {projection.expected_gain:.3g} below its "
            f"current {projection.current:.4g}; twice the epochs would reach about "
            f"{projection.value_if_doubled:.4g}.",
            parameters={
                "projected_plateau": projection.plateau,
                "value_if_epochs_doubled": projection.value_if_doubled,
                "epochs_factor": 2,
            },
        )
    if "still_improving" in codes:
        return Recommendation(
            action="train_longer",
            priority=priority,
            rationale=codes["still_improving"].message,
        )
    return None


def _underfitting(
    ctx: Context, codes: dict[str, Finding], projection: Projection | None
) -> list[Recommendation | None]:
    result: list[Recommendation | None] = []
    if "chance_level" in codes or "accuracy_constant" in codes:
        cause = codes.get("chance_level") or codes["accuracy_constant"]
        result.append(
            Recommendation(
                action="check_data_pipeline",
                priority=1,
                rationale=cause.message
                + " Check labels against inputs, shuffling, preprocessing and the "
                "output layer's activation and loss.",
            )
        )
    if "not_learning" in codes or "chance_level" in codes or "still_improving" in codes:
        result.append(
            Recommendation(
                action="increase_learning_rate",
                priority=2,
                rationale="The training loss falls slowly or not at all; a learning "
                "rate 3 to 10 times higher usually shows whether the optimizer is the "
                "bottleneck.",
                parameters={"factor": LR_INCREASE_FACTORS},
            )
        )
    result.append(_train_longer(codes, projection, priority=2))
    result.append(
        Recommendation(
            action="increase_capacity",
            priority=3,
            rationale="If the data pipeline and learning rate are right, a larger "
            "model (more units or layers) can fit what this one cannot.",
            parameters={"width_factor": 2.0},
        )
    )
    return result


def _unstable(codes: dict[str, Finding]) -> list[Recommendation | None]:
    result: list[Recommendation | None] = []
    if "training_loss_rising" in codes:
        result.append(
            Recommendation(
                action="decrease_learning_rate",
                priority=1,
                rationale=codes["training_loss_rising"].message
                + " Lower the learning rate, or decay it (ReduceLROnPlateau).",
                parameters={"factor": LR_DECREASE_FACTORS},
            )
        )
    if "loss_spike" in codes or "non_finite" in codes:
        result.append(
            Recommendation(
                action="gradient_clipping",
                priority=2,
                rationale="Spikes in the loss come from single large gradient "
                "steps; clipping the gradient norm bounds them.",
                parameters={"clipnorm": CLIPNORM},
            )
        )
    if "val_noisy" in codes:
        result.append(
            Recommendation(
                action="decrease_learning_rate",
                priority=2,
                rationale=codes["val_noisy"].message,
                parameters={"factor": LR_DECREASE_FACTORS},
            )
        )
    return result


def _diverged(
    ctx: Context, codes: dict[str, Finding], best_epoch: float | None
) -> list[Recommendation | None]:
    result: list[Recommendation | None] = [
        _restore(ctx, best_epoch, "Training diverged."),
        Recommendation(
            action="decrease_learning_rate",
            priority=1,
            rationale="Divergence usually means steps too large for the loss "
            "surface; restart from the best checkpoint with a learning rate "
            "10 times lower.",
            parameters={"factor": LR_DECREASE_FACTORS},
        ),
        Recommendation(
            action="gradient_clipping",
            priority=2,
            rationale="Clipping the gradient norm keeps one bad batch from blowing "
            "up the weights.",
            parameters={"clipnorm": CLIPNORM},
        ),
    ]
    non_finite = codes.get("non_finite")
    if non_finite is not None and non_finite.evidence["first_epoch"] == float(
        ctx.epochs[0]
    ):
        result.append(
            Recommendation(
                action="check_data_pipeline",
                priority=1,
                rationale="The loss is non-finite from the first logged epoch: look "
                "for NaN or infinite inputs, a log of zero, or labels out of range.",
            )
        )
    return result


def _healthy(
    codes: dict[str, Finding], stop: dict, projection: Projection | None
) -> list[Recommendation | None]:
    result: list[Recommendation | None] = [_train_longer(codes, projection, priority=1)]
    safeguard = _early_stopping(stop, "No overfitting yet; as a safeguard,")
    if safeguard is not None:
        result.append(
            Recommendation(
                action=safeguard.action,
                priority=3,
                rationale=safeguard.rationale,
                parameters=safeguard.parameters,
            )
        )
    return result


def _from_findings(
    codes: dict[str, Finding], status: Status
) -> list[Recommendation | None]:
    result: list[Recommendation | None] = []
    if "loss_accuracy_disagreement" in codes:
        finding = codes["loss_accuracy_disagreement"]
        result.append(
            Recommendation(
                action="calibration",
                priority=2,
                rationale=finding.message
                + " Temperature scaling on the validation set restores calibrated "
                "probabilities.",
                parameters={"method": "temperature_scaling"},
            )
        )
        result.append(
            Recommendation(
                action="use_other_metrics",
                priority=3,
                rationale="Loss and accuracy pick different best epochs; monitor "
                "the metric the model will be judged on.",
                parameters={"monitor": "val_accuracy", "mode": "max"},
            )
        )
    for code in ("accuracy_constant", "accuracy_not_meaningful"):
        if code in codes:
            result.append(
                Recommendation(
                    action="use_other_metrics",
                    priority=2,
                    rationale=codes[code].message
                    + " Track precision, recall, F1 or AUC instead.",
                    parameters={"metrics": ["precision", "recall", "f1", "auc"]},
                )
            )
    if "val_noisy" in codes:
        result.append(
            Recommendation(
                action="larger_validation_set",
                priority=2 if status is Status.UNSTABLE else 4,
                rationale=codes["val_noisy"].message
                + " A larger validation set averages out the swings.",
            )
        )
    below = codes.get("val_below_train")
    if below is not None and below.evidence["possible_leakage"]:
        result.append(
            Recommendation(
                action="check_data_pipeline",
                priority=2,
                rationale=below.message,
            )
        )
    return result
