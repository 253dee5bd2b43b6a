"""Statistics of scipy and numpy without the per-call overhead of their public API.

A diagnosis computes about fifty medians and ten Kendall tests, mostly of
arrays of a few hundred values. On those, the generic entry points cost
more than the computation. The figures below were measured with numpy 2.4
and scipy 1.17 on the 2-core machine of ``make bench``.

- ``numpy.median`` handles axes, NaN and ``out`` in Python code: about
  45 microseconds per call, ten times a partition of 200 values.
  ``median`` returns the same value for a 1-D array without NaN.
- ``scipy.stats.kendalltau`` is wrapped, since scipy 1.11, by a decorator
  that handles ``axis``, ``nan_policy`` and broadcasting: 0.46 ms of a
  0.75 ms call on 70 points. The analyzers pass 1-D arrays of finite
  values, on which the undecorated function returns the same result.
  ``__wrapped__`` is the attribute that ``functools.wraps`` sets. On a
  scipy release without the wrapper, the public function is used as it is.
- Even undecorated, ``kendalltau`` spends about 0.3 ms on ranking both
  arrays and its general tie bookkeeping. The analyzers test a series
  against its epochs, which never tie, so ``kendalltau`` here counts the
  pairs of up to ``MAX_PAIRWISE_POINTS`` points directly (20 microseconds
  on 67 points, 0.1 ms on 200) and hands longer or other inputs to scipy.
- ``scipy.stats.median_abs_deviation`` adds the same wrapper to two
  medians; ``median_abs_deviation`` here takes those medians with
  ``median``.
- ``scipy.stats.f.sf`` checks its arguments, then calls
  ``scipy.special.fdtrc``, which ``f_survival`` calls directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import fdtrc
from scipy.special import ndtr

__all__ = [
    "f_survival",
    "kendalltau",
    "median",
    "median_abs_deviation",
    "median_and_mad",
    "pairs",
]

# Phi^{-1}(3/4), the MAD of the standard normal distribution: the divisor
# of scipy.stats.median_abs_deviation(..., scale="normal").
NORMAL_MAD = 0.6744897501960817

# Above this many points the pairwise count costs more than scipy's
# merge-sort count (1 ms against 0.35 ms on 400 points).
MAX_PAIRWISE_POINTS = 256
# scipy's kendalltau uses the exact null distribution up to this many
# points when there are no ties.
MAX_EXACT_POINTS = 33


@dataclass(frozen=True)
class KendallResult:
    """Kendall's tau-b and its two-sided p-value, named as scipy names them."""

    statistic: float
    pvalue: float


def _scipy_kendalltau(x: np.ndarray, y: np.ndarray) -> KendallResult:
    """``scipy.stats.kendalltau`` without its axis and NaN-policy wrapper.

    Imported on first use: ``scipy.stats`` adds about 45 MB to a worker
    (with ``scipy.optimize``, which it imports), and a worker whose windows
    all have at most ``MAX_PAIRWISE_POINTS`` points never needs it.
    """
    from scipy import stats

    function = getattr(stats.kendalltau, "__wrapped__", stats.kendalltau)
    result = function(x, y)
    return KendallResult(float(result.statistic), float(result.pvalue))


def kendalltau(x: np.ndarray, y: np.ndarray) -> KendallResult:
    """Compute Kendall's tau-b of (x, y) and its p-value as ``scipy.stats.kendalltau``.

    For x strictly increasing and y finite, with C and D the concordant and
    discordant pairs, S = C - D = sum_{i<j} sign(y_j - y_i), N = n(n - 1)/2
    pairs and t_k the sizes of the groups of tied y values:

        tau = S / sqrt(N (N - T)),   T = sum_k t_k (t_k - 1) / 2.

    Without ties, with n <= 33 or at most one discordant (or concordant)
    pair, the p-value is exact: p = min(1, 2 P(K <= c)), where K counts the
    inversions of a uniformly random permutation of n values and c is the
    smaller of the discordant and concordant counts. Otherwise it is the
    normal approximation with the tie-corrected variance

        Var S = (n (n - 1)(2n + 5) - sum_k t_k (t_k - 1)(2 t_k + 5)) / 18,

    p = 2 Phi(-|S| / sqrt(Var S)). These are scipy's rules. Up to
    ``MAX_PAIRWISE_POINTS`` points the pairs are compared directly. Longer
    series and other inputs (x not increasing, y not finite) go to scipy
    itself, whose merge sort counts D in O(n log n). All values tied gives
    NaN for both, as in scipy.
    """
    n = y.size
    if (
        n < 3
        or n > MAX_PAIRWISE_POINTS
        or x.size != n
        or not (x[1:] > x[:-1]).all()
        or not np.isfinite(y).all()
    ):
        return _scipy_kendalltau(x, y)
    total = n * (n - 1) // 2
    first, second = pairs(n)
    differences = y[second] - y[first]
    concordant = int(np.count_nonzero(differences > 0))
    discordant = int(np.count_nonzero(differences < 0))
    tied_pairs = total - concordant - discordant
    if tied_pairs == total:
        return KendallResult(float("nan"), float("nan"))
    score = concordant - discordant
    tau = score / math.sqrt(total) / math.sqrt(total - tied_pairs)
    tau = min(1.0, max(-1.0, tau))
    smaller = min(discordant, concordant)
    if tied_pairs == 0 and (n <= MAX_EXACT_POINTS or smaller <= 1):
        return KendallResult(tau, _exact_p_value(n, smaller))
    tie_term = _tie_term(y) if tied_pairs else 0.0
    variance = (n * (n - 1.0) * (2 * n + 5) - tie_term) / 18
    z = score / math.sqrt(variance)
    return KendallResult(tau, float(2 * ndtr(-abs(z))))


def _tie_term(y: np.ndarray) -> float:
    """sum_k t_k (t_k - 1)(2 t_k + 5) over the groups of tied values of y."""
    ordered = np.sort(y)
    bounds = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    sizes = np.diff(bounds, prepend=0, append=y.size).astype(np.float64)
    return float((sizes * (sizes - 1) * (2 * sizes + 5)).sum())


# A diagnosis uses a handful of window lengths. 400 points (the Theil-Sen
# limit) take 1.3 MB of positions, so at most about 10 MB stay cached.
@lru_cache(maxsize=8)
def pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j) of the pairs i < j among n points, cached and read-only."""
    first, second = np.triu_indices(n, 1)
    first.setflags(write=False)
    second.setflags(write=False)
    return first, second


def _exact_p_value(n: int, smaller: int) -> float:
    """Two-sided exact p-value 2 P(K <= smaller) of n points, at most 1."""
    if smaller == 0:
        return 2.0 / math.factorial(n) if n < 171 else 0.0
    if smaller == 1:
        return 2.0 / math.factorial(n - 1) if n < 172 else 0.0
    return min(1.0, _inversion_cdf(n)[smaller])


@lru_cache(maxsize=MAX_EXACT_POINTS + 1)
def _inversion_cdf(n: int) -> tuple[float, ...]:
    """2 P(K <= c) for c = 0 .. n(n - 1)/2, K the inversions of a random permutation.

    The counts M(m, c) of permutations of m values with c inversions obey
    M(m, c) = sum_{i=0}^{min(c, m-1)} M(m - 1, c - i), M(1, 0) = 1; they
    are exact integers here and divided by n! once.
    """
    counts = [1]
    for m in range(2, n + 1):
        running = [0, *np.cumsum(counts, dtype=object).tolist()]
        size = len(counts) + m - 1
        counts = [
            running[min(c + 1, len(counts))] - running[max(0, c - m + 1)]
            for c in range(size)
        ]
    cumulative = np.cumsum(counts, dtype=object).tolist()
    return tuple(2 * value / math.factorial(n) for value in cumulative)


def median(values: np.ndarray, overwrite_input: bool = False) -> float:
    """Median of a 1-D array without NaN, equal to ``float(numpy.median(values))``.

    The middle value of the sorted array, or the mean of the two middle
    values. Like numpy, it adds the middle values to 0.0, so a median of
    -0.0 is 0.0. An empty array gives NaN. With ``overwrite_input`` the
    array is reordered in place instead of copied.
    """
    if values.size == 0:
        return float("nan")
    return _median_in_place(values if overwrite_input else values.copy())


def _median_in_place(values: np.ndarray) -> float:
    """``median`` of a non-empty array that may be reordered.

    One partition at ``half = n // 2`` puts the upper middle value at
    ``half`` and every smaller one before it, so for even ``n`` the lower
    middle value is ``max(values[:half])``. That costs one linear pass,
    where numpy's partition on the pair ``(half - 1, half)`` selects twice
    and takes about four times as long on 50,000 values.
    """
    n = values.size
    half = n // 2
    values.partition(half)
    upper = values[half]
    if n % 2:
        return float(0.0 + upper)
    return float((0.0 + values[:half].max() + upper) / 2)


def median_abs_deviation(values: np.ndarray) -> float:
    """Median absolute deviation, scaled to estimate a normal standard deviation.

    ``median(|x - median(x)|) / Phi^{-1}(3/4)`` for a 1-D array without NaN,
    equal to ``scipy.stats.median_abs_deviation(values, scale="normal")``.
    The deviations are computed and partitioned in one buffer.
    """
    return median_and_mad(values)[1]


def median_and_mad(
    values: np.ndarray, overwrite_input: bool = False
) -> tuple[float, float]:
    """Return ``(median(x), median_abs_deviation(x))``, taking the median once.

    Both are NaN for an empty array. With ``overwrite_input`` the
    computation reorders and overwrites ``values`` instead of copying it,
    which saves two passes over a long array that the caller no longer
    needs.
    """
    if values.size == 0:
        return float("nan"), float("nan")
    if overwrite_input:
        center = _median_in_place(values)
        deviation = np.subtract(values, center, out=values)
    else:
        center = median(values)
        deviation = values - center
    np.abs(deviation, out=deviation)
    return center, _median_in_place(deviation) / NORMAL_MAD


def f_survival(value: float, dfn: float, dfd: float) -> float:
    """P(F > value) for the F distribution with ``dfn`` and ``dfd`` degrees of freedom.

    Equal to ``scipy.stats.f.sf(value, dfn, dfd)`` for ``value >= 0`` and
    positive degrees of freedom.
    """
    return float(fdtrc(dfn, dfd, value))
