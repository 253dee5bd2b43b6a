"""The checkpoint to keep, and how restore_best_checkpoint names it."""

from __future__ import annotations

import math

import pytest

from diagnose_api.analysis.checkpoints import Checkpoints
from diagnose_api.analysis.checkpoints import choose_checkpoint
from diagnose_api.analysis.checkpoints import describe_choice
from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.history import History
from diagnose_api.analysis.result import Recommendation

SAVED = Checkpoints(steps=(9, 18, 27, 36, 45, 52), source="folders", directory="out")

CHOICES = [
    # (best step, checkpoint step kept, exact, next step)
    (27, 27, True, 36),
    (30, 27, False, 36),
    (52, 52, True, None),
    (60, 52, False, None),
    (5, None, False, 9),
    (9, 9, True, 18),
]


@pytest.mark.parametrize(("best_step", "step", "exact", "next_step"), CHOICES)
def test_choose_checkpoint_at_or_before(
    best_step: int, step: int | None, exact: bool, next_step: int | None
) -> None:
    choice = choose_checkpoint(SAVED, best_step)

    assert choice.step == step
    assert choice.exact is exact
    assert choice.next_step == next_step
    assert choice.name == (None if step is None else f"checkpoint-{step}")
    assert choice.path == (None if step is None else f"out/checkpoint-{step}")


def test_checkpoint_path_without_directory() -> None:
    checkpoints = Checkpoints(steps=(500,), source="folders")
    assert checkpoints.path(500) == "checkpoint-500"


AGREEMENT = [
    # (trainer's best step, best step by the monitor, agrees)
    (27, 27, True),
    (45, 27, False),
    (None, 27, None),
]


@pytest.mark.parametrize(("trainer_step", "best_step", "agrees"), AGREEMENT)
def test_agreement_with_trainer(
    trainer_step: int | None, best_step: int, agrees: bool | None
) -> None:
    trainer_best = None if trainer_step is None else f"out/checkpoint-{trainer_step}"
    checkpoints = Checkpoints(
        steps=SAVED.steps,
        source="folders",
        trainer_best=trainer_best,
        trainer_best_step=trainer_step,
    )
    assert choose_checkpoint(checkpoints, best_step).agrees_with_trainer is agrees


def test_description_names_disagreement() -> None:
    checkpoints = Checkpoints(
        steps=SAVED.steps,
        source="folders",
        directory="out",
        trainer_best="out/checkpoint-45",
        trainer_best_step=45,
    )
    text = describe_choice(choose_checkpoint(checkpoints, 27), checkpoints, "eval_loss")

    assert text.startswith("They are in out/checkpoint-27, saved at that step.")
    assert "best_model_checkpoint is out/checkpoint-45" in text
    assert "metric_for_best_model" in text
    assert "by eval_loss they are in checkpoint-27" in text


def test_description_trainer_folder_missing() -> None:
    checkpoints = Checkpoints(
        steps=(9, 18, 36),
        source="folders",
        trainer_best="out/checkpoint-27",
        trainer_best_step=27,
    )
    text = describe_choice(choose_checkpoint(checkpoints, 27), checkpoints, "eval_loss")

    assert "nearest checkpoint before them is checkpoint-18" in text
    assert "same evaluation but is not among the checkpoints found" in text


def test_description_no_checkpoint_before() -> None:
    text = describe_choice(choose_checkpoint(SAVED, 5), SAVED, "eval_loss")
    assert text == (
        "No checkpoint was saved at or before step 5; the first one after it, "
        "checkpoint-9, already trained past the best weights."
    )


def test_description_warns_inferred_steps() -> None:
    inferred = Checkpoints(steps=(9, 18), source="save_steps")
    text = describe_choice(choose_checkpoint(inferred, 18), inferred, "eval_loss")
    assert "inferred from save_steps" in text


BAD_CHECKPOINTS = [
    ({"steps": (9, 9), "source": "folders"}, r"steps must be strictly increasing"),
    ({"steps": (-1, 9), "source": "folders"}, r"steps must be >= 0, got -1"),
    ({"steps": (9,), "source": "disk"}, r"source must be 'folders' or 'save_steps'"),
]


@pytest.mark.parametrize(("kwargs", "pattern"), BAD_CHECKPOINTS)
def test_checkpoints_reject_bad_input(kwargs: dict, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        Checkpoints(**kwargs)


# Validation loss bottoms out at the third evaluation (step 30), then rises.
OVERFIT = {
    "loss": [1.08, 0.82, 0.65, 0.52, 0.39, 0.28, 0.19, 0.12, 0.07],
    "eval_loss": [1.07, 1.0, 0.98, 1.0, 1.03, 1.1, 1.16, 1.27, 1.35],
}
STEPS = [10, 20, 30, 40, 50, 60, 70, 80, 90]


def restore(history: History) -> Recommendation:
    diagnosis = diagnose(history)
    assert diagnosis.status.value == "overfitting"
    return next(
        r for r in diagnosis.recommendations if r.action == "restore_best_checkpoint"
    )


def test_restore_names_checkpoint() -> None:
    history = History.from_lists(OVERFIT, steps=STEPS)
    checkpoints = Checkpoints(
        steps=(20, 40, 60, 80, 90),
        source="folders",
        directory="runs/bert",
        trainer_best="runs/bert/checkpoint-60",
        trainer_best_step=60,
    )
    recommendation = restore(
        History(history.epochs, history.series, history.steps, checkpoints=checkpoints)
    )

    assert recommendation.parameters == {
        "epoch": 3.0,
        "step": 30,
        "checkpoint": "checkpoint-20",
        "checkpoint_path": "runs/bert/checkpoint-20",
        "checkpoint_step": 20,
        "trainer_best_model_checkpoint": "runs/bert/checkpoint-60",
        "agrees_with_trainer": False,
    }
    assert "epoch 3 (step 30)" in recommendation.rationale
    assert "runs/bert/checkpoint-20" in recommendation.rationale
    assert "metric_for_best_model" in recommendation.rationale


def test_restore_without_checkpoints_gives_step() -> None:
    recommendation = restore(History.from_lists(OVERFIT, steps=STEPS))
    assert recommendation.parameters == {"epoch": 3.0, "step": 30}


def test_restore_without_steps_gives_epoch() -> None:
    recommendation = restore(History.from_lists(OVERFIT))
    assert recommendation.parameters == {"epoch": 3.0}


def test_diagnosis_reports_steps() -> None:
    diagnosis = diagnose(History.from_lists(OVERFIT, steps=STEPS))
    recommended = diagnosis.early_stopping["recommended"]

    assert diagnosis.best_step == 30
    assert diagnosis.divergence is not None
    assert diagnosis.divergence.step == STEPS[int(diagnosis.divergence.epoch) - 1]
    assert recommended["best_step"] == 30
    assert recommended["stopped_step"] == STEPS[int(recommended["stopped_epoch"]) - 1]
    assert diagnosis.early_stopping["keras"]["best_step"] == 30


def test_diagnosis_without_steps_has_none() -> None:
    diagnosis = diagnose(History.from_lists(OVERFIT))

    assert diagnosis.best_step is None
    assert diagnosis.divergence is not None
    assert diagnosis.divergence.step is None
    assert diagnosis.early_stopping["recommended"]["stopped_step"] is None


def test_fractional_epochs_kept() -> None:
    epochs = [0.5 * (index + 1) for index in range(9)]
    diagnosis = diagnose(History.from_lists(OVERFIT, epochs=epochs, steps=STEPS))

    assert diagnosis.best_epoch == 1.5
    assert diagnosis.best_step == 30
    assert math.isclose(diagnosis.last_epoch, 4.5)
