"""scipy.stats functions called without their axis and NaN-policy wrapper.

Since scipy 1.11, the public ``kendalltau`` and ``median_abs_deviation``
are wrapped by a decorator that handles ``axis``,
``nan_policy``, masked arrays and broadcasting. On a 1-D array of a few
hundred values the wrapper costs more than the statistic: 0.46 ms of a
0.75 ms ``kendalltau`` call on 70 points (scipy 1.17, numpy 2.4, the
2-core machine of ``make bench``). A diagnosis makes about twenty such
calls. The analyzers pass only 1-D float64 arrays of finite values, and on
those the undecorated function returns the same numbers, so these names
call it directly. ``__wrapped__`` is the attribute that ``functools.wraps``
sets. On a scipy release without the wrapper, the public function is used
as it is.

The survival function of the F distribution is ``scipy.special.fdtrc``,
which ``scipy.stats.f.sf`` calls after its own argument checks.
"""

from __future__ import annotations

from scipy import stats
from scipy.special import fdtrc

__all__ = ["f_survival", "kendalltau", "median_abs_deviation"]

kendalltau = getattr(stats.kendalltau, "__wrapped__", stats.kendalltau)
median_abs_deviation = getattr(
    stats.median_abs_deviation, "__wrapped__", stats.median_abs_deviation
)


def f_survival(value: float, dfn: float, dfd: float) -> float:
    """P(F > value) for the F distribution with ``dfn`` and ``dfd`` degrees of freedom.

    Equal to ``scipy.stats.f.sf(value, dfn, dfd)`` for ``value >= 0`` and
    positive degrees of freedom.
    """
    return float(fdtrc(dfn, dfd, value))
