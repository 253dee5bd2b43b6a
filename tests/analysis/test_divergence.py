"""Divergence point: a two-segment fit with a significance test, or None."""

from __future__ import annotations

import numpy as np
import pytest

from diagnose_api.analysis.divergence import find_divergence


def divergence_of(val: list[float], train: list[float] | None = None, epochs=None):
    x = np.asarray(
        epochs if epochs is not None else range(1, len(val) + 1), dtype=float
    )
    t = None if train is None else np.asarray(train, dtype=float)
    return find_divergence(x, np.asarray(val, dtype=float), t, 0.05)


def test_u_shape_breaks_at_minimum() -> None:
    val = [1.07, 1.0, 0.98, 1.0, 1.03, 1.1, 1.16, 1.27, 1.35]
    train = [1.08, 0.82, 0.65, 0.52, 0.39, 0.28, 0.19, 0.12, 0.07]
    result = divergence_of(val, train)
    assert result is not None
    assert result.method == "hinge_fit"
    assert 2 <= result.epoch <= 4
    assert result.confidence > 0.95
    assert result.slope_after > 0


def test_rising_from_first_epoch() -> None:
    result = divergence_of(
        [0.75, 0.8, 1.17, 1.36, 1.48], [0.54, 0.46, 0.31, 0.25, 0.21]
    )
    assert result is not None
    assert result.epoch == 1
    assert result.method == "rising_from_start"


def test_falling_curve_has_none() -> None:
    assert divergence_of([1.0, 0.8, 0.7, 0.62, 0.58, 0.55, 0.53, 0.52]) is None


def test_noise_has_none() -> None:
    rng = np.random.default_rng(11)
    val = list(0.5 + rng.normal(0, 0.01, 60))
    assert divergence_of(val) is None


def test_training_loss_rising_too_has_none() -> None:
    val = [1.0, 0.9, 0.85, 0.9, 1.0, 1.1, 1.2, 1.3]
    train = [1.0, 0.8, 0.7, 0.75, 0.85, 0.95, 1.05, 1.15]
    assert divergence_of(val, train) is None


def test_constant_series_has_none() -> None:
    assert divergence_of([0.3] * 10) is None


def test_too_few_points_has_none() -> None:
    assert divergence_of([1.0, 1.2, 1.4]) is None


def test_epoch_numbers_are_the_clients() -> None:
    val = [1.07, 1.0, 0.98, 1.0, 1.03, 1.1, 1.16, 1.27, 1.35]
    epochs = [101, 102, 103, 104, 105, 106, 107, 108, 109]
    result = divergence_of(val, epochs=epochs)
    assert result is not None
    assert 102 <= result.epoch <= 104


@pytest.mark.parametrize("n", [1_000, 100_000])
def test_long_u_shape_found(n: int) -> None:
    rng = np.random.default_rng(3)
    x = np.linspace(0, 1, n)
    val = 0.5 + (x - 0.3) ** 2 + rng.normal(0, 0.01, n)
    train = 0.5 - 0.4 * x + rng.normal(0, 0.01, n)
    result = find_divergence(np.arange(1.0, n + 1), val, train, 0.05)
    assert result is not None
    assert 0.15 * n <= result.epoch <= 0.45 * n
