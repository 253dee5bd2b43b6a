"""Curve fits that project where a falling loss will level off.

Rule
----
On the loss the checks read (validation, else training), with x the epochs
rescaled to (0, 1] (x = (e - e_0 + d) / (e_n - e_0 + d), d the typical
step), fit two families with ``scipy.optimize.curve_fit``:

    exponential:  y = c + a exp(-b x),    a >= 0, 0 < b <= 50
    power law:    y = c + a x^(-b),       a >= 0, 0 < b <= 5

bounded, with at most ``MAX_FUNCTION_EVALUATIONS`` calls, on at most
``MAX_FIT_POINTS`` block means of the series. The starting point comes from
the data. For fixed b both families are linear in (a, c), so each of 40
values of b is solved in closed form; the best (a, b, c) on that grid is
where ``curve_fit`` starts. Starting there, nearly-linear curves
(a small b with a large a) converge in a few iterations instead of running
to the evaluation limit. Keep the family
with the smaller Akaike criterion n ln(SSE / n) + 2k among fits with
R^2 >= 0.9. The plateau is c, the expected gain from training on is
end_level - c, and more epochs help when that gain exceeds both 3 sigma
and 1% of the end level. A fit that fails, or explains the data poorly,
gives None: a projection is never reported without a fit that holds.

Only a falling loss is projected (Kendall tau < 0 with p < alpha over the
whole series): a validation loss that rises after its minimum, or a flat
or noisy one, has no decay curve to fit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from diagnose_api.analysis.context import ALPHA
from diagnose_api.analysis.context import Context
from diagnose_api.analysis.rise import end_level
from diagnose_api.analysis.spacing import typical_spacing
from diagnose_api.analysis.trends import block_means
from diagnose_api.analysis.trends import kendall

MAX_FIT_POINTS = 500
MAX_FUNCTION_EVALUATIONS = 200
GRID_SIZE = 40
MIN_POINTS = 5
MIN_R_SQUARED = 0.9
MIN_RELATIVE_GAIN = 0.01


@dataclass(frozen=True)
class Projection:
    """Projected course of a loss, from the best-fitting curve family."""

    series: str
    family: str
    plateau: float
    current: float
    expected_gain: float
    value_if_doubled: float
    r_squared: float
    more_epochs_help: bool


def exponential(x: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return c + a * np.exp(-b * x)


def power_law(x: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return c + a * np.power(x, -b)


FAMILIES = {
    "exponential": (exponential, 50.0),
    "power_law": (power_law, 5.0),
}


def grid_start(name: str, x: np.ndarray, y: np.ndarray) -> list[float] | None:
    """Best (a, b, c) over a grid of b, with a and c by linear least squares."""
    function, b_max = FAMILIES[name]
    b_grid = np.geomspace(1e-3, b_max, GRID_SIZE)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        basis = function(x[None, :], 1.0, b_grid[:, None], 0.0)
        centered = basis - basis.mean(axis=1, keepdims=True)
        variance = (centered * centered).sum(axis=1)
        a = (centered @ (y - y.mean())) / variance
        a = np.where(np.isfinite(a) & (a > 0), a, 0.0)
        c = y.mean() - a * basis.mean(axis=1)
        residual = y[None, :] - (c[:, None] + a[:, None] * basis)
        sse = (residual * residual).sum(axis=1)
    sse = np.where(np.isfinite(sse), sse, np.inf)
    best = int(np.argmin(sse))
    if not np.isfinite(sse[best]) or a[best] <= 0:
        return None
    return [float(a[best]), float(b_grid[best]), float(c[best])]


def fit_family(
    name: str, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, float, float] | None:
    """Fit one family; return (parameters, SSE, R^2) or None when it fails.

    ``scipy.optimize`` is imported here, on the first fit: it adds about
    25 MB to a worker, and most diagnoses (every run that stopped
    improving) fit nothing.
    """
    from scipy.optimize import OptimizeWarning
    from scipy.optimize import curve_fit

    function, b_max = FAMILIES[name]
    start = grid_start(name, x, y)
    if start is None:
        return None
    spread = float(np.ptp(y))
    low = float(np.min(y))
    lower_c = min(low - 10 * spread, start[2]) - 1e-12
    upper_c = max(float(np.max(y)), start[2]) + 1e-12
    bounds = ([0.0, 1e-6, lower_c], [np.inf, b_max, upper_c])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                parameters, _ = curve_fit(
                    function,
                    x,
                    y,
                    p0=start,
                    bounds=bounds,
                    maxfev=MAX_FUNCTION_EVALUATIONS,
                )
    except (RuntimeError, ValueError):
        return None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        residual = y - function(x, *parameters)
    sse = float(residual @ residual)
    total = float(((y - y.mean()) ** 2).sum())
    if not np.isfinite(sse) or total == 0:
        return None
    return parameters, sse, 1.0 - sse / total


def project(ctx: Context) -> Projection | None:
    """Project the loss the checks read; None when no fit explains it or it rises."""
    series = ctx.loss
    if series is None:
        return None
    rise = ctx.loss_rise
    if rise is not None and rise.n_after >= 2 and rise.rise > rise.tolerance:
        return None
    epochs, values = ctx.observed(series)
    if values.size < MIN_POINTS or np.ptp(values) == 0:
        return None
    tau, p_value = kendall(epochs, values)
    if not (tau < 0 and p_value < ALPHA):
        return None
    step = typical_spacing(epochs)
    span = float(epochs[-1] - epochs[0]) + step
    x = (epochs - epochs[0] + step) / span
    x_fit, y_fit = block_means(x, values, MAX_FIT_POINTS)

    best: tuple[str, np.ndarray, float] | None = None
    best_aic = np.inf
    n = x_fit.size
    for name in FAMILIES:
        fitted = fit_family(name, x_fit, y_fit)
        if fitted is None:
            continue
        parameters, sse, r_squared = fitted
        if r_squared < MIN_R_SQUARED:
            continue
        aic = n * np.log(max(sse, 1e-300) / n) + 2 * 3
        if aic < best_aic:
            best_aic = aic
            best = (name, parameters, r_squared)
    if best is None:
        return None

    name, parameters, r_squared = best
    function = FAMILIES[name][0]
    plateau = float(parameters[2])
    current = end_level(values)
    gain = current - plateau
    doubled_x = (2 * span) / span
    value_if_doubled = float(function(np.array([doubled_x]), *parameters)[0])
    sigma = ctx.noise(series)
    helps = gain > 3 * sigma and gain > MIN_RELATIVE_GAIN * abs(current)
    return Projection(
        series=series.name,
        family=name,
        plateau=plateau,
        current=current,
        expected_gain=gain,
        value_if_doubled=value_if_doubled,
        r_squared=float(r_squared),
        more_epochs_help=bool(helps),
    )
