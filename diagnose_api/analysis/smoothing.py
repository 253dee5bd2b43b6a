"""TensorBoard's debiased EMA (placeholder until the stop-rules branch lands)."""

from __future__ import annotations

import numpy as np


def debiased_ema(values: np.ndarray, weight: float = 0.6) -> np.ndarray:
    out = np.full(values.shape, np.nan)
    last = 0.0
    count = 0
    for i, v in enumerate(values):
        if np.isfinite(v):
            last = last * weight + (1 - weight) * v
            count += 1
        if count:
            out[i] = last / (1 - weight**count)
    return out
