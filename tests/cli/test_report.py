"""Pieces of the terminal report: the text plot and the --fail-on comparison."""

from __future__ import annotations

import math

import pytest

from diagnose_api.cli.levels import reaches
from diagnose_api.cli.plot import Curve
from diagnose_api.cli.plot import plot_curves

FALLING = Curve("loss", "t", [1, 2, 3, 4], [1.0, 0.7, 0.5, 0.4])
U_SHAPE = Curve("val_loss", "v", [1, 2, 3, 4], [1.1, 0.9, 1.0, 1.2])


def grid(lines: list[str]) -> list[str]:
    """The plot rows, without the y labels and the axis below them."""
    return [line.split("|", 1)[1] if "|" in line else "" for line in lines[:-3]]


def test_plot_size_and_labels() -> None:
    lines = plot_curves([FALLING, U_SHAPE], width=20, height=5)

    assert len(lines) == 5 + 3
    assert lines[0].startswith("1.2 |")
    assert lines[4].startswith("0.4 |")
    assert lines[-2].split() == ["1", "4", "epoch"]
    assert lines[-1].split() == ["t", "loss", "v", "val_loss"]


def test_plot_marks_extremes() -> None:
    rows = grid(plot_curves([FALLING, U_SHAPE], width=20, height=5))

    assert rows[0].rstrip().endswith("v")
    assert rows[4].rstrip().endswith("t")


def test_plot_marks_overlap() -> None:
    same = Curve("val_loss", "v", FALLING.epochs, FALLING.values)
    rows = grid(plot_curves([FALLING, same], width=10, height=4))

    assert "*" in "".join(rows)
    assert "t" not in "".join(rows)


def test_plot_skips_non_finite() -> None:
    curve = Curve("loss", "t", [1, 2, 3], [1.0, math.nan, math.inf])
    rows = grid(plot_curves([curve], width=10, height=4))

    assert "".join(rows).count("t") == 1


def test_plot_log_scale_for_explosion() -> None:
    curve = Curve("loss", "t", [1, 2, 3, 4], [1.0, 0.5, 0.4, 1e6])
    lines = plot_curves([curve], width=10, height=6)

    marks = [row.count("t") for row in grid(lines)]

    assert "(log scale)" in lines[-1]
    assert marks[0] == 1
    assert sum(marks[3:]) == 3


def test_plot_empty_without_finite_values() -> None:
    curve = Curve("loss", "t", [1, 2], [math.nan, math.nan])
    assert plot_curves([curve]) == []


def test_plot_many_points_one_mark_per_column() -> None:
    epochs = [index / 1000 for index in range(100_000)]
    values = [1.0 / (1.0 + epoch) for epoch in epochs]
    rows = grid(plot_curves([Curve("loss", "t", epochs, values)], width=40, height=8))

    assert sum(row.count("t") for row in rows) == 40


BAD_PLOTS = [
    ({"width": 1}, r"width must be >= 2, got 1"),
    ({"height": 0}, r"height must be >= 2, got 0"),
]


@pytest.mark.parametrize(("kwargs", "pattern"), BAD_PLOTS)
def test_plot_rejects_bad_size(kwargs: dict[str, int], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        plot_curves([FALLING], **kwargs)


def test_curve_rejects_long_marker() -> None:
    with pytest.raises(ValueError, match=r"marker must be one character, got 'tt'"):
        Curve("loss", "tt", [1], [1.0])


LEVELS = [
    ("severe", "none", False),
    ("none", "low", False),
    ("low", "low", True),
    ("moderate", "high", False),
    ("severe", "high", True),
    ("severe", "severe", True),
]


@pytest.mark.parametrize(("level", "fail_on", "expected"), LEVELS)
def test_reaches(level: str, fail_on: str, expected: bool) -> None:
    assert reaches(level, fail_on) is expected


def test_reaches_rejects_unknown_level() -> None:
    with pytest.raises(ValueError, match=r"fail_on must be one of none, low"):
        reaches("low", "extreme")
