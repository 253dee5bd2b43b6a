"""Trend of a series: robust slope and Mann-Kendall significance.

Rule
----
Over the points (x_i, y_i) of a window, the direction is

* ``rising`` if Kendall's tau > 0 with p < alpha,
* ``falling`` if tau < 0 with p < alpha,
* ``flat`` otherwise, and ``unknown`` with fewer than 3 points.

The slope is the Theil-Sen estimator, median_{i<j} (y_j - y_i) / (x_j - x_i),
in units per epoch, the slope of ``scipy.stats.theilslopes``. It is
computed here as that median: ``theilslopes`` also returns a confidence
interval, which costs four times the slope on a 70-point window and is not
reported. Theil-Sen costs O(m^2) in time and memory, so windows
longer than ``MAX_THEIL_SEN_POINTS`` are subsampled evenly for the slope.

The Kendall test compares every pair of up to ``MAX_KENDALL_POINTS``
points. A longer window is tested on the means of that many blocks of
consecutive points. Neighbouring steps of a per-step log see nearly the
same weights, so their noise is often autocorrelated, and autocorrelation
raises the false-alarm rate of a test that assumes independent points
(Hamed and Rao 1998). Block means are closer to independent, and averaging
b points divides their noise by about sqrt(b), so a real trend keeps its
power: on 256 blocks the test is significant from |tau| of about 0.08.

References
----------
Sen, P. K. (1968). Estimates of the regression coefficient based on
Kendall's tau. JASA 63(324), 1379-1389.

Hamed, K. H., and Rao, A. R. (1998). A modified Mann-Kendall trend test
for autocorrelated data. Journal of Hydrology 204(1-4), 182-196.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.fast_stats import MAX_PAIRWISE_POINTS
from diagnose_api.analysis.fast_stats import kendalltau
from diagnose_api.analysis.fast_stats import median
from diagnose_api.analysis.fast_stats import pairs
from diagnose_api.analysis.result import Trend

MAX_THEIL_SEN_POINTS = 400
MAX_KENDALL_POINTS = MAX_PAIRWISE_POINTS
MIN_WINDOW = 5


def recent_window_start(n: int) -> int:
    """Start position of the recent window over ``n`` points: the last third.

    The window contains at least ``MIN_WINDOW`` points (all of them when the
    series is shorter), so a 5-epoch log is judged on all 5.
    """
    size = max(MIN_WINDOW, int(np.ceil(n / 3)))
    return max(0, n - size)


def evenly_spaced(size: int, n_points: int) -> np.ndarray:
    """Positions of ``n_points`` evenly spaced points among ``size``, ends included."""
    return np.linspace(0, size - 1, n_points).astype(np.int64)


def block_means(
    x: np.ndarray, y: np.ndarray, n_blocks: int
) -> tuple[np.ndarray, np.ndarray]:
    """Average consecutive points into at most ``n_blocks`` blocks.

    Block j holds the points from floor(j m / B) up to floor((j + 1) m / B)
    of the m points, B = ``n_blocks``, so block sizes differ by at most one.
    """
    if x.size <= n_blocks:
        return x, y
    edges = np.linspace(0, x.size, n_blocks + 1).astype(np.int64)
    counts = np.diff(edges)
    x_means = np.add.reduceat(x, edges[:-1]) / counts
    y_means = np.add.reduceat(y, edges[:-1]) / counts
    return x_means, y_means


def kendall(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Kendall's tau and its two-sided p-value; (0, 1) when undefined.

    Windows longer than ``MAX_KENDALL_POINTS`` are tested on the means of
    that many blocks of consecutive points (``block_means``).
    """
    if x.size < 3 or y.max() == y.min():
        return 0.0, 1.0
    x, y = block_means(x, y, MAX_KENDALL_POINTS)
    result = kendalltau(x, y)
    tau = float(result.statistic)
    p_value = float(result.pvalue)
    if not np.isfinite(tau) or not np.isfinite(p_value):
        return 0.0, 1.0
    return tau, p_value


def theil_sen_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Theil-Sen slope, on an even subsample when the window is long.

    The median over the pairs i < j with x_j > x_i; x must have two distinct
    values.
    """
    if x.size > MAX_THEIL_SEN_POINTS:
        index = evenly_spaced(x.size, MAX_THEIL_SEN_POINTS)
        x = x[index]
        y = y[index]
    first, second = pairs(x.size)
    dx = x[second] - x[first]
    dy = y[second] - y[first]
    distinct = dx > 0
    if not distinct.all():
        dx = dx[distinct]
        dy = dy[distinct]
    return median(dy / dx, overwrite_input=True)


def fit_trend(name: str, x: np.ndarray, y: np.ndarray, alpha: float) -> Trend:
    """Fit the trend of finite points (x, y), x increasing."""
    if x.size < 3:
        return Trend(
            series=name,
            window_start=float(x[0]) if x.size else float("nan"),
            window_end=float(x[-1]) if x.size else float("nan"),
            n_points=int(x.size),
            slope=None,
            p_value=None,
            direction="unknown",
        )
    tau, p_value = kendall(x, y)
    slope = 0.0 if y.max() == y.min() else theil_sen_slope(x, y)
    direction = "flat"
    if p_value < alpha and tau > 0:
        direction = "rising"
    elif p_value < alpha and tau < 0:
        direction = "falling"
    return Trend(
        series=name,
        window_start=float(x[0]),
        window_end=float(x[-1]),
        n_points=int(x.size),
        slope=slope,
        p_value=p_value,
        direction=direction,
    )
