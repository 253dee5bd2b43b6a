"""Robust noise level of a metric series, the unit of every tolerance."""

from __future__ import annotations

import math

import numpy as np

from diagnose_api.analysis.fast_stats import median_abs_deviation

MIN_FINITE_VALUES = 3


def noise_scale(values: np.ndarray) -> float:
    """Estimate the epoch-to-epoch noise standard deviation of a series.

    With ``x`` the finite values in order (non-finite values dropped):

    ``sigma_hat = 1.4826 * MAD(diff(x)) / sqrt(2)``

    where ``MAD`` is the median absolute deviation from the median.

    Parameters
    ----------
    values : numpy.ndarray
        1-D series; NaN (missing) and +-inf are dropped first, so a value
        logged every k epochs is compared with the previous logged value.

    Returns
    -------
    float
        The estimate, in the unit of the series. NaN when fewer than 3
        finite values remain (one difference has no spread). 0.0 when
        more than half of the differences are equal to one value, for example on a
        constant or coarsely quantized series.

    Raises
    ------
    ValueError
        If ``values`` is not 1-D.

    Notes
    -----
    Model the series as ``x_t = f(t) + e_t`` with a smooth trend ``f`` and
    independent noise ``e_t`` of standard deviation ``sigma``.

    - First differences remove the trend: ``diff(x)_t = f'(t) + e_t -
      e_{t-1}``. The slope term varies slowly, and the median inside the
      MAD absorbs it, so a falling loss curve does not read as noise the
      way the spread of the raw values would.
    - The difference of two independent noise terms has standard deviation
      ``sqrt(2) * sigma``, hence the division by ``sqrt(2)``.
    - ``1.4826 = 1 / Phi^{-1}(3/4)`` makes the MAD a consistent estimate
      of the standard deviation under normal noise
      (``scipy.stats.median_abs_deviation(..., scale="normal")``).
    - The MAD ignores up to half of the differences, so a few spikes or a
      single jump do not raise the estimate.

    Sharp curvature, as in the first epochs of a fast-falling loss, still
    adds to the estimate, because the slope then changes between
    consecutive differences.
    """
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {series.shape}")

    finite_values = series[np.isfinite(series)]
    if finite_values.size < MIN_FINITE_VALUES:
        return math.nan

    differences = np.diff(finite_values)
    spread = median_abs_deviation(differences)
    return float(spread) / math.sqrt(2.0)
