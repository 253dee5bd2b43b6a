"""Shared pieces of the finding detectors.

A detector is a function ``detect(ctx) -> Finding | SkippedCheck | None``:
a Finding when the phenomenon is present, a SkippedCheck when the history
lacks what the check needs, and None when the check ran and found nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.result import SkippedCheck

Outcome = Finding | SkippedCheck | None
Detector = Callable[[Context], Outcome]

# Tolerances in units of a series' noise level (see noise.noise_scale).
NOISE_MULTIPLE = 3.0
STRONG_NOISE_MULTIPLE = 6.0


def fmt(value: float) -> str:
    """Format a number for a message: four significant digits."""
    return f"{value:.4g}"


def severity_at_least(value: float, thresholds: tuple[float, float, float]) -> Severity:
    """Map a value to LOW, MEDIUM, HIGH or CRITICAL by three rising thresholds."""
    medium, high, critical = thresholds
    if value >= critical:
        return Severity.CRITICAL
    if value >= high:
        return Severity.HIGH
    if value >= medium:
        return Severity.MEDIUM
    return Severity.LOW


def rounded(value: float | None, digits: int = 6) -> float | None:
    """Round evidence numbers for the response; None stays None, NaN becomes None."""
    if value is None or not np.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")
