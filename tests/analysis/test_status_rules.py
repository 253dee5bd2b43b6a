"""Status precedence and the recommendation rules users rely on."""

from __future__ import annotations

import math

from curves import run

FALLING = [1.0, 0.8, 0.65, 0.55, 0.48, 0.43, 0.4, 0.38]
U_SHAPE = [1.0, 0.85, 0.75, 0.8, 0.9, 1.0, 1.1, 1.2]
REGULARIZING = {"regularization", "reduce_capacity", "data_augmentation", "more_data"}


def actions(diagnosis) -> set[str]:
    return {r.action for r in diagnosis.recommendations}


def test_rising_training_loss_is_never_overfitting() -> None:
    diagnosis = run(
        loss=[1.0, 0.8, 0.7, 0.75, 0.85, 0.95, 1.05, 1.15],
        val_loss=[1.0, 0.85, 0.75, 0.8, 0.9, 1.0, 1.1, 1.2],
    )
    assert diagnosis.status.value == "unstable"
    assert not actions(diagnosis) & REGULARIZING
    assert "decrease_learning_rate" in actions(diagnosis)


def test_val_below_train_is_never_overfitting() -> None:
    diagnosis = run(loss=FALLING, val_loss=[v * 0.5 for v in FALLING])
    assert diagnosis.status.value == "healthy"


def test_persistent_nan_is_diverged() -> None:
    diagnosis = run(
        loss=[1.0, 0.8, math.nan, math.nan], val_loss=[1.0, 0.9, math.nan, math.nan]
    )
    assert diagnosis.status.value == "diverged"
    assert diagnosis.best_epoch == 2


def test_recovered_nan_is_unstable() -> None:
    diagnosis = run(
        loss=[1.0, 0.8, math.nan, 0.6, 0.5], val_loss=[1.0, 0.9, 0.85, 0.8, 0.78]
    )
    assert diagnosis.status.value == "unstable"
    assert "gradient_clipping" in actions(diagnosis)


def test_explosion_is_diverged_not_overfitting() -> None:
    diagnosis = run(
        loss=[1.7, 0.94, 0.65, 1.8, 494.0], val_loss=[0.52, 0.78, 1.21, 1.57, 2.0e7]
    )
    assert diagnosis.status.value == "diverged"
    assert "val_loss_rising" not in {f.code for f in diagnosis.findings}


def test_underfitting_gets_no_regularization_or_early_stopping() -> None:
    diagnosis = run(
        loss=[1.0, 0.99, 1.0, 0.98, 0.99, 0.99],
        val_loss=[1.0, 1.0, 0.99, 1.0, 1.0, 0.99],
    )
    assert diagnosis.status.value == "underfitting"
    assert not actions(diagnosis) & (REGULARIZING | {"early_stopping"})


def test_overfitting_gets_early_stopping_first() -> None:
    diagnosis = run(loss=FALLING, val_loss=U_SHAPE)
    assert diagnosis.status.value == "overfitting"
    first = diagnosis.recommendations[0]
    assert first.action == "early_stopping"
    assert first.parameters["keras"]["restore_best_weights"] is True
    assert first.parameters["keras"]["monitor"] == "val_loss"


def test_two_epochs_of_loss_is_insufficient() -> None:
    diagnosis = run(loss=[1.0, 0.9, None], val_loss=[1.0, None, None])
    assert diagnosis.status.value == "insufficient_data"


def test_training_loss_only_history_diagnosed() -> None:
    diagnosis = run(loss=FALLING)
    assert diagnosis.status.value == "healthy"
    assert diagnosis.monitor == "loss"
    skipped = {c.check for c in diagnosis.skipped_checks}
    assert "val_loss_rising" in skipped
