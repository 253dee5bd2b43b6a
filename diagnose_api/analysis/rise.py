"""Rise of a loss series after its minimum, the evidence behind overfitting.

Rule
----
With i* the position of the minimum finite value y*, the end level is the
median of the last three finite values after i* (``end_level``), and

    rise = end_level - y*,    rise_in_noise = rise / sigma,

where sigma is the series' noise level (``noise.noise_scale``). The trend
after the minimum is Kendall's tau over the points i* .. n-1.

The recovered excursion is the largest bump the series made before its
minimum and came back from,

    excursion = max_{t < i*} (y(t) - min_{t' <= t} y(t')).

Noise from first differences misses slow wander; a rise no larger than a
bump the run already recovered from is no evidence of overfitting.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from functools import cached_property

import numpy as np

from diagnose_api.analysis.fast_stats import median
from diagnose_api.analysis.trends import kendall


def end_level(values: np.ndarray, n_tail: int = 3) -> float:
    """Robust level at the end of a series: the median of its last finite values.

    One noisy tail epoch cannot move a median of three, so a large U-shape
    with a single low last value still reads as risen.
    """
    # The last n_tail finite values usually lie among the last few positions,
    # so a long series is filtered in full only when its tail is mostly
    # non-finite.
    tail = values[-4 * n_tail :]
    finite = tail[np.isfinite(tail)]
    if finite.size < n_tail and tail.size < values.size:
        finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan")
    return median(finite[-n_tail:])


# A value this many times the minimum is an explosion (divergence), not a rise.
EXPLOSION_FACTOR = 100.0


@dataclass(frozen=True)
class Rise:
    """How far, and how surely, a series rose after its minimum.

    ``segment_epochs`` and ``segment_values`` are the finite points from the
    minimum on. Their Kendall test (``tau``, ``p_value``) runs on first
    use: most rules read it only once the rise is already large.
    """

    best_index: int
    best_value: float
    end_value: float
    rise: float
    noise: float
    n_after: int
    excursion: float = 0.0
    max_after: float = float("nan")
    segment_epochs: np.ndarray = field(
        default_factory=lambda: np.empty(0), repr=False, compare=False
    )
    segment_values: np.ndarray = field(
        default_factory=lambda: np.empty(0), repr=False, compare=False
    )

    @cached_property
    def _kendall(self) -> tuple[float, float]:
        return kendall(self.segment_epochs, self.segment_values)

    @property
    def tau(self) -> float:
        """Kendall's tau of the points from the minimum on; 0 with fewer than 3."""
        return self._kendall[0]

    @property
    def p_value(self) -> float:
        """Two-sided p-value of ``tau``; 1 with fewer than 3 points."""
        return self._kendall[1]

    @property
    def exploded(self) -> bool:
        """Whether a value after the minimum exceeds 100 times its magnitude."""
        return bool(self.max_after >= EXPLOSION_FACTOR * abs(self.best_value))

    @property
    def rise_in_noise(self) -> float:
        return self.rise / self.noise if self.noise > 0 else float("inf")

    @property
    def tolerance(self) -> float:
        """The rise that noise and earlier recovered bumps can explain."""
        return max(2 * self.noise, self.excursion)


def measure_rise(epochs: np.ndarray, values: np.ndarray, noise: float) -> Rise | None:
    """Measure the rise after the minimum; None when no value is finite."""
    finite = np.isfinite(values)
    if finite.all():
        # The common case: no NaN or inf, so no position needs filtering.
        best_index = int(values.argmin())
        best_value = float(values[best_index])
        after = values[best_index + 1 :]
        before = values[:best_index]
        segment = values[best_index:]
        segment_epochs = epochs[best_index:]
    else:
        if not finite.any():
            return None
        best_index = int(np.nanargmin(np.where(finite, values, np.nan)))
        best_value = float(values[best_index])
        after = values[best_index + 1 :][finite[best_index + 1 :]]
        before = values[:best_index][finite[:best_index]]
        mask = finite[best_index:]
        segment = values[best_index:][mask]
        segment_epochs = epochs[best_index:][mask]
    excursion = 0.0
    if before.size:
        excursion = float((before - np.minimum.accumulate(before)).max())
    if after.size == 0:
        return Rise(best_index, best_value, best_value, 0.0, noise, 0, excursion)
    end_value = end_level(after)
    return Rise(
        best_index=best_index,
        best_value=best_value,
        end_value=end_value,
        rise=end_value - best_value,
        noise=noise,
        n_after=int(after.size),
        excursion=excursion,
        max_after=float(np.abs(after).max()),
        segment_epochs=segment_epochs,
        segment_values=segment,
    )
