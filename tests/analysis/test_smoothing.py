from __future__ import annotations

import math

import numpy as np
import pytest

from diagnose_api.analysis.smoothing import debiased_ema

NAN = math.nan
INF = math.inf


def reference_ema(values: list[float], weight: float) -> list[float]:
    """Debiased EMA written as the plain loop that TensorBoard runs."""
    last = 0.0
    n_seen = 0
    previous = NAN
    smoothed = []
    for value in values:
        if math.isfinite(value):
            last = weight * last + (1 - weight) * value
            n_seen += 1
            previous = last / (1 - weight**n_seen)
        smoothed.append(previous)
    return smoothed


@pytest.mark.parametrize(
    ("values", "weight", "expected"),
    [
        pytest.param([1.0, 2.0, 3.0], 0.6, [1.0, 1.625, 2.326531], id="rising"),
        pytest.param([3.0, 1.0, 2.0], 0.0, [3.0, 1.0, 2.0], id="weight-zero"),
        pytest.param([2.0, 4.0], 0.5, [2.0, 10 / 3], id="weight-half"),
        pytest.param([0.7, 0.7, 0.7, 0.7], 0.9, [0.7, 0.7, 0.7, 0.7], id="constant"),
        pytest.param([NAN, NAN, 2.0, 4.0], 0.5, [NAN, NAN, 2.0, 10 / 3], id="nan-head"),
        pytest.param([2.0, NAN, 4.0], 0.5, [2.0, 2.0, 10 / 3], id="nan-middle"),
        pytest.param([2.0, INF, -INF, 4.0], 0.5, [2.0, 2.0, 2.0, 10 / 3], id="inf"),
        pytest.param(
            [2.0, 4.0, NAN, NAN], 0.5, [2.0, 10 / 3, 10 / 3, 10 / 3], id="nan-tail"
        ),
        pytest.param([NAN, INF], 0.6, [NAN, NAN], id="no-finite"),
        pytest.param([], 0.6, [], id="empty"),
    ],
)
def test_debiased_ema_table(
    values: list[float], weight: float, expected: list[float]
) -> None:
    smoothed = debiased_ema(np.array(values, dtype=float), weight)

    np.testing.assert_allclose(smoothed, expected, rtol=1e-6, equal_nan=True)


def test_debiased_ema_constant_exact() -> None:
    smoothed = debiased_ema(np.full(50, 0.1), 0.6)

    assert np.all(smoothed == 0.1)


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.6, 0.95, 0.999])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_debiased_ema_matches_loop(weight: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=300).cumsum()
    values[rng.random(300) < 0.1] = np.nan
    values[rng.random(300) < 0.02] = np.inf

    smoothed = debiased_ema(values, weight)

    np.testing.assert_allclose(
        smoothed, reference_ema(values.tolist(), weight), rtol=1e-12, equal_nan=True
    )


def test_debiased_ema_keeps_input() -> None:
    values = np.array([1.0, np.nan, 3.0])

    debiased_ema(values)

    np.testing.assert_array_equal(values, [1.0, np.nan, 3.0])


@pytest.mark.parametrize("weight", [1.0, -0.1, 1.5, NAN])
def test_debiased_ema_rejects_weight(weight: float) -> None:
    with pytest.raises(ValueError, match=r"weight must be in \[0, 1\), got"):
        debiased_ema(np.array([1.0, 2.0]), weight)


def test_debiased_ema_rejects_2d() -> None:
    with pytest.raises(ValueError, match=r"values must be 1-D, got shape \(2, 2\)"):
        debiased_ema(np.ones((2, 2)))
