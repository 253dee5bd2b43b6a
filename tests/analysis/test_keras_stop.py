from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from diagnose_api.analysis.stop_rules import simulate_keras

NAN = math.nan
INF = math.inf


def reference_keras(
    values: list[float],
    missing: list[bool],
    *,
    mode: str,
    min_delta: float = 0.0,
    patience: int = 0,
    baseline: float | None = None,
    start_from_epoch: int = 0,
) -> tuple[int | None, int | None, int]:
    """Keras 3 EarlyStopping run one epoch at a time.

    Returns (stopped position, best position, wait).
    """
    sign = 1.0 if mode == "min" else -1.0

    def beats(value: float, reference: float | None) -> bool:
        if math.isnan(value):
            return False
        return reference is None or sign * value + min_delta < sign * reference

    best = None
    best_index = None
    wait = 0
    for position, (value, absent) in enumerate(zip(values, missing)):
        if absent or position < start_from_epoch:
            continue
        wait += 1
        if beats(value, best):
            best = value
            best_index = position
            if baseline is None or beats(value, baseline):
                wait = 0
            continue
        if wait >= patience and position > 0:
            return position, best_index, wait
    return None, best_index, wait


@pytest.mark.parametrize(
    ("values", "params", "stopped_index", "best_index"),
    [
        pytest.param(
            [1.0, 0.95, 0.9, 0.85],
            {"min_delta": 0.1, "patience": 1},
            1,
            0,
            id="min-delta-blocks",
        ),
        pytest.param(
            [1.0, 0.95, 0.9, 0.85],
            {"min_delta": 0.1, "patience": 3},
            None,
            3,
            id="slow-fall-improves",
        ),
        pytest.param(
            [0.5, 0.6, 0.55, 0.58], {"mode": "max", "patience": 1}, 2, 1, id="max-mode"
        ),
        pytest.param(
            [5.0, 4.0, 3.0, 3.5, 3.6],
            {"patience": 1, "start_from_epoch": 2},
            3,
            2,
            id="start-from-2",
        ),
        pytest.param(
            [5.0, 4.0, 3.0, 3.5, 3.6],
            {"patience": 1, "start_from_epoch": 3},
            4,
            3,
            id="start-from-3",
        ),
        pytest.param([NAN, 1.0, 0.9], {"patience": 0}, None, 2, id="nan-at-position-0"),
        pytest.param([NAN, NAN, 1.0], {"patience": 1}, 1, None, id="nan-head-stops"),
        pytest.param([1.0, 0.9, NAN, NAN, NAN], {"patience": 3}, 4, 1, id="nan-tail"),
        pytest.param([INF, 2.0, 1.0], {"patience": 0}, None, 2, id="inf-first"),
        pytest.param(
            [0.9, 0.8, 0.4, 0.45, 0.5],
            {"patience": 2, "baseline": 0.5},
            4,
            2,
            id="baseline-beaten",
        ),
        pytest.param(
            [0.9, 0.8, 0.7],
            {"patience": 1, "baseline": 0.5},
            None,
            2,
            id="baseline-improving",
        ),
        pytest.param(
            [0.9, 0.8, 0.7, 0.75],
            {"mode": "max", "patience": 0, "baseline": 0.95},
            1,
            0,
            id="max-baseline",
        ),
    ],
)
def test_simulate_keras_table(
    values: list[float],
    params: dict[str, Any],
    stopped_index: int | None,
    best_index: int | None,
) -> None:
    result = simulate_keras(np.array(values), **{"mode": "min", **params})

    assert result.stopped_index == stopped_index
    assert result.best_index == best_index


@pytest.mark.parametrize(
    ("missing", "stopped_index", "best_index"),
    [
        pytest.param([False, True, False, False, False], 3, 2, id="masked-skipped"),
        pytest.param([False, False, False, False, False], 1, 0, id="nan-counted"),
    ],
)
def test_simulate_keras_missing(
    missing: list[bool], stopped_index: int, best_index: int
) -> None:
    values = np.array([1.0, NAN, 0.9, 0.95, 0.96])

    result = simulate_keras(values, mode="min", patience=1, missing=np.array(missing))

    assert result.stopped_index == stopped_index
    assert result.best_index == best_index


def test_simulate_keras_stop_fields() -> None:
    result = simulate_keras(
        np.array([0.9, 0.8, 0.7, 0.71, 0.72]), mode="min", patience=2
    )

    assert result.stopped_index == 4
    assert result.best_value == 0.7
    assert result.wait == 2
    assert result.reason == "patience_exhausted"
    assert result.message == (
        "Stopped at position 4: wait 2 >= patience 2, value 0.72 does not "
        "improve by more than min_delta 0 on best 0.7 at position 2."
    )


def test_simulate_keras_not_stopped_fields() -> None:
    result = simulate_keras(np.array([3.0, 2.0, 2.5]), mode="min", patience=2)

    assert result.stopped_index is None
    assert result.best_index == 1
    assert result.best_value == 2.0
    assert result.wait == 1
    assert result.reason == "not_stopped"
    assert "final wait 1 with patience 2" in result.message


def test_simulate_keras_baseline_message() -> None:
    values = np.array([0.9, 0.8, 0.7, 0.71, 0.72, 0.73])

    result = simulate_keras(values, mode="min", patience=5, baseline=0.5)

    assert result.message.endswith("and no value improved on baseline 0.5.")


@pytest.mark.parametrize(
    ("values", "params"),
    [
        pytest.param([1.0, 2.0], {"missing": np.array([True, True])}, id="all-missing"),
        pytest.param([1.0, 2.0], {"start_from_epoch": 2}, id="start-after-end"),
        pytest.param([], {}, id="empty"),
    ],
)
def test_simulate_keras_no_monitored_values(
    values: list[float], params: dict[str, Any]
) -> None:
    result = simulate_keras(np.array(values), mode="min", **params)

    assert result.stopped_index is None
    assert result.best_index is None
    assert result.reason == "no_monitored_values"


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"mode": "min", "patience": 0}, id="patience-0"),
        pytest.param({"mode": "min", "patience": 3}, id="patience-3"),
        pytest.param(
            {"mode": "max", "patience": 2, "min_delta": 0.3}, id="max-min-delta"
        ),
        pytest.param({"mode": "min", "patience": 2, "baseline": -1.0}, id="baseline"),
        pytest.param(
            {"mode": "min", "patience": 1, "start_from_epoch": 4}, id="start-from"
        ),
    ],
)
@pytest.mark.parametrize("seed", range(6))
def test_simulate_keras_matches_loop(params: dict[str, Any], seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(size=40).cumsum() * 0.3, 1)
    values[rng.random(40) < 0.1] = np.nan
    missing = rng.random(40) < 0.1

    result = simulate_keras(values, missing=missing, **params)

    expected = reference_keras(values.tolist(), missing.tolist(), **params)
    assert (result.stopped_index, result.best_index, result.wait) == expected


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"mode": "auto"}, r"mode must be 'min' or 'max', got 'auto'"),
        (
            {"mode": "min", "min_delta": -0.01},
            r"min_delta must be a finite number >= 0, got -0.01",
        ),
        ({"mode": "min", "patience": -1}, r"patience must be an integer >= 0, got -1"),
        (
            {"mode": "min", "patience": 1.5},
            r"patience must be an integer >= 0, got 1.5",
        ),
        (
            {"mode": "min", "patience": True},
            r"patience must be an integer >= 0, got True",
        ),
        (
            {"mode": "min", "start_from_epoch": -2},
            r"start_from_epoch must be an integer >= 0, got -2",
        ),
        (
            {"mode": "min", "baseline": NAN},
            r"baseline must be a number or None, got nan",
        ),
        (
            {"mode": "min", "missing": np.array([True])},
            r"missing must have the shape of values \(3,\), got \(1,\)",
        ),
    ],
)
def test_simulate_keras_rejects_parameters(params: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        simulate_keras(np.array([1.0, 2.0, 3.0]), **params)
