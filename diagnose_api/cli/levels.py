"""Risk levels in increasing order, and the ``--fail-on`` comparison."""

from __future__ import annotations

# The levels of diagnose_api.analysis.risk, lowest first.
RISK_LEVELS = ("none", "low", "moderate", "high", "severe")


def reaches(level: str, fail_on: str) -> bool:
    """Return whether risk ``level`` is at or above ``fail_on``; never for "none".

    Raises
    ------
    ValueError
        If either argument is not one of ``RISK_LEVELS``.
    """
    for name, value in (("level", level), ("fail_on", fail_on)):
        if value not in RISK_LEVELS:
            raise ValueError(
                f"{name} must be one of {', '.join(RISK_LEVELS)}, got {value!r}"
            )
    if fail_on == "none":
        return False
    return RISK_LEVELS.index(level) >= RISK_LEVELS.index(fail_on)
