from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from diagnose_api.analysis.stop_rules import recommend_stop_rule
from diagnose_api.analysis.stop_rules import simulate_keras
from diagnose_api.analysis.stop_rules.improvement import Mode
from diagnose_api.analysis.stop_rules.recommended import MIN_DELTA_NOISE_MULTIPLE

NAN = math.nan
EPOCHS = np.arange(60.0)
# Validation loss that falls to its minimum at position 12, then rises.
U_SHAPE = 0.3 + 0.5 * np.exp(-EPOCHS / 5) + 0.01 * EPOCHS


def noisy_u_shape(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return U_SHAPE + rng.normal(0.0, 0.01, EPOCHS.size)


def test_recommend_u_shape_stops_after_minimum() -> None:
    values = noisy_u_shape(0)

    result = recommend_stop_rule(values, mode="min")

    assert result.reason == "patience_exhausted"
    assert result.stopped_index is not None
    assert result.best_index is not None
    assert result.min_delta is not None
    assert result.stopped_index > int(np.argmin(values))
    assert result.stopped_index < 30
    assert values[result.best_index] - values.min() <= result.min_delta
    assert result.epochs_saved == values.size - 1 - result.stopped_index
    assert result.epochs_saved > 0


def test_recommend_u_shape_max_mode() -> None:
    accuracy = 1.0 - noisy_u_shape(0)

    result = recommend_stop_rule(accuracy, mode="max")

    assert result == recommend_stop_rule(1.0 - accuracy, mode="min")


def test_recommend_monotone_fall_never_stops() -> None:
    rng = np.random.default_rng(1)
    values = 1.0 - 0.01 * EPOCHS + rng.normal(0.0, 0.002, EPOCHS.size)

    result = recommend_stop_rule(values, mode="min")

    assert result.stopped_index is None
    assert result.epochs_saved == 0
    assert result.reason == "not_stopped"
    assert result.patience is not None


def test_recommend_min_delta_from_noise() -> None:
    values = noisy_u_shape(2)

    result = recommend_stop_rule(values, mode="min")

    assert result.min_delta == float(f"{MIN_DELTA_NOISE_MULTIPLE * result.noise:.1e}")
    assert "2.33 x noise scale" in result.message


def test_recommend_constant_series() -> None:
    result = recommend_stop_rule(np.full(6, 0.5), mode="min")

    assert result.noise == 0.0
    assert result.min_delta == 0.0005
    assert result.patience == 1
    assert result.stopped_index == 1
    assert result.best_index == 0
    assert result.epochs_saved == 4


def test_recommend_all_zero_series() -> None:
    result = recommend_stop_rule(np.zeros(5), mode="min")

    assert result.min_delta == 0.0
    assert result.stopped_index == 1


def test_recommend_nan_tail() -> None:
    values = np.concatenate((noisy_u_shape(0)[:30], np.full(10, np.nan)))

    result = recommend_stop_rule(values, mode="min")

    assert result.stopped_index is not None
    assert result.best_index is not None
    assert result.min_delta is not None
    assert result.stopped_index < 30
    assert values[result.best_index] - np.nanmin(values) <= result.min_delta


def test_recommend_missing_positions() -> None:
    values = noisy_u_shape(0)
    missing = np.zeros(values.size, dtype=bool)
    missing[1::2] = True
    sparse = np.where(missing, np.nan, values)

    result = recommend_stop_rule(sparse, mode="min", missing=missing)

    assert result.stopped_index is not None
    assert not missing[result.stopped_index]
    assert result.best_index is not None
    assert not missing[result.best_index]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([], id="empty"),
        pytest.param([1.0, 0.9], id="two-values"),
        pytest.param([1.0, NAN, 0.9, NAN], id="two-finite"),
    ],
)
def test_recommend_insufficient_data(values: list[float]) -> None:
    result = recommend_stop_rule(np.array(values, dtype=float), mode="min")

    assert result.reason == "insufficient_data"
    assert result.min_delta is None
    assert result.patience is None
    assert result.epochs_saved == 0


def test_recommend_no_safe_patience() -> None:
    # A long plateau, then a drop far larger than min_delta: any patience
    # up to 3 stops on the plateau.
    values = np.array([1.0, 1.02, 0.98, 1.03, 0.97, 1.01, 0.99, 0.3, 0.32, 0.28, 0.31])

    result = recommend_stop_rule(values, mode="min", max_patience=3)

    assert result.reason == "no_safe_patience"
    assert result.patience is None
    assert result.min_delta == 0.18


@dataclass(frozen=True)
class KerasReplays:
    """Keras replays of one series with a fixed min_delta, to test patience values."""

    values: np.ndarray
    mode: Mode
    min_delta: float
    overall_best: float
    missing: np.ndarray | None = None

    def stops_on_noise(self, patience: int) -> bool:
        """Return whether a stop restores a value beyond min_delta of the best."""
        replay = simulate_keras(
            self.values,
            mode=self.mode,
            min_delta=self.min_delta,
            patience=patience,
            missing=self.missing,
        )
        if replay.stopped_index is None:
            return False
        if replay.best_value is None:
            return True
        sign = 1.0 if self.mode == "min" else -1.0
        return sign * replay.best_value - self.overall_best > self.min_delta


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("seed", range(10))
def test_recommend_patience_is_smallest_safe(mode: Mode, seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    values = np.round(rng.normal(size=25).cumsum() * 0.3 + np.linspace(2, 0, 25), 2)
    values[rng.random(25) < 0.1] = np.nan
    sign = 1.0 if mode == "min" else -1.0
    overall_best = float(np.nanmin(sign * values))

    result = recommend_stop_rule(values, mode=mode)

    assert result.min_delta is not None
    assert result.patience is not None
    replays = KerasReplays(values, mode, result.min_delta, overall_best)

    assert not replays.stops_on_noise(result.patience)
    assert all(replays.stops_on_noise(p) for p in range(1, result.patience))


def noisy_run_with_gaps(seed: int, size: int = 150) -> tuple[np.ndarray, np.ndarray]:
    """Return a falling, then rising series and its mask of unlogged positions.

    Values are rounded to 3 decimals (so ties occur), with NaN at the start
    and in the middle.
    """
    rng = np.random.default_rng(300 + seed)
    steps = np.arange(size)
    values = 0.5 + np.exp(-steps / 20) + 0.002 * steps + rng.normal(0.0, 0.02, size)
    values = np.round(values, 3)
    values[: seed % 3] = NAN
    values[rng.random(size) < 0.05] = NAN
    missing = rng.random(size) < 0.2
    missing[0] = seed % 2 == 0
    return values, missing


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("seed", range(8))
def test_recommend_smallest_safe_with_gaps(mode: Mode, seed: int) -> None:
    values, missing = noisy_run_with_gaps(seed)
    sign = 1.0 if mode == "min" else -1.0
    values = sign * values
    overall_best = float(np.nanmin(sign * values[~missing]))

    result = recommend_stop_rule(values, mode=mode, missing=missing)

    assert result.min_delta is not None
    assert result.patience is not None
    replays = KerasReplays(values, mode, result.min_delta, overall_best, missing)

    assert not replays.stops_on_noise(result.patience)
    assert all(replays.stops_on_noise(p) for p in range(1, result.patience))


@pytest.mark.parametrize("seed", range(8))
def test_recommend_stop_matches_keras(seed: int) -> None:
    values, missing = noisy_run_with_gaps(seed)

    result = recommend_stop_rule(values, mode="min", missing=missing)
    assert result.min_delta is not None
    assert result.patience is not None
    replay = simulate_keras(
        values,
        mode="min",
        min_delta=result.min_delta,
        patience=result.patience,
        missing=missing,
    )

    assert result.stopped_index == replay.stopped_index
    assert result.best_index == replay.best_index


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "auto"}, r"mode must be 'min' or 'max', got 'auto'"),
        (
            {"mode": "min", "max_patience": 0},
            r"max_patience must be an integer >= 1, got 0",
        ),
        (
            {"mode": "min", "max_patience": 2.0},
            r"max_patience must be an integer >= 1, got 2.0",
        ),
        (
            {"mode": "min", "missing": np.ones(2, dtype=bool)},
            r"missing must have the shape of values \(4,\), got \(2,\)",
        ),
    ],
)
def test_recommend_rejects_parameters(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        recommend_stop_rule(np.array([1.0, 0.9, 0.8, 0.85]), **kwargs)  # type: ignore[arg-type]
