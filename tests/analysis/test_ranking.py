"""Ranking the runs of a sweep by their best monitored value."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.history import History
from diagnose_api.analysis.ranking import rank_runs
from diagnose_api.analysis.result import Diagnosis

ROLES = {"train_loss": "loss", "val_loss": "val_loss"}


@pytest.fixture(scope="module")
def base() -> Diagnosis:
    history = History.from_lists(
        {"loss": [1.0, 0.8, 0.7, 0.6], "val_loss": [1.1, 0.9, 0.85, 0.8]}
    )
    return diagnose(history)


def run(
    base: Diagnosis, value: float | None, monitor: str = "val_loss", mode: str = "min"
) -> Diagnosis:
    return replace(base, best_value=value, monitor=monitor, mode=mode, roles=ROLES)


RANKINGS = [
    # (id, [(name, best value, monitor, mode)], monitor chosen, expected order)
    (
        "lowest first",
        [
            ("a", 0.5, "val_loss", "min"),
            ("b", 0.3, "val_loss", "min"),
            ("c", 0.4, "val_loss", "min"),
        ],
        False,
        ["b", "c", "a"],
    ),
    (
        "highest first for max",
        [
            ("a", 0.5, "val_acc", "max"),
            ("b", 0.9, "val_acc", "max"),
            ("c", 0.7, "val_acc", "max"),
        ],
        True,
        ["b", "c", "a"],
    ),
    (
        "ties keep request order",
        [("a", 0.5, "val_loss", "min"), ("b", 0.5, "val_loss", "min")],
        False,
        ["a", "b"],
    ),
    (
        "training loss fallback last",
        [("a", 0.1, "loss", "min"), ("b", 0.5, "val_loss", "min")],
        False,
        ["b", "a"],
    ),
    (
        "chosen training monitor ranked",
        [("a", 0.1, "loss", "min"), ("b", 0.5, "loss", "min")],
        True,
        ["a", "b"],
    ),
    (
        "no value last",
        [
            ("a", None, "val_loss", "min"),
            ("b", math.inf, "val_loss", "min"),
            ("c", 0.9, "val_loss", "min"),
        ],
        False,
        ["c", "a", "b"],
    ),
]


@pytest.mark.parametrize(
    ("runs", "monitor_chosen", "expected"),
    [case[1:] for case in RANKINGS],
    ids=[case[0] for case in RANKINGS],
)
def test_rank_runs(
    base: Diagnosis,
    runs: list[tuple[str, float | None, str, str]],
    monitor_chosen: bool,
    expected: list[str],
) -> None:
    diagnoses = [
        (name, run(base, value, monitor, mode)) for name, value, monitor, mode in runs
    ]
    ranked = rank_runs(diagnoses, monitor_chosen=monitor_chosen)
    assert [entry.name for entry in ranked] == expected
