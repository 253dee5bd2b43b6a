"""The image responses of the plot routes, shared by posted and stored histories.

A plot route takes its image format from the ``format`` query parameter,
``png`` (the default) or ``svg``. The ``Accept`` header is not consulted.
"""

from __future__ import annotations

from flask import Response
from flask import request
from marshmallow import ValidationError

from diagnose_api.analysis.history import History
from diagnose_api.analysis.result import Diagnosis
from diagnose_api.plots import render_history

PLOT_MIMETYPES = {"png": "image/png", "svg": "image/svg+xml"}
DEFAULT_PLOT_FORMAT = "png"


def requested_plot_format() -> str:
    """Return the image format that the ``format`` query parameter names.

    Raises
    ------
    marshmallow.ValidationError
        Keyed by ``format``, if the parameter is neither 'png' nor 'svg'.
    """
    fmt = request.args.get("format", DEFAULT_PLOT_FORMAT)
    if fmt not in PLOT_MIMETYPES:
        raise ValidationError(
            {"format": [f"Unsupported format {fmt!r}; use 'png' or 'svg'."]}
        )
    return fmt


def plot_response(
    history: History, diagnosis: Diagnosis, *, fmt: str, smoothing: float
) -> Response:
    """Render the annotated plot of ``history`` as a response in format ``fmt``."""
    image = render_history(history, diagnosis, fmt=fmt, smoothing=smoothing)
    return Response(image, mimetype=PLOT_MIMETYPES[fmt])
