from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from diagnose_api.analysis.stop_rules import simulate_lightning

NAN = math.nan
INF = math.inf


def reference_lightning(
    values: list[float],
    missing: list[bool],
    *,
    mode: str,
    min_delta: float = 0.0,
    patience: int = 3,
    stopping_threshold: float | None = None,
    divergence_threshold: float | None = None,
    check_finite: bool = True,
) -> tuple[int | None, int | None, str]:
    """Lightning EarlyStopping run one check at a time.

    Returns (stopped position, best position, reason).
    """
    sign = 1.0 if mode == "min" else -1.0
    best = INF
    best_index = None
    wait = 0
    for position, (value, absent) in enumerate(zip(values, missing)):
        if absent:
            continue
        oriented = sign * value
        if check_finite and not math.isfinite(value):
            return position, best_index, "non_finite_metric"
        if stopping_threshold is not None and oriented < sign * stopping_threshold:
            return position, best_index, "stopping_threshold"
        if divergence_threshold is not None and oriented > sign * divergence_threshold:
            return position, best_index, "divergence_threshold"
        if oriented + min_delta < best:
            best = oriented
            best_index = position
            wait = 0
            continue
        wait += 1
        if wait >= patience:
            return position, best_index, "patience_exhausted"
    return None, best_index, "not_stopped"


@pytest.mark.parametrize(
    ("values", "params", "stopped_index", "reason"),
    [
        pytest.param(
            [3.0, 2.0, 2.0], {"patience": 0}, 2, "patience_exhausted", id="patience-0"
        ),
        pytest.param(
            [1.0, 0.95, 0.85],
            {"patience": 1, "min_delta": 0.1},
            1,
            "patience_exhausted",
            id="min-delta",
        ),
        pytest.param(
            [0.5, 0.7, 0.8, 0.96],
            {"mode": "max", "stopping_threshold": 0.95},
            3,
            "stopping_threshold",
            id="max-stopping",
        ),
        pytest.param(
            [0.5, 0.7, 0.2],
            {"mode": "max", "divergence_threshold": 0.3},
            2,
            "divergence_threshold",
            id="max-divergence",
        ),
        pytest.param(
            [5.0, 6.0, 20.0],
            {"patience": 2, "divergence_threshold": 10.0},
            2,
            "divergence_threshold",
            id="divergence-before-patience",
        ),
        pytest.param(
            [5.0, -INF],
            {"stopping_threshold": 1.0},
            1,
            "non_finite_metric",
            id="non-finite-before-threshold",
        ),
        pytest.param(
            [5.0, 1.0],
            {"stopping_threshold": 1.0},
            None,
            "not_stopped",
            id="threshold-strict",
        ),
        pytest.param(
            [3.0, NAN, NAN, 2.0],
            {"patience": 2, "check_finite": False},
            2,
            "patience_exhausted",
            id="nan-counted",
        ),
        pytest.param(
            [NAN, INF, 3.0],
            {"patience": 2, "check_finite": False},
            1,
            "patience_exhausted",
            id="no-best-yet",
        ),
        pytest.param([], {}, None, "not_stopped", id="empty"),
    ],
)
def test_simulate_lightning_table(
    values: list[float],
    params: dict[str, Any],
    stopped_index: int | None,
    reason: str,
) -> None:
    result = simulate_lightning(np.array(values), **{"mode": "min", **params})

    assert result.stopped_index == stopped_index
    assert result.reason == reason


def test_simulate_lightning_missing_skipped() -> None:
    values = np.array([3.0, NAN, 2.0, 2.5])
    missing = np.array([False, True, False, False])

    result = simulate_lightning(values, mode="min", patience=1, missing=missing)

    assert result.stopped_index == 3
    assert result.best_index == 2
    assert result.reason == "patience_exhausted"


@pytest.mark.parametrize(
    ("values", "params", "best_index", "wait", "message"),
    [
        pytest.param(
            [9.0, 8.0, 8.5, 2.0],
            {"stopping_threshold": 2.9},
            1,
            1,
            "Stopped at position 3: value 2 < stopping_threshold 2.9.",
            id="stopping-threshold",
        ),
        pytest.param(
            [9.0, 4.0, 16.0],
            {"divergence_threshold": 15.9},
            1,
            0,
            "Stopped at position 2: value 16 > divergence_threshold 15.9.",
            id="divergence-threshold",
        ),
        pytest.param(
            [4.0, 3.0, NAN],
            {},
            1,
            0,
            "Stopped at position 2: value nan is not finite, best score 3 at position 1.",
            id="non-finite",
        ),
        pytest.param(
            [4.0, 5.0, 5.0],
            {"patience": 2},
            0,
            2,
            "Stopped at position 2: wait 2 >= patience 2, value 5 does not improve "
            "by more than min_delta 0 on best score 4 at position 0.",
            id="patience",
        ),
    ],
)
def test_simulate_lightning_stop_fields(
    values: list[float],
    params: dict[str, Any],
    best_index: int,
    wait: int,
    message: str,
) -> None:
    result = simulate_lightning(np.array(values), mode="min", **params)

    assert result.best_index == best_index
    assert result.best_value == values[best_index]
    assert result.wait == wait
    assert result.message == message


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"mode": "min", "patience": 0}, id="patience-0"),
        pytest.param({"mode": "min", "patience": 3}, id="patience-3"),
        pytest.param(
            {"mode": "max", "patience": 2, "min_delta": 0.3}, id="max-min-delta"
        ),
        pytest.param(
            {"mode": "min", "patience": 4, "stopping_threshold": -1.0}, id="stopping"
        ),
        pytest.param(
            {"mode": "max", "patience": 4, "divergence_threshold": -1.0},
            id="divergence",
        ),
        pytest.param(
            {"mode": "min", "patience": 2, "check_finite": False}, id="nan-counted"
        ),
    ],
)
@pytest.mark.parametrize("seed", range(6))
def test_simulate_lightning_matches_loop(params: dict[str, Any], seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    values = np.round(rng.normal(size=40).cumsum() * 0.3, 1)
    values[rng.random(40) < 0.05] = np.nan
    missing = rng.random(40) < 0.1

    result = simulate_lightning(values, missing=missing, **params)

    expected = reference_lightning(values.tolist(), missing.tolist(), **params)
    assert (result.stopped_index, result.best_index, result.reason) == expected


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"mode": "auto"}, r"mode must be 'min' or 'max', got 'auto'"),
        (
            {"mode": "max", "min_delta": -1.0},
            r"min_delta must be a finite number >= 0, got -1.0",
        ),
        ({"mode": "min", "patience": -3}, r"patience must be an integer >= 0, got -3"),
        (
            {"mode": "min", "stopping_threshold": NAN},
            r"stopping_threshold must be a number or None, got nan",
        ),
        (
            {"mode": "min", "divergence_threshold": NAN},
            r"divergence_threshold must be a number or None, got nan",
        ),
        (
            {"mode": "min", "missing": np.zeros((2, 2), dtype=bool)},
            r"missing must have the shape of values \(2,\), got \(2, 2\)",
        ),
    ],
)
def test_simulate_lightning_rejects_parameters(
    params: dict[str, Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        simulate_lightning(np.array([1.0, 2.0]), **params)
