"""The closed-form breakpoint search against hinge fits solved directly."""

from __future__ import annotations

import numpy as np
import pytest

from diagnose_api.analysis import divergence


def hinge_fit(x: np.ndarray, y: np.ndarray, k: int) -> tuple[float, float]:
    """SSE and after-break slope of y = a + b x + c max(0, x - x_k), by lstsq."""
    design = np.column_stack([np.ones_like(x), x, np.maximum(x - x[k], 0.0)])
    theta, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ theta
    return float(residual @ residual), float(theta[1] + theta[2])


def line_sse(x: np.ndarray, y: np.ndarray) -> float:
    design = np.column_stack([np.ones_like(x), x])
    theta, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ theta
    return float(residual @ residual)


def series(kind: str, n_points: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n_points)
    x = np.cumsum(rng.uniform(0.5, 2.0, n_points))
    x = (x - x.mean()) / np.ptp(x)
    if kind == "u_shape":
        y = 1.6 * np.exp(-6.0 * t) + 3.0 * np.maximum(t - 0.35, 0.0) ** 2
        y = y + rng.normal(0.0, 0.03, n_points)
    elif kind == "noise":
        y = rng.normal(size=n_points)
    else:
        y = np.abs(t - 0.5) + 0.0
    return x, (y - y.mean()) / np.ptp(y)


@pytest.mark.parametrize("kind", ["u_shape", "noise", "exact_hinge"])
@pytest.mark.parametrize("n_points", [5, 6, 40, 301])
@pytest.mark.parametrize("seed", [0, 1])
def test_best_breakpoint_equals_least_squares(
    kind: str, n_points: int, seed: int
) -> None:
    x, y = series(kind, n_points, seed)
    fits = [
        hinge_fit(x, y, k)
        for k in range(
            divergence.MIN_POINTS_PER_SEGMENT - 1,
            n_points - divergence.MIN_POINTS_PER_SEGMENT,
        )
    ]
    best = int(np.argmin([sse for sse, _ in fits]))
    expected_sse, expected_slope = fits[best]

    k, sse, slope_after, sse_line = divergence._best_breakpoint(x, y)

    assert sse == pytest.approx(expected_sse, rel=1e-7, abs=1e-10)
    assert slope_after == pytest.approx(expected_slope, rel=1e-7, abs=1e-9)
    assert sse_line == pytest.approx(line_sse(x, y), rel=1e-9, abs=1e-12)
    assert hinge_fit(x, y, k)[0] == pytest.approx(expected_sse, rel=1e-7, abs=1e-10)


def test_every_breakpoint_of_a_long_series_is_scored() -> None:
    """A break near the end of 20,000 points is found at its exact position."""
    n_points = 20_000
    x = np.linspace(-0.5, 0.5, n_points)
    y = np.where(np.arange(n_points) > 19_990, x - x[19_990], 0.0) * 50.0
    k, sse, _, _ = divergence._best_breakpoint(x, y)
    assert k == 19_990
    assert sse == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("n_points", [2, 3, 10, 200, 100_000])
@pytest.mark.parametrize("first_epoch", [0.0, 1.0, 5_000.0, 1e6])
def test_least_squares_slope_equals_polyfit(n_points: int, first_epoch: float) -> None:
    rng = np.random.default_rng(n_points)
    epochs = first_epoch + np.cumsum(rng.uniform(0.5, 2.0, n_points))
    values = 0.3 - 1e-3 * epochs + rng.normal(0.0, 0.05, n_points)
    expected = float(np.polyfit(epochs, values, 1)[0])
    assert divergence.least_squares_slope(epochs, values) == pytest.approx(
        expected, rel=1e-9, abs=1e-15
    )
