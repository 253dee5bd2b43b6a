"""A small text plot of loss curves, for terminal reports.

Each series is drawn with its own marker on a grid of ``height`` rows and
``width`` columns. A column shows the mean of the series' finite values
whose epochs fall in it; a cell where two series meet shows ``*``. The
y axis is logarithmic when every value is positive and the largest is more
than ``LOG_SCALE_RATIO`` times the smallest, so an exploding loss does not
flatten the rest of the curve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

LOG_SCALE_RATIO = 100.0
OVERLAP = "*"


@dataclass(frozen=True)
class Curve:
    """One series to draw: its legend label, marker character and points."""

    label: str
    marker: str
    epochs: Sequence[float]
    values: Sequence[float]

    def __post_init__(self) -> None:
        if len(self.marker) != 1:
            raise ValueError(f"marker must be one character, got {self.marker!r}")
        if len(self.epochs) != len(self.values):
            raise ValueError(
                f"epochs and values must have equal lengths, got "
                f"{len(self.epochs)} and {len(self.values)}"
            )


def plot_curves(
    curves: Sequence[Curve], *, width: int = 60, height: int = 8
) -> list[str]:
    """Draw ``curves`` as text lines; an empty list when no value is finite.

    Raises
    ------
    ValueError
        If ``width`` < 2 or ``height`` < 2.
    """
    if width < 2:
        raise ValueError(f"width must be >= 2, got {width}")
    if height < 2:
        raise ValueError(f"height must be >= 2, got {height}")
    points = [
        [(x, y) for x, y in zip(c.epochs, c.values) if _finite(x) and _finite(y)]
        for c in curves
    ]
    all_points = [point for series in points for point in series]
    if not all_points:
        return []
    x_low = min(x for x, _ in all_points)
    x_high = max(x for x, _ in all_points)
    y_values = [y for _, y in all_points]
    log_scale = min(y_values) > 0 and max(y_values) > LOG_SCALE_RATIO * min(y_values)
    scale = math.log10 if log_scale else _identity
    y_low = scale(min(y_values))
    y_high = scale(max(y_values))

    grid = [[" "] * width for _ in range(height)]
    for curve, series in zip(curves, points):
        for column, mean in _column_means(series, x_low, x_high, width).items():
            row = _row(scale(mean), y_low, y_high, height)
            cell = grid[row][column]
            grid[row][column] = curve.marker if cell in (" ", curve.marker) else OVERLAP

    top = f"{max(y_values):.4g}"
    bottom = f"{min(y_values):.4g}"
    label_width = max(len(top), len(bottom))
    lines = []
    for index, cells in enumerate(grid):
        label = ""
        if index == 0:
            label = top
        elif index == height - 1:
            label = bottom
        lines.append(f"{label:>{label_width}} |{''.join(cells)}".rstrip())
    first = f"{x_low:g}"
    last = f"{x_high:g}"
    axis = first + " " * max(width - len(first) - len(last), 1) + last
    lines.append(" " * label_width + " +" + "-" * width)
    lines.append(" " * (label_width + 2) + axis + "  epoch")
    legend = "   ".join(f"{curve.marker} {curve.label}" for curve in curves)
    if log_scale:
        legend += "   (log scale)"
    lines.append(" " * (label_width + 2) + legend)
    return lines


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _identity(value: float) -> float:
    return value


def _column_means(
    series: list[tuple[float, float]], x_low: float, x_high: float, width: int
) -> dict[int, float]:
    """Mean value of the points in each column, keyed by column."""
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    span = x_high - x_low
    for x, y in series:
        column = 0 if span == 0 else round((x - x_low) / span * (width - 1))
        sums[column] = sums.get(column, 0.0) + y
        counts[column] = counts.get(column, 0) + 1
    return {column: sums[column] / counts[column] for column in sums}


def _row(value: float, low: float, high: float, height: int) -> int:
    """Row of ``value``: 0 at the top (``high``), ``height - 1`` at the bottom."""
    if high == low:
        return height // 2
    return round((high - value) / (high - low) * (height - 1))
