"""Reference scenarios from the Keras, Lightning and TensorBoard test suites.

The scenarios live in tests/data/reference/stop_rules.json, restated as
data. Positions there are 0-based, and a ``stopped_epoch`` of 0 means that
training did not stop.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from diagnose_api.analysis.roles import direction_of
from diagnose_api.analysis.smoothing import debiased_ema
from diagnose_api.analysis.stop_rules import improves
from diagnose_api.analysis.stop_rules import simulate_keras
from diagnose_api.analysis.stop_rules import simulate_lightning

REFERENCE_PATH = Path(__file__).parents[1] / "data" / "reference" / "stop_rules.json"
REFERENCE: dict[str, Any] = json.loads(REFERENCE_PATH.read_text())

# Keras arguments that change nothing in a replay: best_index is always
# reported, as restore_best_weights would restore it.
REPLAY_IGNORED = {"restore_best_weights"}


def _scenarios(section: str, key: str) -> list[Any]:
    return [
        pytest.param(scenario, id=scenario["id"])
        for scenario in REFERENCE[section]
        if key in scenario
    ]


def _stopped_index(stopped_epoch: int) -> int | None:
    return None if stopped_epoch == 0 else stopped_epoch


KERAS_REPLAYS = _scenarios("keras", "values")
MODE_AUTO_CASES = [
    pytest.param(case, id=f"{scenario['id']}-{case['monitor']}")
    for scenario in REFERENCE["keras"]
    for case in scenario.get("cases", [])
]
MIN_DELTA_CHECKS = [
    pytest.param(scenario["params"], check, id=f"{check['value']}-vs-{check['best']}")
    for scenario in REFERENCE["keras"]
    for check in scenario.get("checks", [])
]
LIGHTNING_REPLAYS = _scenarios("lightning", "values")
SMOOTHING_EXAMPLES = _scenarios("tensorboard_smoothing", "values")


@pytest.mark.parametrize("scenario", KERAS_REPLAYS)
def test_keras_reference_replay(scenario: dict[str, Any]) -> None:
    params = {k: v for k, v in scenario["params"].items() if k not in REPLAY_IGNORED}
    params.setdefault("mode", "min")

    result = simulate_keras(np.array(scenario["values"], dtype=float), **params)

    assert result.stopped_index == _stopped_index(scenario["expect"]["stopped_epoch"])
    assert result.best_index == scenario["expect"]["best_epoch"]


@pytest.mark.parametrize("case", MODE_AUTO_CASES)
def test_keras_reference_mode_auto(case: dict[str, str]) -> None:
    direction = direction_of(case["monitor"])

    assert direction is not None
    assert direction.value == case["direction"]


@pytest.mark.parametrize(("params", "check"), MIN_DELTA_CHECKS)
def test_keras_reference_min_delta(
    params: dict[str, Any], check: dict[str, Any]
) -> None:
    result = improves(
        check["value"], check["best"], params["mode"], params["min_delta"]
    )

    assert result is check["improves"]


@pytest.mark.parametrize("scenario", LIGHTNING_REPLAYS)
def test_lightning_reference_replay(scenario: dict[str, Any]) -> None:
    values = np.array([float(v) for v in scenario["values"]])

    result = simulate_lightning(values, mode="min", **scenario["params"])

    assert result.stopped_index == _stopped_index(scenario["expect"]["stopped_epoch"])
    assert result.reason == scenario["expect"]["reason"]


@pytest.mark.parametrize("scenario", SMOOTHING_EXAMPLES)
def test_tensorboard_reference_smoothing(scenario: dict[str, Any]) -> None:
    smoothed = debiased_ema(
        np.array(scenario["values"], dtype=float), scenario["weight"]
    )

    np.testing.assert_allclose(
        smoothed, scenario["expect"], rtol=0, atol=scenario["tolerance"]
    )


def test_reference_every_scenario_covered() -> None:
    covered = {
        param.values[0]["id"]
        for param in KERAS_REPLAYS + LIGHTNING_REPLAYS + SMOOTHING_EXAMPLES
    }
    covered |= {
        scenario["id"]
        for scenario in REFERENCE["keras"]
        if "cases" in scenario or "checks" in scenario
    }
    listed = {
        scenario["id"]
        for section, scenarios in REFERENCE.items()
        if not section.startswith("_")
        for scenario in scenarios
    }

    assert covered == listed
