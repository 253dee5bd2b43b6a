"""minmax_indices: long series reduced to their bucket extremes."""

from __future__ import annotations

import numpy as np
import pytest

from diagnose_api.plots.decimate import minmax_indices


@pytest.mark.parametrize("n", [1, 5, 100])
def test_short_series_kept_whole(n: int) -> None:
    values = np.linspace(0.0, 1.0, n)
    assert np.array_equal(minmax_indices(values, 100), np.arange(n))


@pytest.mark.parametrize(
    ("n", "max_points"), [(101, 100), (10_000, 100), (99_999, 4000)]
)
def test_count_bounded_and_ends_kept(n: int, max_points: int) -> None:
    rng = np.random.default_rng(3)
    positions = minmax_indices(rng.normal(size=n), max_points)
    assert positions.size <= max_points
    assert positions[0] == 0
    assert positions[-1] == n - 1
    assert np.all(np.diff(positions) > 0)


@pytest.mark.parametrize("position", [1, 4_321, 9_998])
def test_single_spike_survives(position: int) -> None:
    rng = np.random.default_rng(11)
    values = rng.normal(0.0, 0.01, 10_000)
    values[position] = 50.0
    assert position in minmax_indices(values, 200)


def test_bucket_without_finite_value_keeps_a_gap() -> None:
    values = np.ones(1_000)
    values[100:300] = np.nan
    positions = minmax_indices(values, 40)
    assert np.isnan(values[positions]).any()


@pytest.mark.parametrize(
    ("values", "max_points", "message"),
    [
        (np.ones(10), 3, "max_points must be at least 4, got 3"),
        (np.ones((2, 5)), 10, r"values must be 1-D, got shape \(2, 5\)"),
    ],
)
def test_invalid_arguments_rejected(
    values: np.ndarray, max_points: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        minmax_indices(values, max_points)
