"""Robust noise level of a series (placeholder until the stop-rules branch lands)."""

from __future__ import annotations

import numpy as np
from scipy.stats import median_abs_deviation


def noise_scale(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    if finite.size < 3:
        return float("nan")
    return float(median_abs_deviation(np.diff(finite), scale="normal") / np.sqrt(2.0))
