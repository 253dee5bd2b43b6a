"""TensorBoard's debiased exponential moving average of a metric series."""

from __future__ import annotations

import math

import numpy as np

DEFAULT_WEIGHT = 0.6


def debiased_ema(values: np.ndarray, weight: float = DEFAULT_WEIGHT) -> np.ndarray:
    """Smooth a series with the debiased exponential moving average.

    The average runs over the finite values only. With ``v_k`` the k-th
    finite value (k = 1, 2, ...) and ``w`` the weight:

    ``last_k = w * last_{k-1} + (1 - w) * v_k``, with ``last_0 = 0``

    ``smoothed_k = last_k / (1 - w**k)``

    Dividing by ``1 - w**k`` removes the bias toward the zero start, so the
    first smoothed value equals the first finite value.

    Parameters
    ----------
    values : numpy.ndarray
        1-D series. NaN (a missing value) and +-inf do not enter the
        average.
    weight : float, default 0.6
        Smoothing weight ``w`` in [0, 1). 0 returns the values unchanged.

    Returns
    -------
    numpy.ndarray
        float64 array of the same length. A position whose value is not
        finite carries the smoothed value of the last finite position
        before it, and NaN when no finite value came before.

    Raises
    ------
    ValueError
        If ``weight`` is outside [0, 1) or ``values`` is not 1-D.

    Notes
    -----
    The recursion is a first-order IIR filter, ``b = [1 - w]``,
    ``a = [1, -w]``, evaluated with `scipy.signal.lfilter` in O(n).

    TensorBoard's scalar dashboard outputs the raw value at a non-finite
    position, where this function carries the last smoothed value forward.
    Like TensorBoard, it returns a series whose finite values are all equal
    unchanged, so that a constant metric stays exactly constant instead of
    picking up rounding error from the division.

    Examples
    --------
    >>> debiased_ema(np.array([1.0, 2.0, 3.0]), weight=0.6).round(4)
    array([1.    , 1.625 , 2.3265])
    """
    # scipy.signal imports most of scipy (about 50 MB). Only the plots call
    # this function, so a worker that draws nothing never loads it.
    from scipy.signal import lfilter

    if not 0.0 <= weight < 1.0:
        raise ValueError(f"weight must be in [0, 1), got {weight!r}")
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {series.shape}")

    finite = np.isfinite(series)
    finite_values = series[finite]
    if finite_values.size == 0:
        return np.full(series.shape, np.nan)

    if np.all(finite_values == finite_values[0]):
        smoothed = finite_values.copy()
    else:
        smoothed = lfilter([1.0 - weight], [1.0, -weight], finite_values)
        n_debiased = min(_n_debiased(weight), smoothed.size)
        counts = np.arange(1, n_debiased + 1)
        smoothed[:n_debiased] /= 1.0 - weight**counts

    if finite.all():
        return smoothed

    # A non-finite position takes the smoothed value of the last finite
    # position before it.
    result = np.full(series.shape, np.nan)
    result[finite] = smoothed
    last_finite = np.maximum.accumulate(np.where(finite, np.arange(series.size), -1))
    seen = last_finite >= 0
    result[seen] = result[last_finite[seen]]
    return result


def _n_debiased(weight: float) -> int:
    """Count the leading positions whose debias divisor ``1 - w**k`` is not 1.0.

    Once ``w**k < 2**-54``, ``1 - w**k`` rounds to exactly 1.0, so later
    positions need no division. Skipping them also avoids computing powers
    that underflow to subnormal numbers, which costs about 6 ms for
    100,000 positions.
    """
    if weight == 0.0:
        return 0
    return math.ceil(-54.0 * math.log(2.0) / math.log(weight)) + 1
