"""Divergence point: the epoch after which validation loss parts from training loss.

Rule
----
Fit the validation loss y over epochs x with a continuous two-segment
(hinge) line for every breakpoint x_k,

    y_i = a + b x_i + c max(0, x_i - x_k),

and keep the k with the least squared error SSE_2. Compare with one
straight line (SSE_1) by the F statistic

    F = ((SSE_1 - SSE_2) / 2) / (SSE_2 / (n - 4)),

counting the breakpoint as a parameter. The divergence epoch is x_k when
p = P(F_{2, n-4} > F) < alpha, the slope after the break (b + c) is
positive, and training loss does not trend upward after x_k (then validation rises
and the generalization gap grows). When no break is significant but the
whole validation series rises (Kendall p < alpha) while training loss falls,
the curves part from the first epoch. The epoch reported for a break is the
lowest validation value at or before x_k: two straight lines fitted to a
rounded U put their joint past the bottom, while the curves part at it. Otherwise the result is None: weak
evidence gives no guess. ``confidence`` is 1 - p.

Every candidate breakpoint is scored at once from suffix sums of
x, x^2, y and x y, so the search costs O(n). Each score solves a 3x3
system, about 1 microsecond apiece, so a series longer than
``MAX_BREAKPOINT_CANDIDATES`` points is searched in two passes: every s-th
breakpoint first (s = ceil(n / MAX_BREAKPOINT_CANDIDATES)), then every
breakpoint within s of the best of those. Each score is still the exact
least-squares fit to all n points. The two passes can miss the global
minimum only where two distant breakpoints fit almost equally well.

Notes
-----
Choosing the breakpoint by least squares makes the F test optimistic
(Davies 1987). On series of pure noise the true false-alarm rate is
therefore higher than alpha.

References
----------
Davies, R. B. (1987). Hypothesis testing when a nuisance parameter is present
only under the alternative. Biometrika 74(1), 33-43.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from diagnose_api.analysis.fast_stats import f_survival
from diagnose_api.analysis.result import Divergence
from diagnose_api.analysis.trends import kendall

MIN_POINTS_PER_SEGMENT = 2
MAX_BREAKPOINT_CANDIDATES = 2_000


@dataclass(frozen=True)
class _Sums:
    """Sums over the points of a series that every hinge fit shares.

    ``suffix_*[k]`` sums over the points i > k, the ones the hinge term
    touches.
    """

    x: np.ndarray
    suffix_x: np.ndarray
    suffix_xx: np.ndarray
    suffix_y: np.ndarray
    suffix_xy: np.ndarray
    s_x: float
    s_xx: float
    s_y: float
    s_xy: float
    s_yy: float


def _sums(x: np.ndarray, y: np.ndarray) -> _Sums:
    return _Sums(
        x=x,
        suffix_x=np.concatenate([np.cumsum(x[::-1])[::-1][1:], [0.0]]),
        suffix_xx=np.concatenate([np.cumsum((x * x)[::-1])[::-1][1:], [0.0]]),
        suffix_y=np.concatenate([np.cumsum(y[::-1])[::-1][1:], [0.0]]),
        suffix_xy=np.concatenate([np.cumsum((x * y)[::-1])[::-1][1:], [0.0]]),
        s_x=x.sum(),
        s_xx=(x * x).sum(),
        s_y=y.sum(),
        s_xy=(x * y).sum(),
        s_yy=(y * y).sum(),
    )


def _hinge_sse(sums: _Sums, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SSE and after-break slope of the hinge fit at each candidate breakpoint.

    Returns arrays over ``candidates`` (positions in 0..n-1); entries for
    breakpoints that leave fewer than two points on a side are +inf.
    """
    x = sums.x
    n = x.size
    m = n - 1 - candidates
    x_k = x[candidates]
    suffix_x = sums.suffix_x[candidates]
    suffix_xx = sums.suffix_xx[candidates]
    s_h = suffix_x - m * x_k
    s_hh = suffix_xx - 2 * x_k * suffix_x + m * x_k * x_k
    s_xh = suffix_xx - x_k * suffix_x
    s_hy = sums.suffix_xy[candidates] - x_k * sums.suffix_y[candidates]

    s_x = sums.s_x
    s_xx = sums.s_xx
    s_y = sums.s_y
    s_xy = sums.s_xy
    s_yy = sums.s_yy

    n_candidates = candidates.size
    normal = np.empty((n_candidates, 3, 3))
    normal[:, 0, 0] = n
    normal[:, 0, 1] = normal[:, 1, 0] = s_x
    normal[:, 1, 1] = s_xx
    normal[:, 0, 2] = normal[:, 2, 0] = s_h
    normal[:, 1, 2] = normal[:, 2, 1] = s_xh
    normal[:, 2, 2] = s_hh
    rhs = np.empty((n_candidates, 3))
    rhs[:, 0] = s_y
    rhs[:, 1] = s_xy
    rhs[:, 2] = s_hy

    valid = (candidates >= MIN_POINTS_PER_SEGMENT - 1) & (
        m >= MIN_POINTS_PER_SEGMENT
    )
    sse = np.full(n_candidates, np.inf)
    slope_after = np.full(n_candidates, np.nan)
    if not valid.any():
        return sse, slope_after
    theta = np.linalg.solve(normal[valid], rhs[valid][:, :, None])[:, :, 0]
    sse[valid] = np.maximum(s_yy - np.einsum("ij,ij->i", theta, rhs[valid]), 0.0)
    slope_after[valid] = theta[:, 1] + theta[:, 2]
    return sse, slope_after


def _best_breakpoint(x: np.ndarray, y: np.ndarray) -> tuple[int, float, float]:
    """Position, SSE and after-break slope of the best hinge breakpoint.

    Every breakpoint is scored when n <= MAX_BREAKPOINT_CANDIDATES; longer
    series are searched on a grid of step s, then within s of its best.
    """
    n = x.size
    sums = _sums(x, y)
    step = math.ceil(n / MAX_BREAKPOINT_CANDIDATES)
    candidates = np.arange(0, n, step)
    sse, slope_after = _hinge_sse(sums, candidates)
    if step > 1:
        best = int(candidates[np.argmin(sse)])
        candidates = np.arange(max(0, best - step + 1), min(n, best + step))
        sse, slope_after = _hinge_sse(sums, candidates)
    i = int(np.argmin(sse))
    return int(candidates[i]), float(sse[i]), float(slope_after[i])


def _line_sse(x: np.ndarray, y: np.ndarray) -> float:
    coefficients = np.polyfit(x, y, 1)
    residual = y - np.polyval(coefficients, x)
    return float(residual @ residual)


def find_divergence(
    epochs: np.ndarray,
    val_loss: np.ndarray,
    train_loss: np.ndarray | None,
    alpha: float,
) -> Divergence | None:
    """Find the divergence epoch of a validation-loss series.

    Parameters
    ----------
    epochs, val_loss : numpy.ndarray
        Finite validation points, epochs strictly increasing.
    train_loss : numpy.ndarray or None
        Training loss at the same epochs (NaN where not logged), or None.
    alpha : float
        Significance level of the tests.
    """
    n = epochs.size
    if n < 4:
        return None
    spread = float(np.ptp(val_loss))
    # A constant series (up to rounding) never parts from anything.
    if not spread > 1e-12 * max(float(np.max(np.abs(val_loss))), 1e-300):
        return None
    # Centre and scale so the normal equations stay well conditioned at
    # 100,000 points and at epoch numbers in the thousands.
    x = (epochs - epochs.mean()) / max(float(np.ptp(epochs)), 1e-300)
    y_scale = spread
    y = (val_loss - val_loss.mean()) / y_scale
    epoch_scale = float(np.ptp(epochs))

    if n >= 5:
        k, sse_best, slope_after = _best_breakpoint(x, y)
        sse_line = _line_sse(x, y)
        if np.isfinite(sse_best):
            f_stat = ((sse_line - sse_best) / 2) / max(sse_best / (n - 4), 1e-300)
            p_value = f_survival(max(f_stat, 0.0), 2, n - 4)
            if (
                p_value < alpha
                and slope_after > 0
                and not _train_rises(epochs, train_loss, k, alpha)
            ):
                before_x = epochs[: k + 1]
                before_y = val_loss[: k + 1]
                slope_before = float(np.polyfit(before_x, before_y, 1)[0])
                bottom = int(np.argmin(before_y))
                return Divergence(
                    epoch=float(epochs[bottom]),
                    confidence=round(1.0 - p_value, 4),
                    method="hinge_fit",
                    p_value=p_value,
                    slope_before=slope_before,
                    slope_after=slope_after * y_scale / epoch_scale,
                )

    tau, p_value = kendall(epochs, val_loss)
    if tau > 0 and p_value < alpha and not _train_rises(epochs, train_loss, 0, alpha):
        slope = float(np.polyfit(epochs, val_loss, 1)[0])
        return Divergence(
            epoch=float(epochs[0]),
            confidence=round(1.0 - p_value, 4),
            method="rising_from_start",
            p_value=p_value,
            slope_before=None,
            slope_after=slope,
        )
    return None


def _train_rises(
    epochs: np.ndarray, train_loss: np.ndarray | None, start: int, alpha: float
) -> bool:
    """Check whether training loss fails to fall from position ``start`` on.

    Curves part only while training loss keeps falling, so any upward Kendall
    tau counts here, significant or not.
    """
    if train_loss is None:
        return False
    segment = train_loss[start:]
    mask = np.isfinite(segment)
    if mask.sum() < 2:
        return False
    tau, _ = kendall(epochs[start:][mask], segment[mask])
    return tau > 0
