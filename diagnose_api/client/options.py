"""The stop rule that a callback sends when it creates its run."""

from __future__ import annotations

import math
from typing import Any

MODES = ("auto", "min", "max")


def stop_rule_options(
    *, monitor: str, patience: int, min_delta: float, mode: str
) -> dict[str, Any]:
    """Check the callback's stop-rule arguments and return them as run options.

    Raises
    ------
    ValueError
        If ``monitor`` is empty, ``patience`` is not an integer >= 0,
        ``min_delta`` is not a finite number >= 0, or ``mode`` is unknown.
    """
    if not isinstance(monitor, str) or not monitor:
        raise ValueError(f"monitor must be a non-empty metric name, got {monitor!r}")

    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
        raise ValueError(f"patience must be an integer >= 0, got {patience!r}")

    if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)):
        raise ValueError(f"min_delta must be a number >= 0, got {min_delta!r}")

    if not math.isfinite(min_delta) or min_delta < 0:
        raise ValueError(f"min_delta must be a finite number >= 0, got {min_delta!r}")

    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")

    return {
        "monitor": monitor,
        "patience": patience,
        "min_delta": float(min_delta),
        "mode": mode,
    }
