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
x, x^2, y and x y, so the search costs O(n) and scores every breakpoint of
a series of any length exactly. Adding the hinge term h_k = max(0, x - x_k)
to the straight line lowers its squared error by the part of y that h_k
explains beyond the line (Frisch-Waugh-Lovell):

    SSE_2(k) = SSE_1 - (h_k' M y)^2 / (h_k' M h_k),

where M removes the least-squares line in x. Both products come from the
sums and the 2x2 normal equations of the line, which every breakpoint
shares, so no per-breakpoint system is solved.

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

from dataclasses import dataclass

import numpy as np

from diagnose_api.analysis.fast_stats import f_survival
from diagnose_api.analysis.result import Divergence
from diagnose_api.analysis.trends import kendall

MIN_POINTS_PER_SEGMENT = 2
# h' M h below this fraction of h' h: the hinge lies in the span of the line.
HINGE_RANK_TOLERANCE = 1e-12


@dataclass(frozen=True)
class _Sums:
    """Sums over the points of a series that every hinge fit shares.

    ``suffix_*[j]`` sums over the points i >= j. The hinge term of the
    breakpoint k touches the points i > k, whose sums are ``suffix_*[k + 1]``.
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

    @property
    def line(self) -> tuple[float, float]:
        """Intercept and slope of the least-squares line of y on x."""
        n = self.x.size
        det = n * self.s_xx - self.s_x * self.s_x
        intercept = (self.s_xx * self.s_y - self.s_x * self.s_xy) / det
        slope = (n * self.s_xy - self.s_x * self.s_y) / det
        return intercept, slope

    @property
    def line_sse(self) -> float:
        """Squared error of the line, S_yy - a S_y - b S_xy, at least 0."""
        intercept, slope = self.line
        return max(float(self.s_yy - intercept * self.s_y - slope * self.s_xy), 0.0)


def _suffix_sums(values: np.ndarray) -> np.ndarray:
    return np.cumsum(values[::-1])[::-1]


def _sums(x: np.ndarray, y: np.ndarray) -> _Sums:
    xx = x * x
    xy = x * y
    suffix_x = _suffix_sums(x)
    suffix_xx = _suffix_sums(xx)
    suffix_y = _suffix_sums(y)
    suffix_xy = _suffix_sums(xy)
    return _Sums(
        x=x,
        suffix_x=suffix_x,
        suffix_xx=suffix_xx,
        suffix_y=suffix_y,
        suffix_xy=suffix_xy,
        s_x=float(suffix_x[0]),
        s_xx=float(suffix_xx[0]),
        s_y=float(suffix_y[0]),
        s_xy=float(suffix_xy[0]),
        s_yy=float(y @ y),
    )


def _best_breakpoint(x: np.ndarray, y: np.ndarray) -> tuple[int, float, float, float]:
    """Position, SSE and after-break slope of the best hinge breakpoint, and SSE_1.

    Every breakpoint k that leaves at least two points on each side is
    scored. With (a_v, b_v) the least-squares line of a vector v on x,
    computed from sum v and sum x v, the residual products are

        h' M y = sum h y - a_y sum h - b_y sum x h,
        h' M h = sum h^2 - a_h sum h - b_h sum x h,

    the hinge coefficient is c = h' M y / h' M h, and the slope after the
    break is b_y - c b_h + c. A hinge that the line already spans (h' M h
    at rounding level) fits no better than the line.
    """
    n = x.size
    sums = _sums(x, y)
    first = MIN_POINTS_PER_SEGMENT - 1
    last = n - 1 - MIN_POINTS_PER_SEGMENT
    x_k = x[first : last + 1]
    after = slice(first + 1, last + 2)
    m = np.arange(n - 1 - first, n - 2 - last, -1, dtype=np.float64)
    suffix_x = sums.suffix_x[after]
    s_h = suffix_x - m * x_k
    s_xh = sums.suffix_xx[after] - x_k * suffix_x
    s_hh = s_xh - x_k * s_h
    s_hy = sums.suffix_xy[after] - x_k * sums.suffix_y[after]

    det = n * sums.s_xx - sums.s_x * sums.s_x
    intercept_y, slope_y = sums.line
    intercept_h = (sums.s_xx * s_h - sums.s_x * s_xh) / det
    slope_h = (n * s_xh - sums.s_x * s_h) / det
    h_m_y = s_hy - intercept_y * s_h - slope_y * s_xh
    h_m_h = s_hh - intercept_h * s_h - slope_h * s_xh

    spans = h_m_h > HINGE_RANK_TOLERANCE * s_hh
    coefficient = np.divide(h_m_y, h_m_h, out=np.zeros_like(h_m_y), where=spans)
    gain = coefficient * h_m_y
    i = int(np.argmax(gain))
    sse_line = sums.line_sse
    sse = max(sse_line - float(gain[i]), 0.0)
    slope_after = slope_y + float(coefficient[i]) * (1.0 - float(slope_h[i]))
    return first + i, sse, slope_after, sse_line


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
        k, sse_best, slope_after, sse_line = _best_breakpoint(x, y)
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
                slope_before = least_squares_slope(before_x, before_y)
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
        slope = least_squares_slope(epochs, val_loss)
        return Divergence(
            epoch=float(epochs[0]),
            confidence=round(1.0 - p_value, 4),
            method="rising_from_start",
            p_value=p_value,
            slope_before=None,
            slope_after=slope,
        )
    return None


def least_squares_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Slope of the least-squares line of y on x, ``numpy.polyfit(x, y, 1)[0]``.

    b = sum (x - mean x)(y - mean y) / sum (x - mean x)^2, with x holding
    at least two distinct values. Centring first keeps the sums exact
    enough at epoch numbers in the thousands.
    """
    dx = x - x.mean()
    return float(dx @ (y - y.mean()) / (dx @ dx))


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
