"""Synthetic training histories for the benchmarks, seeded and reproducible."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from diagnose_api.analysis.history import History

SERIES_NAMES = ("loss", "val_loss", "accuracy", "val_accuracy")


def synthetic_history(n_points: int, seed: int = 0) -> dict[str, list[float]]:
    """Generate the four Keras series of a run that overfits.

    With t = i / (n - 1) in [0, 1] and Gaussian noise e of the given scale:

    - loss = 0.05 + 2 exp(-6 t) + e(0.01)
    - val_loss = 0.4 + 1.6 exp(-6 t) + 3 max(0, t - 0.35)^2 + e(0.03),
      a U shape whose minimum lies near t = 0.45
    - accuracy = min(1, 0.99 - 0.89 exp(-6 t) + e(0.005))
    - val_accuracy = min(1, 0.85 - 0.75 exp(-6 t) - 0.5 max(0, t - 0.35)^2
      + e(0.01))

    The noise is drawn from ``numpy.random.default_rng(seed)``, so one seed
    gives the same history on every machine.
    """
    if n_points < 3:
        raise ValueError(f"n_points must be >= 3, got {n_points}")
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n_points)
    decay = np.exp(-6.0 * t)
    late = np.maximum(t - 0.35, 0.0) ** 2

    loss = 0.05 + 2.0 * decay + rng.normal(0.0, 0.01, n_points)
    val_loss = 0.4 + 1.6 * decay + 3.0 * late + rng.normal(0.0, 0.03, n_points)
    accuracy = 0.99 - 0.89 * decay + rng.normal(0.0, 0.005, n_points)
    val_accuracy = 0.85 - 0.75 * decay - 0.5 * late + rng.normal(0.0, 0.01, n_points)
    series = {
        "loss": loss,
        "val_loss": val_loss,
        "accuracy": np.minimum(accuracy, 1.0),
        "val_accuracy": np.minimum(val_accuracy, 1.0),
    }
    return {name: values.tolist() for name, values in series.items()}


def request_body(n_points: int, seed: int = 0) -> bytes:
    """Encode the body of ``POST /v1/diagnoses`` as Python's json module writes it."""
    payload: dict[str, Any] = {"history": synthetic_history(n_points, seed)}
    return json.dumps(payload).encode("utf-8")


def history_of(n_points: int, seed: int = 0) -> History:
    """Build the analysis-layer History of a synthetic run."""
    return History.from_lists(synthetic_history(n_points, seed))
