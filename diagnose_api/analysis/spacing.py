"""Epoch spacing: the typical step between logged epochs, and the gaps in it.

Rule: with the typical spacing d = median(diff(epochs)) of the logged
points, a step larger than 1.5 d is a gap. A change in a metric across a gap
(a log that jumps from epoch 56 to 99) is not a jump in the metric, so the
noise and spike checks only compare neighbours that are not separated by a
gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from diagnose_api.analysis.fast_stats import median

GAP_FACTOR = 1.5


@dataclass(frozen=True)
class Differences:
    """First differences between neighbouring logged points."""

    end_positions: np.ndarray
    values: np.ndarray


def typical_spacing(epochs: np.ndarray) -> float:
    if epochs.size < 2:
        return 1.0
    return median(np.diff(epochs), overwrite_input=True)


def gap_mask(epochs: np.ndarray) -> np.ndarray:
    """For each consecutive pair of logged epochs, True where they are a gap apart."""
    steps = np.diff(epochs)
    return steps > GAP_FACTOR * typical_spacing(epochs)


def contiguous_differences(
    epochs: np.ndarray, values: np.ndarray, observed: np.ndarray
) -> Differences:
    """Differences of a series between logged neighbours not separated by a gap.

    ``end_positions`` are the positions (in the full history) of the later
    point of each pair.
    """
    positions = np.flatnonzero(observed)
    if positions.size < 2:
        return Differences(np.empty(0, dtype=np.int64), np.empty(0))
    logged_epochs = epochs[positions]
    keep = ~gap_mask(logged_epochs)
    diffs = np.diff(values[positions])
    return Differences(positions[1:][keep], diffs[keep])
