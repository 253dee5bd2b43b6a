"""The checkpoints of a Hugging Face Trainer run, from what its log recorded.

Sources, first match wins:

1. ``checkpoints``: the ``checkpoint-<step>`` folder names that
   ``ingest.read_path`` found in an output folder; these are the
   checkpoints on disk.
2. ``save_steps`` from ``trainer_state.json``: the Trainer saves at every
   multiple of ``save_steps`` and at the last step (``global_step``). The
   Trainer records ``save_steps`` even when it saved per epoch or not at
   all, so this schedule is used only when ``best_model_checkpoint`` is
   recorded and its step fits the schedule.

``best_model_checkpoint`` also gives the output folder as the Trainer
recorded it (``runs/bert`` in ``runs/bert/checkpoint-500``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from diagnose_api.analysis.checkpoints import Checkpoints

# A longer schedule is not listed: the save_steps rule then gives no checkpoints.
MAX_INFERRED_CHECKPOINTS = 100_000
_CHECKPOINT_NAME = re.compile(r"checkpoint-(\d+)")


def checkpoint_step(name: str) -> int | None:
    """Return the step in a ``checkpoint-<step>`` name or path, else None."""
    base = re.split(r"[\\/]", name.rstrip("/\\"))[-1]
    match = _CHECKPOINT_NAME.fullmatch(base)
    return int(match.group(1)) if match else None


def _directory(path: str) -> str | None:
    cut = max(path.rfind("/"), path.rfind("\\"))
    return path[:cut] if cut > 0 else None


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def checkpoints_from_meta(meta: Mapping[str, Any]) -> Checkpoints | None:
    """Build the run's Checkpoints from ``ParsedLog.meta``, or None when unknown."""
    trainer_best = meta.get("best_model_checkpoint")
    if not isinstance(trainer_best, str) or not trainer_best:
        trainer_best = None
    trainer_best_step = None if trainer_best is None else checkpoint_step(trainer_best)
    directory = None if trainer_best is None else _directory(trainer_best)

    folders = meta.get("checkpoints")
    if isinstance(folders, list) and folders:
        found = (checkpoint_step(name) for name in folders if isinstance(name, str))
        steps = sorted({step for step in found if step is not None})
        source = "folders"
    else:
        steps = _scheduled_steps(meta, trainer_best_step)
        source = "save_steps"
    if not steps:
        return None
    return Checkpoints(
        steps=tuple(steps),
        source=source,
        directory=directory,
        trainer_best=trainer_best,
        trainer_best_step=trainer_best_step,
    )


def _scheduled_steps(
    meta: Mapping[str, Any], trainer_best_step: int | None
) -> list[int]:
    save_steps = _positive_int(meta.get("save_steps"))
    last_step = _positive_int(meta.get("global_step"))
    if save_steps is None or last_step is None or trainer_best_step is None:
        return []
    if last_step // save_steps > MAX_INFERRED_CHECKPOINTS:
        return []
    steps = list(range(save_steps, last_step + 1, save_steps))
    if not steps or steps[-1] != last_step:
        steps.append(last_step)
    if trainer_best_step not in steps:
        return []
    return steps
