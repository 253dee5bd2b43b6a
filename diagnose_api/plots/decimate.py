"""Fewer points to draw for a long series, keeping its extremes."""

from __future__ import annotations

import numpy as np


def minmax_indices(values: np.ndarray, max_points: int) -> np.ndarray:
    """Select positions that keep each bucket's minimum and maximum.

    Rule: with n values and b = max_points // 2 buckets of
    k = ceil(n / b) consecutive positions, keep in each bucket the position
    of its smallest and of its largest finite value, plus the first and the
    last position. A spike therefore survives at any n, which a stride
    would drop. A bucket without a finite value keeps its first position,
    so that a run of NaN still breaks the drawn line.

    Parameters
    ----------
    values : numpy.ndarray
        1-D float series; NaN and +-inf allowed.
    max_points : int
        Upper bound on the number of positions returned, at least 4.

    Returns
    -------
    numpy.ndarray
        Sorted unique int64 positions; ``arange(n)`` when n <= max_points.

    Raises
    ------
    ValueError
        If ``max_points`` < 4 or ``values`` is not 1-D.
    """
    if max_points < 4:
        raise ValueError(f"max_points must be at least 4, got {max_points}")
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {series.shape}")
    n = series.size
    if n <= max_points:
        return np.arange(n, dtype=np.int64)

    n_buckets = (max_points - 2) // 2
    bucket_size = -(-n // n_buckets)
    padded = np.full(n_buckets * bucket_size, np.nan)
    padded[:n] = series
    buckets = padded.reshape(n_buckets, bucket_size)
    finite = np.isfinite(buckets)

    lowest = np.where(finite, buckets, np.inf).argmin(axis=1)
    highest = np.where(finite, buckets, -np.inf).argmax(axis=1)
    offsets = np.arange(n_buckets) * bucket_size
    selected = np.concatenate(([0, n - 1], offsets + lowest, offsets + highest))
    return np.unique(selected[selected < n])
