"""Each finding code on short hand-written curves: present when it should be, absent when not."""

from __future__ import annotations

import math

import pytest

from curves import codes
from curves import finding
from curves import run
from curves import skipped

FALLING = [1.0, 0.8, 0.65, 0.55, 0.48, 0.43, 0.4, 0.38]
U_SHAPE = [1.0, 0.85, 0.75, 0.8, 0.9, 1.0, 1.1, 1.2]

PRESENT = [
    ("val_loss_rising", {"loss": FALLING, "val_loss": U_SHAPE}),
    (
        "val_loss_rising",
        # A large U-shape with one noisy low tail epoch is still overfitting.
        {
            "loss": FALLING + [0.36],
            "val_loss": [1.0, 0.8, 0.6, 0.65, 0.8, 1.0, 1.2, 1.4, 0.9],
        },
    ),
    (
        "val_loss_rising",
        {
            "loss": [0.54, 0.46, 0.31, 0.25, 0.21],
            "val_loss": [0.75, 0.8, 1.17, 1.36, 1.48],
        },
    ),
    ("generalization_gap_growing", {"loss": FALLING, "val_loss": U_SHAPE}),
    (
        "generalization_gap_large",
        {
            "loss": FALLING,
            "val_loss": FALLING,
            "accuracy": [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0],
            "val_accuracy": [0.5, 0.6, 0.65, 0.66, 0.66, 0.66, 0.66, 0.66],
        },
    ),
    (
        "val_accuracy_declining",
        {
            "loss": FALLING,
            "val_loss": U_SHAPE,
            "val_accuracy": [0.6, 0.7, 0.75, 0.72, 0.68, 0.65, 0.62, 0.6],
        },
    ),
    (
        "memorization",
        {
            "loss": [1.0, 0.3, 0.05, 0.01, 0.002, 0.001],
            "val_loss": [1.0, 0.7, 0.7, 0.75, 0.8, 0.85],
            "accuracy": [0.6, 0.9, 0.98, 1.0, 1.0, 1.0],
            "val_accuracy": [0.6, 0.75, 0.8, 0.8, 0.8, 0.8],
        },
    ),
    (
        "memorization",
        {
            "loss": [1.0, 0.3, 0.05, 0.01, 0.002, 0.001],
            "val_loss": [1.0, 0.7, 0.7, 0.75, 0.8, 0.85],
        },
    ),
    (
        "loss_accuracy_disagreement",
        {
            "loss": FALLING,
            "val_loss": U_SHAPE,
            "val_accuracy": [0.6, 0.7, 0.75, 0.76, 0.77, 0.78, 0.785, 0.79],
        },
    ),
    (
        "double_descent_suspected",
        {
            "loss": [2.0, 1.5, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4],
            "val_loss": [2.0, 1.5, 1.2, 1.0, 1.2, 1.4, 1.3, 1.0, 0.8, 0.7, 0.65],
        },
    ),
    ("val_below_train", {"loss": FALLING, "val_loss": [v * 0.8 for v in FALLING]}),
    ("still_improving", {"loss": FALLING, "val_loss": [v + 0.05 for v in FALLING]}),
    (
        "plateau",
        {
            "loss": [1.0, 0.6, 0.5, 0.5, 0.501, 0.5, 0.499, 0.5, 0.5],
            "val_loss": [1.1, 0.7, 0.6, 0.6, 0.601, 0.6, 0.6, 0.599, 0.6],
        },
    ),
    (
        "not_learning",
        {
            "loss": [1.0, 0.99, 1.0, 0.98, 0.99, 0.99],
            "val_loss": [1.0, 1.0, 0.99, 1.0, 1.0, 0.99],
        },
    ),
    (
        "chance_level",
        {
            "loss": [2.35, 2.31, 2.30, 2.31, 2.30, 2.30],
            "val_loss": [2.31, 2.30, 2.31, 2.30, 2.30, 2.31],
            "val_accuracy": [0.1, 0.11, 0.09, 0.1, 0.1, 0.1],
        },
    ),
    (
        "accuracy_constant",
        {"loss": FALLING, "val_loss": FALLING, "val_accuracy": [0.72] * 8},
    ),
    (
        "accuracy_not_meaningful",
        {
            "loss": FALLING,
            "val_loss": FALLING,
            "mae": FALLING,
            "accuracy": [0.0, 0.0, 0.01, 0.0, 0.0, 0.0, 0.0, 0.0],
        },
    ),
    (
        "training_loss_rising",
        {
            "loss": [1.0, 0.8, 0.7, 0.75, 0.85, 0.95, 1.05, 1.15],
            "val_loss": [1.0, 0.85, 0.75, 0.8, 0.9, 1.0, 1.1, 1.2],
        },
    ),
    (
        "loss_spike",
        {
            "loss": [1.0, 0.9, 0.8, 0.75, 3.0, 0.7, 0.65, 0.6, 0.58, 0.56],
            "val_loss": [1.0, 0.9, 0.85, 0.8, 0.8, 0.78, 0.77, 0.76, 0.75, 0.75],
        },
    ),
    (
        "val_noisy",
        {
            "loss": [2.27, 1.55, 1.07, 0.87, 0.59, 0.52, 0.38, 0.32, 0.21, 0.34],
            "val_loss": [3.29, 0.92, 1.43, 1.85, 0.58, 2.3, 0.17, 1.52, 0.14, 2.81],
        },
    ),
    (
        "non_finite",
        {"loss": [1.0, 0.8, math.nan, 0.7], "val_loss": [1.0, 0.9, 0.85, 0.8]},
    ),
    (
        "lr_schedule_step",
        {
            "loss": [1.0, 0.9, 0.85, 0.82, 0.8, 0.6, 0.58, 0.57, 0.56, 0.55],
            "val_loss": [1.0, 0.92, 0.88, 0.86, 0.85, 0.7, 0.69, 0.68, 0.68, 0.67],
            "lr": [0.1] * 5 + [0.01] * 5,
        },
    ),
]


@pytest.mark.parametrize(
    ("code", "series"), PRESENT, ids=[f"{c}-{i}" for i, (c, _) in enumerate(PRESENT)]
)
def test_finding_present(code: str, series: dict) -> None:
    diagnosis = run(**series)
    assert code in codes(diagnosis)


ABSENT = [
    ("val_loss_rising", {"loss": FALLING, "val_loss": [v + 0.1 for v in FALLING]}),
    # A wobble no larger than the bumps the run already recovered from.
    (
        "val_loss_rising",
        {
            "loss": [
                1.0,
                0.6,
                0.5,
                0.45,
                0.42,
                0.4,
                0.39,
                0.38,
                0.37,
                0.36,
                0.35,
                0.34,
            ],
            "val_loss": [
                1.0,
                0.7,
                0.6,
                0.66,
                0.6,
                0.58,
                0.64,
                0.57,
                0.56,
                0.58,
                0.6,
                0.61,
            ],
        },
    ),
    (
        "generalization_gap_growing",
        {"loss": FALLING, "val_loss": [v * 0.8 for v in FALLING]},
    ),
    (
        "val_accuracy_declining",
        {
            "loss": FALLING,
            "val_loss": FALLING,
            "val_accuracy": [0.6, 0.7, 0.75, 0.78, 0.8, 0.81, 0.82, 0.83],
        },
    ),
    (
        "memorization",
        {
            "loss": FALLING,
            "val_loss": FALLING,
            "accuracy": [0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.9],
            "val_accuracy": [0.5, 0.6, 0.7, 0.78, 0.84, 0.86, 0.88, 0.88],
        },
    ),
    (
        "loss_accuracy_disagreement",
        {
            "loss": FALLING,
            "val_loss": U_SHAPE,
            "val_accuracy": [0.6, 0.7, 0.75, 0.72, 0.68, 0.65, 0.62, 0.6],
        },
    ),
    ("double_descent_suspected", {"loss": FALLING, "val_loss": U_SHAPE}),
    ("val_below_train", {"loss": FALLING, "val_loss": [v + 0.1 for v in FALLING]}),
    ("still_improving", {"loss": FALLING, "val_loss": U_SHAPE}),
    ("plateau", {"loss": FALLING, "val_loss": [v + 0.05 for v in FALLING]}),
    ("not_learning", {"loss": FALLING, "val_loss": FALLING}),
    (
        "chance_level",
        {
            "loss": FALLING,
            "val_loss": FALLING,
            "val_accuracy": [0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.9],
        },
    ),
    (
        "accuracy_constant",
        {
            "loss": FALLING,
            "val_loss": FALLING,
            "val_accuracy": [0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.9],
        },
    ),
    # Frozen at 1.0 is saturation, not a majority-class rate.
    (
        "accuracy_constant",
        {"loss": FALLING, "val_loss": FALLING, "accuracy": [1.0] * 8},
    ),
    (
        "accuracy_not_meaningful",
        {
            "loss": FALLING,
            "val_loss": FALLING,
            "accuracy": [0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.9],
        },
    ),
    ("training_loss_rising", {"loss": FALLING, "val_loss": U_SHAPE}),
    # A sharp drop is not a spike.
    (
        "loss_spike",
        {"loss": [1.0, 0.95, 0.9, 0.3, 0.28, 0.27, 0.26, 0.25], "val_loss": FALLING},
    ),
    # A jump of 0.0006 on a flat line is not a spike.
    (
        "loss_spike",
        {"loss": [0.5, 0.5, 0.5, 0.5006, 0.5, 0.5, 0.5, 0.5], "val_loss": [0.6] * 8},
    ),
    ("val_noisy", {"loss": FALLING, "val_loss": [v + 0.05 for v in FALLING]}),
    # null marks an epoch that was not logged, which is not a non-finite value.
    ("non_finite", {"loss": [1.0, 0.8, 0.7, 0.6], "val_loss": [1.0, None, 0.85, None]}),
    ("lr_schedule_step", {"loss": FALLING, "val_loss": FALLING, "lr": [0.01] * 8}),
    ("sparse_epochs", {"loss": FALLING, "val_loss": FALLING}),
]


@pytest.mark.parametrize(
    ("code", "series"), ABSENT, ids=[f"{c}-{i}" for i, (c, _) in enumerate(ABSENT)]
)
def test_finding_absent(code: str, series: dict) -> None:
    diagnosis = run(**series)
    assert code not in codes(diagnosis)


def test_sparse_epochs_reports_gap() -> None:
    diagnosis = run(
        epochs=[1, 2, 3, 50, 51, 52],
        loss=[1, 0.9, 0.8, 0.5, 0.49, 0.48],
        val_loss=[1, 0.95, 0.9, 0.7, 0.69, 0.69],
    )
    gap = finding(diagnosis, "sparse_epochs").evidence["gaps"][0]
    assert gap == {"from_epoch": 3.0, "to_epoch": 50.0}


def test_jump_across_gap_is_not_spike() -> None:
    diagnosis = run(
        epochs=[1, 2, 3, 4, 99, 100],
        loss=[0.3, 0.29, 0.28, 0.27, 0.9, 0.89],
        val_loss=[0.4, 0.39, 0.38, 0.37, 1.0, 0.99],
    )
    assert "loss_spike" not in codes(diagnosis)


def test_validation_every_k_epochs() -> None:
    val = [1.0, None, 0.8, None, 0.7, None, 0.65, None, 0.62, None]
    diagnosis = run(
        loss=[1.0, 0.9, 0.8, 0.75, 0.7, 0.66, 0.63, 0.6, 0.58, 0.56], val_loss=val
    )
    assert finding(diagnosis, "sparse_epochs").evidence["validation_every"] == 2


def test_non_finite_reports_users_epoch() -> None:
    diagnosis = run(
        epochs=[308, 309, 310],
        loss=[0.2445, math.nan, math.nan],
        val_loss=[0.2342, math.nan, math.nan],
    )
    assert finding(diagnosis, "non_finite").evidence["first_epoch"] == 309


def test_chance_level_infers_class_count() -> None:
    diagnosis = run(
        loss=[0.70, 0.69, 0.70, 0.69, 0.69, 0.69],
        val_loss=[0.69, 0.70, 0.69, 0.69, 0.70, 0.69],
        val_accuracy=[0.5, 0.5, 0.52, 0.5, 0.49, 0.5],
    )
    assert finding(diagnosis, "chance_level").evidence["n_classes"] == 2


def test_chance_level_needs_accuracy() -> None:
    diagnosis = run(loss=[2.31, 2.30, 2.30, 2.31], val_loss=[2.30, 2.30, 2.31, 2.30])
    assert "chance_level" in skipped(diagnosis)


def test_lr_step_aligned_with_curve_step() -> None:
    diagnosis = run(
        loss=[1.0, 0.9, 0.85, 0.82, 0.8, 0.6, 0.58, 0.57, 0.56, 0.55],
        val_loss=[1.0, 0.92, 0.88, 0.86, 0.85, 0.7, 0.69, 0.68, 0.68, 0.67],
        lr=[0.1] * 5 + [0.01] * 5,
    )
    change = finding(diagnosis, "lr_schedule_step").evidence["changes"][0]
    assert change["epoch"] == 6
    assert change["factor"] == pytest.approx(0.1)
    assert {c["series"] for c in change["curves_stepped"]} == {"loss", "val_loss"}


def test_late_start_skips_not_learning() -> None:
    diagnosis = run(
        epochs=list(range(76, 86)),
        loss=[0.31, 0.31, 0.3, 0.31, 0.3, 0.3, 0.3, 0.31, 0.3, 0.3],
        val_loss=[0.4] * 10,
    )
    assert "not_learning" not in codes(diagnosis)
    assert "not_learning" in skipped(diagnosis)


def test_loss_spike_many_points_of_noise_raise_nothing() -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    n = 20_000
    loss = list(1.0 / np.sqrt(np.arange(1, n + 1)) + rng.normal(0, 0.002, n))
    val = list(1.1 / np.sqrt(np.arange(1, n + 1)) + rng.normal(0, 0.002, n))
    diagnosis = run(loss=loss, val_loss=val)
    assert "loss_spike" not in codes(diagnosis)
