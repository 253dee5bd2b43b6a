"""Plots of a training history annotated with its diagnosis.

matplotlib is imported inside ``render_history`` only, because importing it
costs 0.5 to 0.8 s and most requests never draw a plot.
"""

from diagnose_api.plots.markers import Marker
from diagnose_api.plots.markers import describe_plot
from diagnose_api.plots.markers import epoch_markers
from diagnose_api.plots.markers import non_finite_marker
from diagnose_api.plots.panels import Panel
from diagnose_api.plots.panels import plan_panels
from diagnose_api.plots.render import DPI
from diagnose_api.plots.render import FORMATS
from diagnose_api.plots.render import PANEL_HEIGHT_PX
from diagnose_api.plots.render import WIDTH_PX
from diagnose_api.plots.render import render_history

__all__ = [
    "DPI",
    "FORMATS",
    "Marker",
    "PANEL_HEIGHT_PX",
    "Panel",
    "WIDTH_PX",
    "describe_plot",
    "epoch_markers",
    "non_finite_marker",
    "plan_panels",
    "render_history",
]
