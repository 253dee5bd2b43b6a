"""Whole diagnoses through the fast paths equal those through the library functions.

Each fast path (fast_stats, the direct Theil-Sen slope) is swapped back for
the numpy or scipy function that it replaces, and the full JSON responses
of the same histories must be identical.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from scipy import stats

from diagnose_api.analysis import divergence
from diagnose_api.analysis import trends
from diagnose_api.analysis.findings import accuracy_constant
from diagnose_api.analysis.findings import chance_level
from diagnose_api.analysis.findings import loss_spike
from histories import post_json
from histories import request_body

STORED_HISTORIES = [
    "01_se485194_classic-overfit-val-acc-peak",
    "05_relernn26_loss-nan-at-epoch-309",
    "generated_digits_mlp_overfit",
]


def numpy_median(values: np.ndarray, overwrite_input: bool = False) -> float:
    return float(np.median(values))


def scipy_mad(values: np.ndarray) -> float:
    return float(stats.median_abs_deviation(values, scale="normal"))


def library_median_and_mad(
    values: np.ndarray, overwrite_input: bool = False
) -> tuple[float, float]:
    return numpy_median(values), scipy_mad(values)


def scipy_theil_sen(x: np.ndarray, y: np.ndarray) -> float:
    if x.size > trends.MAX_THEIL_SEN_POINTS:
        index = trends.evenly_spaced(x.size, trends.MAX_THEIL_SEN_POINTS)
        x = x[index]
        y = y[index]
    return float(stats.theilslopes(y, x).slope)


def scipy_f_survival(value: float, dfn: float, dfd: float) -> float:
    return float(stats.f.sf(value, dfn, dfd))


def use_library_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace every fast path by the public numpy or scipy function."""
    for module in (
        "diagnose_api.analysis.context",
        "diagnose_api.analysis.rise",
        "diagnose_api.analysis.spacing",
        "diagnose_api.analysis.trends",
        "diagnose_api.analysis.findings.plateau",
    ):
        monkeypatch.setattr(f"{module}.median", numpy_median)
    monkeypatch.setattr(chance_level, "median", numpy_median)
    monkeypatch.setattr(accuracy_constant, "median", numpy_median)
    monkeypatch.setattr(loss_spike, "median_and_mad", library_median_and_mad)
    monkeypatch.setattr("diagnose_api.analysis.noise.median_abs_deviation", scipy_mad)
    monkeypatch.setattr(
        "diagnose_api.analysis.noise.median_and_mad", library_median_and_mad
    )
    monkeypatch.setattr(trends, "kendalltau", stats.kendalltau)
    monkeypatch.setattr(trends, "theil_sen_slope", scipy_theil_sen)
    monkeypatch.setattr(divergence, "f_survival", scipy_f_survival)


def sparse_synthetic_body(n_points: int, seed: int) -> dict[str, Any]:
    """A U-shaped run whose validation is logged every third epoch."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n_points)
    loss = 0.05 + 2.0 * np.exp(-6.0 * t) + rng.normal(0.0, 0.01, n_points)
    val = 0.4 + 1.6 * np.exp(-6.0 * t) + 3.0 * np.maximum(t - 0.35, 0.0) ** 2
    val = val + rng.normal(0.0, 0.03, n_points)
    val_loss = [float(v) if i % 3 == 2 else None for i, v in enumerate(val)]
    return {"history": {"loss": loss.tolist(), "val_loss": val_loss}}


def bodies() -> list[tuple[str, dict[str, Any]]]:
    cases = [(name, request_body(name)) for name in STORED_HISTORIES]
    cases.append(("sparse_synthetic_3000", sparse_synthetic_body(3000, seed=5)))
    return cases


@pytest.mark.parametrize(("name", "body"), bodies(), ids=[n for n, _ in bodies()])
def test_diagnosis_equals_library_reference(
    name: str,
    body: dict[str, Any],
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = post_json(client, "/v1/diagnoses", body)
    assert fast.status_code == 200, fast.get_json()

    use_library_functions(monkeypatch)
    reference = post_json(client, "/v1/diagnoses", body)
    assert reference.status_code == 200, reference.get_json()

    assert json.dumps(fast.get_json(), sort_keys=True) == json.dumps(
        reference.get_json(), sort_keys=True
    )
