"""Render a history and its diagnosis as a PNG or SVG image with matplotlib."""

from __future__ import annotations

import io
import threading
from typing import TYPE_CHECKING
from typing import Any

import numpy as np

from diagnose_api.analysis.history import History
from diagnose_api.analysis.history import Series
from diagnose_api.analysis.result import Diagnosis
from diagnose_api.analysis.smoothing import DEFAULT_WEIGHT
from diagnose_api.analysis.smoothing import debiased_ema
from diagnose_api.plots.decimate import minmax_indices
from diagnose_api.plots.markers import Marker
from diagnose_api.plots.markers import epoch_markers
from diagnose_api.plots.markers import non_finite_epochs
from diagnose_api.plots.markers import non_finite_marker
from diagnose_api.plots.panels import Panel
from diagnose_api.plots.panels import plan_panels

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FORMATS = ("png", "svg")
WIDTH_PX = 800
PANEL_HEIGHT_PX = 320
DPI = 100
# Fixed margins in pixels. matplotlib's constrained layout would fit them to
# the tick labels, but it made a two-panel render about 1.5 times as slow.
MARGIN_LEFT_PX = 72
MARGIN_RIGHT_PX = 16
MARGIN_TOP_PX = 26
MARGIN_BOTTOM_PX = 44
PANEL_GAP_PX = 40

# Positions drawn per curve. A longer series is reduced to its bucket
# minima and maxima, so a 100,000-epoch SVG stays small.
MAX_DRAWN_POINTS = 4000
# Non-finite epochs drawn as marks at the bottom of a panel.
MAX_NON_FINITE_MARKS = 500
# Curves with at most this many points also get a dot at each value.
MAX_POINTS_WITH_DOTS = 60
# Labels closer than this fraction of the x range are set side by side,
# this many points apart (an 8-point label is about 10 points high).
LABEL_GROUP_FRACTION = 0.03
LABEL_STEP_PT = 11
# A loss panel whose positive values span more decades than this is log-scaled.
LOG_SCALE_DECADES = 3.0
# Values are drawn clipped to this magnitude, because matplotlib's tick
# locators step past the float maximum (1.8e308) on axes that reach 1e300
# (matplotlib 3.11).
MAX_DRAWN_MAGNITUDE = 1e200

SPLIT_COLORS = {"train": "#1f77b4", "val": "#d62728"}
MARKER_STYLES: dict[str, dict[str, Any]] = {
    "best": {"color": "#2ca02c", "linestyle": "-"},
    "divergence": {"color": "#ff7f0e", "linestyle": "--"},
    "stop": {"color": "#9467bd", "linestyle": "-."},
    "non_finite": {"color": "#000000", "linestyle": ":"},
}
RC_PARAMS: dict[Any, Any] = {
    # Keep SVG labels as <text> so that they stay searchable and selectable.
    "svg.fonttype": "none",
    # Fixed salt: matplotlib otherwise derives SVG element ids from a random one.
    "svg.hashsalt": "diagnose-api",
    "font.size": 9,
}
# No date or software version, so that one input always gives the same bytes.
METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
}

# rcParams are global to the process, so one lock keeps concurrent renders in
# one process (threaded servers, the test client) from seeing each other's.
_RENDER_LOCK = threading.Lock()


def render_history(
    history: History,
    diagnosis: Diagnosis,
    *,
    fmt: str = "png",
    smoothing: float = DEFAULT_WEIGHT,
) -> bytes:
    """Draw the loss and accuracy curves of a run with its diagnosis marked.

    The loss panel, and an accuracy panel below it when accuracy is logged,
    show each series raw (faint) and smoothed with TensorBoard's debiased
    exponential moving average (solid). Vertical lines mark the best epoch,
    the divergence epoch, the recommended stop epoch and the first
    non-finite value. Small crosses at the bottom of a panel mark every
    non-finite value. The x axis is the run's own epoch numbering.

    Parameters
    ----------
    history : History
        The run's series.
    diagnosis : Diagnosis
        ``diagnose(history, options)``.
    fmt : {"png", "svg"}
        Image format. SVG keeps every label as text.
    smoothing : float, default 0.6
        Weight of the moving average, in [0, 1).

    Returns
    -------
    bytes
        The image, ``WIDTH_PX`` wide and ``PANEL_HEIGHT_PX`` high per panel
        (at ``DPI``), byte-identical for identical input.

    Raises
    ------
    ValueError
        If ``fmt`` is not 'png' or 'svg', ``smoothing`` is outside [0, 1),
        or the history has neither a loss nor an accuracy series.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
    panels = plan_panels(history)
    markers = epoch_markers(diagnosis)

    from matplotlib import rc_context
    from matplotlib.figure import Figure

    # np.errstate: switching an axis to log scale autoscales it once, which
    # overflows for values near 1e308 before log_limits sets the limits.
    with _RENDER_LOCK, rc_context(RC_PARAMS), np.errstate(over="ignore"):
        height_px = PANEL_HEIGHT_PX * len(panels)
        figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI)
        axes = figure.subplots(
            len(panels),
            1,
            sharex=True,
            squeeze=False,
            gridspec_kw=margins(len(panels)),
        )[:, 0]
        for index, (ax, panel) in enumerate(zip(axes, panels, strict=True)):
            draw_panel(ax, history, panel, smoothing)
            # The top panel labels every marker. Lower panels repeat the lines
            # and label only their own non-finite values.
            labelled = list(markers) if index == 0 else []
            unlabelled = () if index == 0 else markers
            nan_marker = non_finite_marker(history, panel.names)
            if nan_marker is not None:
                labelled.append(nan_marker)
                draw_non_finite_marks(ax, non_finite_epochs(history, panel.names))
            draw_markers(ax, history, tuple(labelled), unlabelled)
            ax.legend(loc="best", fontsize=8)
        axes[-1].set_xlabel("epoch")
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=DPI, metadata=METADATA[fmt])
    return buffer.getvalue()


def margins(n_panels: int) -> dict[str, float]:
    """Return the subplot parameters that give the fixed pixel margins."""
    height_px = PANEL_HEIGHT_PX * n_panels
    axes_height_px = (
        height_px - MARGIN_TOP_PX - MARGIN_BOTTOM_PX - PANEL_GAP_PX * (n_panels - 1)
    ) / n_panels
    return {
        "left": MARGIN_LEFT_PX / WIDTH_PX,
        "right": 1.0 - MARGIN_RIGHT_PX / WIDTH_PX,
        "top": 1.0 - MARGIN_TOP_PX / height_px,
        "bottom": MARGIN_BOTTOM_PX / height_px,
        "hspace": PANEL_GAP_PX / axes_height_px,
    }


def draw_panel(ax: Axes, history: History, panel: Panel, smoothing: float) -> None:
    """Draw one panel's series, raw and smoothed, with its axis labels."""
    from matplotlib.ticker import MaxNLocator

    for split, name in (("train", panel.train), ("val", panel.val)):
        if name is not None:
            draw_series(
                ax, history, history.series[name], SPLIT_COLORS[split], smoothing
            )

    ax.set_ylabel(panel.kind)
    ax.set_title(
        f"{panel.kind.capitalize()}: faint lines raw, solid lines smoothed "
        f"(weight {smoothing:g})",
        loc="left",
        fontsize=9,
    )
    limits = log_limits(history, panel.names) if panel.kind == "loss" else None
    if limits is not None:
        ax.set_yscale("log")
        ax.set_ylim(*limits)
    if np.all(history.epochs == np.round(history.epochs)):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)


def draw_series(
    ax: Axes, history: History, series: Series, color: str, smoothing: float
) -> None:
    """Draw the logged values of one series and their moving average.

    Epochs without a logged value are skipped, so that a validation series
    logged every k epochs is still one line. A NaN or an infinity breaks
    the line instead.
    """
    logged = ~series.missing
    epochs = history.epochs[logged]
    values = series.values[logged]
    finite = np.isfinite(values)
    raw = np.where(finite, values, np.nan)
    smoothed = np.where(finite, debiased_ema(values, smoothing), np.nan)
    raw = np.clip(raw, -MAX_DRAWN_MAGNITUDE, MAX_DRAWN_MAGNITUDE)
    smoothed = np.clip(smoothed, -MAX_DRAWN_MAGNITUDE, MAX_DRAWN_MAGNITUDE)

    drawn = minmax_indices(raw, MAX_DRAWN_POINTS)
    dots = "o" if drawn.size <= MAX_POINTS_WITH_DOTS else None
    ax.plot(
        epochs[drawn],
        raw[drawn],
        color=color,
        alpha=0.35,
        linewidth=1.0,
        marker=dots,
        markersize=3,
    )
    ax.plot(
        epochs[drawn], smoothed[drawn], color=color, linewidth=1.8, label=series.name
    )


def log_limits(history: History, names: tuple[str, ...]) -> tuple[float, float] | None:
    """Return y limits for a log axis, or None when a linear axis fits.

    A log axis is used when the finite values are all positive and span more
    than ``LOG_SCALE_DECADES`` decades. The limits add 5% of that span in
    log space on each side, within +-``MAX_DRAWN_MAGNITUDE``, because
    matplotlib's own margin overflows for values near 1e308.
    """
    values = np.concatenate(
        [history.series[name].values[history.series[name].observed] for name in names]
    )
    if values.size == 0 or values.min() <= 0:
        return None
    low, high = np.log10(values.min()), np.log10(values.max())
    if high - low <= LOG_SCALE_DECADES:
        return None
    margin = 0.05 * (high - low)
    max_exponent = np.log10(MAX_DRAWN_MAGNITUDE)
    return (
        10.0 ** max(low - margin, -max_exponent),
        10.0 ** min(high + margin, max_exponent),
    )


def draw_non_finite_marks(ax: Axes, epochs: np.ndarray) -> None:
    """Put a cross at the bottom of the panel at each non-finite epoch."""
    if epochs.size > MAX_NON_FINITE_MARKS:
        positions = np.linspace(0, epochs.size - 1, MAX_NON_FINITE_MARKS)
        epochs = epochs[np.unique(positions.round().astype(np.int64))]
    ax.plot(
        epochs,
        np.full(epochs.size, 0.03),
        linestyle="none",
        marker="x",
        markersize=6,
        color=MARKER_STYLES["non_finite"]["color"],
        transform=ax.get_xaxis_transform(),
        label="non-finite value",
    )


def draw_markers(
    ax: Axes,
    history: History,
    labelled: tuple[Marker, ...],
    unlabelled: tuple[Marker, ...],
) -> None:
    """Draw a vertical line per marker and the labels of ``labelled``.

    Each label is its own text, rotated along its line. Labels of markers
    closer than ``LABEL_GROUP_FRACTION`` of the epoch range are set side by
    side, ``LABEL_STEP_PT`` apart, so that they do not overlap.
    """
    for marker in labelled + unlabelled:
        ax.axvline(marker.epoch, linewidth=1.2, alpha=0.9, **MARKER_STYLES[marker.kind])

    first = float(history.epochs[0])
    span = float(history.epochs[-1]) - first or 1.0
    for group in group_close(labelled, first, span):
        on_right = (group[0].epoch - first) / span < 0.85
        direction = 1 if on_right else -1
        for position, marker in enumerate(group):
            ax.annotate(
                marker.label,
                xy=(marker.epoch, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(direction * (3 + position * LABEL_STEP_PT), -4),
                textcoords="offset points",
                rotation=90,
                ha="left" if on_right else "right",
                va="top",
                fontsize=8,
                color=MARKER_STYLES[marker.kind]["color"],
                bbox={
                    "boxstyle": "square,pad=0.15",
                    "facecolor": "white",
                    "alpha": 0.8,
                    "linewidth": 0,
                },
            )


def group_close(
    markers: tuple[Marker, ...], first: float, span: float
) -> list[list[Marker]]:
    """Group markers, in epoch order, whose epochs lie close on the x axis."""
    groups: list[list[Marker]] = []
    for marker in sorted(markers, key=lambda m: m.epoch):
        if (
            groups
            and (marker.epoch - groups[-1][0].epoch) / span < LABEL_GROUP_FRACTION
        ):
            groups[-1].append(marker)
        else:
            groups.append([marker])
    return groups
