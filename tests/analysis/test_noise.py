from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from diagnose_api.analysis.noise import noise_scale

# 1 / Phi^{-1}(3/4): the factor that makes the MAD estimate a normal sigma.
NORMAL_MAD_SCALE = 1.0 / norm.ppf(0.75)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # second differences [1, 1]: a parabola has no noise
        pytest.param([0.0, 1.0, 3.0, 6.0], 0.0, id="parabola"),
        # second differences [4, -4, 4, -4], MAD = 4
        pytest.param(
            [2.0, 0.0, 2.0, 0.0, 2.0, 0.0],
            4 * NORMAL_MAD_SCALE / math.sqrt(6),
            id="zigzag",
        ),
        # three values: first differences [1, 2], MAD = 0.5
        pytest.param(
            [0.0, 1.0, 3.0], 0.5 * NORMAL_MAD_SCALE / math.sqrt(2), id="three"
        ),
        pytest.param([5.0, 5.0, 5.0], 0.0, id="constant"),
        pytest.param([1.0, 2.0, 3.0, 4.0], 0.0, id="straight-line"),
        # NaN and inf dropped: [0, 0, 1, 1, 4, 4], second differences
        # [1, -1, 3, -3], MAD = 2
        pytest.param(
            [0.0, np.nan, 0.0, 1.0, np.inf, 1.0, 4.0, 4.0, -np.inf],
            2 * NORMAL_MAD_SCALE / math.sqrt(6),
            id="non-finite-dropped",
        ),
    ],
)
def test_noise_scale_table(values: list[float], expected: float) -> None:
    assert noise_scale(np.array(values)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([], id="empty"),
        pytest.param([1.0, 2.0], id="two-values"),
        pytest.param([1.0, np.nan, np.inf, 2.0], id="two-finite"),
    ],
)
def test_noise_scale_too_few_values(values: list[float]) -> None:
    assert math.isnan(noise_scale(np.array(values, dtype=float)))


@pytest.mark.parametrize(
    ("trend", "label"),
    [
        (np.zeros(4000), "flat"),
        (np.linspace(2.0, 0.5, 4000), "linear"),
        (0.5 + 1.5 * np.exp(-np.arange(4000) / 800), "exponential"),
    ],
)
def test_noise_scale_recovers_sigma(trend: np.ndarray, label: str) -> None:
    rng = np.random.default_rng(20)
    values = trend + rng.normal(0.0, 0.05, trend.size)

    assert noise_scale(values) == pytest.approx(0.05, rel=0.1), label


def test_noise_scale_ignores_spikes() -> None:
    rng = np.random.default_rng(21)
    values = rng.normal(0.0, 0.05, 1000)
    values[::100] += 5.0

    assert noise_scale(values) == pytest.approx(0.05, rel=0.15)


def test_noise_scale_rejects_2d() -> None:
    with pytest.raises(ValueError, match=r"values must be 1-D, got shape \(2, 3\)"):
        noise_scale(np.ones((2, 3)))


def test_noise_scale_keeps_input() -> None:
    rng = np.random.default_rng(3)
    values = np.cumsum(rng.normal(size=1000))
    values.setflags(write=False)
    before = values.copy()
    assert noise_scale(values) > 0
    assert np.array_equal(values, before)
