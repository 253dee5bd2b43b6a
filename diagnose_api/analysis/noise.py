"""Robust noise level of a metric series, the unit of every tolerance."""

from __future__ import annotations

import math

import numpy as np

from diagnose_api.analysis.fast_stats import median
from diagnose_api.analysis.fast_stats import median_abs_deviation
from diagnose_api.analysis.fast_stats import median_and_mad

MIN_FINITE_VALUES = 3
MIN_FOR_SECOND_DIFFERENCES = 4
# sigma / E|X - median| for normal X: sqrt(pi / 2).
MEAN_DEVIATION_TO_SIGMA = math.sqrt(math.pi / 2.0)


def noise_scale(values: np.ndarray) -> float:
    """Estimate the epoch-to-epoch noise standard deviation of a series.

    With ``x`` the finite values in order (non-finite values dropped) and
    the second differences d2_t = x_t - 2 x_{t-1} + x_{t-2}:

    ``sigma_hat = 1.4826 * MAD(d2) / sqrt(6)``

    where ``MAD`` is the median absolute deviation from the median. With
    exactly 3 finite values the first differences are used instead,
    ``1.4826 * MAD(diff(x)) / sqrt(2)``.

    Parameters
    ----------
    values : numpy.ndarray
        1-D series; NaN (missing) and +-inf are dropped first, so a value
        logged every k epochs is compared with the previous logged value.

    Returns
    -------
    float
        The estimate, in the unit of the series. NaN when fewer than 3
        finite values remain, or when values near the float64 limit
        overflow in the differences. 0.0 when every second difference is equal,
        for example on a constant, linear or quadratic series.

    Raises
    ------
    ValueError
        If ``values`` is not 1-D.

    Notes
    -----
    Model the series as ``x_t = f(t) + e_t`` with a smooth trend ``f`` and
    independent noise ``e_t`` of standard deviation ``sigma``.

    - Second differences remove the trend and most of its curvature:
      ``d2_t = f''(t) + e_t - 2 e_{t-1} + e_{t-2}``. First differences
      remove only the trend, so on a loss that falls fast and then bends
      (a decay or a U-shape) they read the bend as noise: on
      ``0.3 + 0.002 (t - 15)^2`` with noise 0.01 they estimate 0.041,
      second differences 0.010.
    - ``e_t - 2 e_{t-1} + e_{t-2}`` has variance ``(1 + 4 + 1) sigma^2``,
      hence the division by ``sqrt(6)``.
    - ``1.4826 = 1 / Phi^{-1}(3/4)`` makes the MAD a consistent estimate
      of the standard deviation under normal noise
      (``scipy.stats.median_abs_deviation(..., scale="normal")``).
    - The MAD ignores up to half of the values, so a few spikes or a
      single jump do not raise the estimate. When it is 0 (a log rounded to
      two decimals repeats one second difference), the mean absolute
      deviation from the median, times ``sqrt(pi / 2)``, replaces it.
    """
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {series.shape}")

    finite = np.isfinite(series)
    finite_values = series if finite.all() else series[finite]
    if finite_values.size < MIN_FINITE_VALUES:
        return math.nan
    if finite_values.size < MIN_FOR_SECOND_DIFFERENCES:
        spread = median_abs_deviation(np.diff(finite_values))
        return float(spread) / math.sqrt(2.0)

    # The second differences are a fresh array, so the MAD may reorder it.
    _, spread = median_and_mad(np.diff(finite_values, n=2), overwrite_input=True)
    if spread == 0.0:
        # Logs rounded to a few decimals repeat one second difference more
        # than half the time, which zeroes the MAD while the series still
        # moves. The mean absolute deviation counts the other differences.
        second = np.diff(finite_values, n=2)
        deviation = np.abs(second - median(second))
        spread = float(np.mean(deviation)) * MEAN_DEVIATION_TO_SIGMA
    sigma = spread / math.sqrt(6.0)
    # Values near the float64 limit overflow in the differences.
    return sigma if math.isfinite(sigma) else math.nan
