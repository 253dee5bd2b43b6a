"""The epochs a history plot marks, and their text labels.

A plot marks the best epoch of the monitored series, the divergence epoch,
the epoch at which the recommended stop rule would have stopped, and the
first non-finite value of each panel's series. Labels quote the epoch in
the run's own numbering (``best epoch 3``), so that a reader of the SVG
text, or a test, can find them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from diagnose_api.analysis.history import History
from diagnose_api.analysis.result import Diagnosis


@dataclass(frozen=True)
class Marker:
    """A vertical line at one epoch with its label.

    Attributes
    ----------
    kind : str
        ``"best"``, ``"divergence"``, ``"stop"`` or ``"non_finite"``.
    epoch : float
        Epoch in the run's own numbering.
    label : str
        Text drawn beside the line.
    """

    kind: str
    epoch: float
    label: str


def epoch_markers(diagnosis: Diagnosis) -> tuple[Marker, ...]:
    """List the best, divergence and recommended stop epochs that are known.

    A marker whose epoch the diagnosis leaves as None (no divergence, no
    stop under the recommended rule) is left out.
    """
    markers = []
    if diagnosis.best_epoch is not None:
        epoch = diagnosis.best_epoch
        markers.append(Marker("best", epoch, f"best epoch {epoch:g}"))
    if diagnosis.divergence is not None:
        epoch = diagnosis.divergence.epoch
        markers.append(Marker("divergence", epoch, f"divergence epoch {epoch:g}"))
    recommended = diagnosis.early_stopping.get("recommended") or {}
    stopped_epoch = recommended.get("stopped_epoch")
    if stopped_epoch is not None:
        markers.append(
            Marker("stop", stopped_epoch, f"recommended stop epoch {stopped_epoch:g}")
        )
    return tuple(markers)


def non_finite_epochs(history: History, names: tuple[str, ...]) -> np.ndarray:
    """Return the sorted epochs at which any of the named series is NaN or +-inf.

    Values that were not logged (null) are missing, not non-finite.
    """
    mask = np.zeros(history.n_epochs, dtype=bool)
    for name in names:
        mask |= history.series[name].non_finite
    return history.epochs[mask]


def non_finite_marker(history: History, names: tuple[str, ...]) -> Marker | None:
    """Mark the first epoch at which any of the named series is non-finite.

    The label is ``non-finite epoch e`` for a single such epoch and
    ``non-finite from epoch e (n epochs)`` for n > 1; None when every value
    is finite or missing.
    """
    epochs = non_finite_epochs(history, names)
    if epochs.size == 0:
        return None
    first = float(epochs[0])
    if epochs.size == 1:
        label = f"non-finite epoch {first:g}"
    else:
        label = f"non-finite from epoch {first:g} ({epochs.size} epochs)"
    return Marker("non_finite", first, label)


def describe_plot(panel_kinds: tuple[str, ...], markers: tuple[Marker, ...]) -> str:
    """Write the text alternative of a plot: its panels and every marked epoch."""
    kinds = " and ".join(panel_kinds)
    text = f"Training and validation {kinds} by epoch"
    if not markers:
        return text + "."
    labels = "; ".join(marker.label for marker in markers)
    return f"{text}; marked: {labels}."
