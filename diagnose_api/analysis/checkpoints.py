"""Which saved checkpoint contains the best weights of a run.

Rule: the checkpoint to keep is the one saved at the best evaluation's
step, or else the last one saved before it,

    kept = max { s in saved : s <= best_step },

because a checkpoint saved after the best evaluation holds weights that
trained past it. None when every saved checkpoint is later than the best
step.

Hugging Face's ``Trainer`` names its checkpoints ``checkpoint-<step>`` and
records the one it judged best as ``best_model_checkpoint``, chosen by its
``metric_for_best_model`` (``loss`` unless set). That choice can differ
from the diagnosis, whose best epoch comes from the monitored series.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

CHECKPOINT_PREFIX = "checkpoint-"


@dataclass(frozen=True)
class Checkpoints:
    """The checkpoints a run saved, and the one its trainer picked as best.

    Attributes
    ----------
    steps : tuple of int
        Optimizer step of each saved checkpoint, strictly increasing.
    source : str
        ``"folders"`` when the steps come from ``checkpoint-<step>`` folders
        found on disk, ``"save_steps"`` when they are inferred from the
        Trainer's ``save_steps`` (some may since have been deleted by
        ``save_total_limit``).
    directory : str or None
        The output folder as the trainer recorded it (``runs/bert`` in
        ``runs/bert/checkpoint-500``), when known.
    trainer_best : str or None
        The trainer's ``best_model_checkpoint`` as recorded.
    trainer_best_step : int or None
        The step of ``trainer_best``.
    """

    steps: tuple[int, ...]
    source: str
    directory: str | None = None
    trainer_best: str | None = None
    trainer_best_step: int | None = None

    def __post_init__(self) -> None:
        if self.source not in ("folders", "save_steps"):
            raise ValueError(
                f"source must be 'folders' or 'save_steps', got {self.source!r}"
            )
        for previous, current in zip(self.steps, self.steps[1:]):
            if not current > previous:
                raise ValueError(
                    f"steps must be strictly increasing, got {current} after {previous}"
                )
        if self.steps and self.steps[0] < 0:
            raise ValueError(f"steps must be >= 0, got {self.steps[0]}")

    def name(self, step: int) -> str:
        """Return the folder name of the checkpoint of ``step``."""
        return f"{CHECKPOINT_PREFIX}{step}"

    def path(self, step: int) -> str:
        """Return the checkpoint's path under the output folder, when known."""
        if self.directory:
            return f"{self.directory}/{self.name(step)}"
        return self.name(step)


@dataclass(frozen=True)
class CheckpointChoice:
    """The checkpoint that contains the best weights, by the rule of this module.

    Attributes
    ----------
    best_step : int
        Step of the best evaluation.
    step : int or None
        Step of the checkpoint to keep; None when none was saved at or
        before ``best_step``.
    name, path : str or None
        Folder name (``checkpoint-500``) and path of that checkpoint.
    exact : bool
        Whether the checkpoint was saved at ``best_step`` itself.
    next_step : int or None
        First checkpoint saved after ``best_step``, for the message when
        none was saved before it.
    trainer_best : str or None
        The trainer's own ``best_model_checkpoint``.
    agrees_with_trainer : bool or None
        Whether ``trainer_best`` is this checkpoint; None when the trainer
        recorded none or its step is unknown.
    """

    best_step: int
    step: int | None
    name: str | None
    path: str | None
    exact: bool
    next_step: int | None
    trainer_best: str | None
    agrees_with_trainer: bool | None


def choose_checkpoint(checkpoints: Checkpoints, best_step: int) -> CheckpointChoice:
    """Pick the saved checkpoint at or nearest before ``best_step``."""
    position = bisect.bisect_right(checkpoints.steps, best_step)
    step = checkpoints.steps[position - 1] if position else None
    next_step = (
        checkpoints.steps[position] if position < len(checkpoints.steps) else None
    )
    agrees = None
    if checkpoints.trainer_best_step is not None:
        agrees = step is not None and checkpoints.trainer_best_step == step
    return CheckpointChoice(
        best_step=best_step,
        step=step,
        name=None if step is None else checkpoints.name(step),
        path=None if step is None else checkpoints.path(step),
        exact=step == best_step,
        next_step=next_step,
        trainer_best=checkpoints.trainer_best,
        agrees_with_trainer=agrees,
    )


def describe_choice(
    choice: CheckpointChoice, checkpoints: Checkpoints, monitor: str
) -> str:
    """Write the sentences that name the checkpoint to keep.

    They follow a sentence that names the best epoch's weights.
    """
    if choice.step is None:
        text = f"No checkpoint was saved at or before step {choice.best_step}"
        if choice.next_step is not None:
            text += (
                f"; the first one after it, {checkpoints.name(choice.next_step)}, "
                "already trained past the best weights"
            )
        text += "."
    elif choice.exact:
        text = f"They are in {choice.path}, saved at that step."
    else:
        text = (
            f"The nearest checkpoint before them is {choice.path}; the weights of "
            f"step {choice.best_step} itself were not saved."
        )
    if checkpoints.source == "save_steps" and choice.step is not None:
        text += (
            " The checkpoint steps are inferred from save_steps; "
            "save_total_limit may have deleted this one."
        )
    if choice.agrees_with_trainer is not False:
        return text
    if checkpoints.trainer_best_step == choice.best_step:
        return text + (
            f" The Trainer's best_model_checkpoint, {choice.trainer_best}, is the "
            "same evaluation but is not among the checkpoints found."
        )
    ours = (
        f"they are in {choice.name}"
        if choice.name is not None
        else "no saved checkpoint contains them"
    )
    return text + (
        f" The Trainer's best_model_checkpoint is {choice.trainer_best}, chosen "
        f"by its metric_for_best_model; by {monitor} {ours}."
    )
