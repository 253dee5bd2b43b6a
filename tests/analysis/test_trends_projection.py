"""Trends (Kendall, Theil-Sen) and curve-fit projections."""

from __future__ import annotations

import numpy as np
import pytest

from curves import run
from diagnose_api.analysis.trends import fit_trend
from diagnose_api.analysis.trends import recent_window_start


@pytest.mark.parametrize(
    ("values", "direction"),
    [
        ([1.0, 0.9, 0.8, 0.7, 0.6], "falling"),
        ([0.6, 0.7, 0.8, 0.9, 1.0], "rising"),
        ([0.6, 0.7, 0.6, 0.7, 0.6], "flat"),
        ([0.5, 0.5, 0.5, 0.5, 0.5], "flat"),
        ([0.6, 0.7], "unknown"),
    ],
)
def test_trend_direction(values: list[float], direction: str) -> None:
    x = np.arange(1.0, len(values) + 1)
    assert fit_trend("loss", x, np.array(values), 0.05).direction == direction


def test_trend_slope_per_epoch() -> None:
    x = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    trend = fit_trend("loss", x, np.array([1.0, 0.9, 0.8, 0.7, 0.6]), 0.05)
    assert trend.slope == pytest.approx(-0.01)


def test_theil_sen_on_long_window_is_bounded() -> None:
    n = 50_000
    x = np.arange(1.0, n + 1)
    rng = np.random.default_rng(5)
    trend = fit_trend("loss", x, 2.0 - 1e-5 * x + rng.normal(0, 0.01, n), 0.05)
    assert trend.slope == pytest.approx(-1e-5, rel=0.05)
    assert trend.direction == "falling"


@pytest.mark.parametrize(("n", "start"), [(3, 0), (5, 0), (9, 4), (30, 20), (300, 200)])
def test_recent_window_is_last_third(n: int, start: int) -> None:
    assert recent_window_start(n) == start


def exponential_decay(n: int, plateau: float, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    x = np.arange(n)
    return list(plateau + 0.8 * np.exp(-x / (n / 1.5)) + rng.normal(0, 0.002, n))


def test_projection_finds_plateau_of_slow_decay() -> None:
    val = exponential_decay(40, 0.3, seed=1)
    diagnosis = run(loss=[v - 0.05 for v in val], val_loss=val)
    projection = diagnosis.projection
    assert projection is not None
    assert projection.more_epochs_help
    assert projection.plateau == pytest.approx(0.3, abs=0.1)
    assert projection.value_if_doubled < projection.current


def test_projection_of_converged_curve_sees_no_gain() -> None:
    x = np.arange(60)
    val = list(0.3 + 0.8 * np.exp(-x / 4.0))
    diagnosis = run(loss=[v - 0.05 for v in val], val_loss=val)
    assert diagnosis.projection is not None
    assert not diagnosis.projection.more_epochs_help


def test_no_projection_for_rising_loss() -> None:
    diagnosis = run(
        loss=[1.0, 0.8, 0.65, 0.55, 0.48, 0.43, 0.4, 0.38],
        val_loss=[1.0, 0.85, 0.75, 0.8, 0.9, 1.0, 1.1, 1.2],
    )
    assert diagnosis.projection is None


def test_no_projection_for_noise() -> None:
    rng = np.random.default_rng(2)
    val = list(0.5 + rng.normal(0, 0.05, 30))
    diagnosis = run(loss=val, val_loss=val)
    assert diagnosis.projection is None
