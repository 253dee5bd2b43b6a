"""The fast statistics equal the numpy and scipy functions they stand in for."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from diagnose_api.analysis.fast_stats import f_survival
from diagnose_api.analysis.fast_stats import kendalltau
from diagnose_api.analysis.fast_stats import median
from diagnose_api.analysis.fast_stats import median_abs_deviation
from diagnose_api.analysis.fast_stats import median_and_mad
from diagnose_api.analysis.trends import theil_sen_slope

SIZES = [1, 2, 3, 4, 7, 33, 34, 67, 200, 1001, 50_000]
EDGE_VALUES = np.array(
    [-0.0, 0.0, 1.0, -1.0, 2.5, -3.0, 1e300, -1e300, np.inf, -np.inf]
)


def sample(size: int, seed: int, kind: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "normal":
        return rng.normal(size=size)
    if kind == "ties":
        return np.round(rng.normal(size=size), 1)
    return rng.choice(EDGE_VALUES, size)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", ["normal", "ties", "edge"])
def test_median_equals_numpy(size: int, kind: str) -> None:
    values = sample(size, size, kind)
    expected = float(np.median(values))
    assert repr(median(values)) == repr(expected)
    assert repr(median(values.copy(), overwrite_input=True)) == repr(expected)


def test_median_of_empty_is_nan() -> None:
    assert np.isnan(median(np.empty(0)))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", ["normal", "ties"])
def test_mad_equals_scipy(size: int, kind: str) -> None:
    values = sample(size, size + 1, kind)
    expected = float(stats.median_abs_deviation(values, scale="normal"))
    assert median_abs_deviation(values) == expected


@pytest.mark.parametrize("size", SIZES)
def test_median_and_mad_match_libraries(size: int) -> None:
    values = sample(size, size + 2, "ties")
    center, spread = median_and_mad(values)
    assert repr(center) == repr(float(np.median(values)))
    assert spread == float(stats.median_abs_deviation(values, scale="normal"))
    scratch = values.copy()
    assert median_and_mad(scratch, overwrite_input=True) == (center, spread)


@pytest.mark.parametrize("size", [3, 4, 5, 33, 34, 67, 256, 257, 500, 5000])
@pytest.mark.parametrize("kind", ["normal", "ties", "coarse", "sorted", "one_swap"])
def test_kendalltau_equals_scipy(size: int, kind: str) -> None:
    rng = np.random.default_rng(size)
    epochs = np.cumsum(rng.uniform(0.1, 2.0, size))
    if kind == "coarse":
        values = np.round(rng.normal(size=size))
    elif kind == "sorted":
        values = -np.arange(float(size))
    elif kind == "one_swap":
        values = np.arange(float(size))
        values[[0, 1]] = values[[1, 0]]
    else:
        values = sample(size, size + 2, kind) + np.linspace(0.0, 1.0, size)
    expected = stats.kendalltau(epochs, values)
    result = kendalltau(epochs, values)
    assert result.statistic == pytest.approx(float(expected.statistic), rel=1e-12)
    assert result.pvalue == pytest.approx(float(expected.pvalue), rel=1e-12)


@pytest.mark.parametrize(
    "epochs",
    [np.array([1.0, 2.0, 2.0, 3.0, 4.0]), np.array([5.0, 4.0, 3.0, 2.0, 1.0])],
    ids=["tied_epochs", "decreasing_epochs"],
)
def test_kendalltau_of_unordered_epochs_equals_scipy(epochs: np.ndarray) -> None:
    values = np.array([0.3, 0.1, 0.4, 0.1, 0.5])
    expected = stats.kendalltau(epochs, values)
    result = kendalltau(epochs, values)
    assert float(result.statistic) == float(expected.statistic)
    assert float(result.pvalue) == float(expected.pvalue)


def test_kendalltau_of_constant_values_is_nan() -> None:
    result = kendalltau(np.arange(5.0), np.full(5, 0.25))
    assert np.isnan(result.statistic)
    assert np.isnan(result.pvalue)


@pytest.mark.parametrize("size", [3, 4, 10, 67, 399, 400])
@pytest.mark.parametrize("kind", ["normal", "ties"])
def test_theil_sen_equals_scipy(size: int, kind: str) -> None:
    rng = np.random.default_rng(size)
    epochs = np.cumsum(rng.uniform(0.1, 2.0, size))
    values = sample(size, size + 3, kind)
    expected = float(stats.theilslopes(values, epochs).slope)
    assert theil_sen_slope(epochs, values) == expected


@pytest.mark.parametrize("value", [0.0, 1e-3, 0.7, 3.0, 40.0])
@pytest.mark.parametrize("dfd", [1, 6, 96, 99_996])
def test_f_survival_equals_scipy(value: float, dfd: int) -> None:
    assert f_survival(value, 2, dfd) == float(stats.f.sf(value, 2, dfd))
