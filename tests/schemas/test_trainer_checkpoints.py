"""Checkpoints from what a Trainer log recorded: folders, save_steps, best checkpoint."""

from __future__ import annotations

from typing import Any

import pytest

from diagnose_api.schemas.trainer_checkpoints import checkpoint_step
from diagnose_api.schemas.trainer_checkpoints import checkpoints_from_meta

NAMES = [
    ("checkpoint-500", 500),
    ("runs/bert/checkpoint-500", 500),
    ("C:\\runs\\checkpoint-7", 7),
    ("runs/checkpoint-500/", 500),
    ("checkpoint-final", None),
    ("best", None),
]


@pytest.mark.parametrize(("name", "step"), NAMES)
def test_checkpoint_step(name: str, step: int | None) -> None:
    assert checkpoint_step(name) == step


def test_folders_listed_by_read_path() -> None:
    meta = {
        "checkpoints": ["checkpoint-9", "checkpoint-18", "checkpoint-27"],
        "save_steps": 500,
        "best_model_checkpoint": "out/run/checkpoint-18",
    }
    checkpoints = checkpoints_from_meta(meta)

    assert checkpoints is not None
    assert checkpoints.steps == (9, 18, 27)
    assert checkpoints.source == "folders"
    assert checkpoints.directory == "out/run"
    assert checkpoints.trainer_best == "out/run/checkpoint-18"
    assert checkpoints.trainer_best_step == 18


def test_save_steps_schedule_with_last_step() -> None:
    meta = {
        "save_steps": 9,
        "global_step": 52,
        "best_model_checkpoint": "hf_run/checkpoint-27",
    }
    checkpoints = checkpoints_from_meta(meta)

    assert checkpoints is not None
    assert checkpoints.steps == (9, 18, 27, 36, 45, 52)
    assert checkpoints.source == "save_steps"


NO_CHECKPOINTS: list[tuple[str, dict[str, Any]]] = [
    ("nothing recorded", {}),
    # save_steps is recorded even when the run saved per epoch or never.
    ("save_steps without best checkpoint", {"save_steps": 9, "global_step": 52}),
    (
        "best checkpoint off the schedule",
        {
            "save_steps": 500,
            "global_step": 1000,
            "best_model_checkpoint": "o/checkpoint-130",
        },
    ),
    (
        "schedule too long",
        {
            "save_steps": 1,
            "global_step": 10**7,
            "best_model_checkpoint": "o/checkpoint-1",
        },
    ),
    ("folders without steps", {"checkpoints": ["checkpoint-last"]}),
    (
        "save_steps not a number",
        {
            "save_steps": "9",
            "global_step": 52,
            "best_model_checkpoint": "o/checkpoint-9",
        },
    ),
]


@pytest.mark.parametrize(
    "meta",
    [case[1] for case in NO_CHECKPOINTS],
    ids=[case[0] for case in NO_CHECKPOINTS],
)
def test_no_checkpoints_when_unknown(meta: dict[str, Any]) -> None:
    assert checkpoints_from_meta(meta) is None
