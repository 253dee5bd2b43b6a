"""Read the ``trainer_state.json`` that Hugging Face's ``Trainer`` saves.

``log_history`` mixes three kinds of entries, each with ``epoch`` (a
fraction when evaluation runs inside an epoch) and ``step``:

- training logs: ``loss``, ``learning_rate``, ``grad_norm``, ...;
- evaluation logs: ``eval_loss``, ``eval_accuracy`` and other ``eval_*``;
- the final summary: ``train_runtime``, ``train_loss`` (the mean over the
  whole run), ``total_flos``, which is skipped.

There is one row per evaluation, with its epoch and step. Each training
series is aligned to the evaluations: its value in a row is the last one
logged at or before that evaluation's step, and None when none was. A run
that logged evaluations only has no training series. The evaluation's
timing fields (``eval_runtime``, ``eval_samples_per_second``,
``eval_steps_per_second``) are left out. ``best_model_checkpoint``,
``best_metric`` and the other run settings listed in ``META_KEYS`` go to
``ParsedLog.meta`` when present.
"""

from __future__ import annotations

import bisect
import math
from typing import Any
from typing import NoReturn

from diagnose_api.ingest.jsontext import Path
from diagnose_api.ingest.jsontext import line_of
from diagnose_api.ingest.jsontext import load_json
from diagnose_api.ingest.limits import RowCounter
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.parsed import shorten
from diagnose_api.ingest.rows import Record
from diagnose_api.ingest.rows import assemble
from diagnose_api.ingest.values import parse_json_number

NAME = "hf_trainer_state"
SUMMARY_KEYS = frozenset({"train_runtime", "total_flos", "train_samples_per_second"})
EVAL_TIMING_KEYS = frozenset(
    {"eval_runtime", "eval_samples_per_second", "eval_steps_per_second"}
)
ENTRY_KEYS = frozenset({"epoch", "step"})
META_KEYS = (
    "best_model_checkpoint",
    "best_metric",
    "best_global_step",
    "eval_steps",
    "save_steps",
    "logging_steps",
    "global_step",
    "max_steps",
    "num_train_epochs",
)
ALIGN_NOTE = (
    "training {names} aligned to evaluation rows: last logged value at or "
    "before each evaluation step"
)
DETECT_CHARS = 64 * 1024


def detect(text: str) -> bool:
    """Return True when the text is a JSON object with ``"log_history"`` in its head."""
    head = text[:DETECT_CHARS].lstrip()
    return head.startswith("{") and '"log_history"' in head


def read(text: str, *, max_rows: int) -> ParsedLog:
    """Read a trainer_state.json into one row per evaluation.

    Raises
    ------
    IngestError
        When the JSON is invalid, ``log_history`` is missing or not a list,
        an entry lacks ``step`` or ``epoch``, or a value is not a number.
    """
    document = load_json(text, NAME)
    if not isinstance(document, dict) or not isinstance(
        document.get("log_history"), list
    ):
        raise IngestError(
            "an object with a 'log_history' list",
            got=f"a JSON {type(document).__name__} without one",
            line=1,
            format=NAME,
            fix="Send the trainer_state.json of the run's output folder or of "
            "one of its checkpoint-* folders.",
        )
    counter = RowCounter(max_rows, NAME)
    train_steps: list[int] = []
    train_values: list[dict[str, float | None]] = []
    evaluations: list[Record] = []
    n_summaries = 0

    for index, entry in enumerate(document["log_history"]):
        counter.add(None)
        path: Path = ("log_history", index)
        if not isinstance(entry, dict):
            _fail(
                text, path, "an object in log_history", f"a JSON {type(entry).__name__}"
            )
        if SUMMARY_KEYS & entry.keys():
            n_summaries += 1
            continue
        step = _step(entry, text, path)
        values = {
            name: _value(entry, name, text, path)
            for name in entry
            if name not in ENTRY_KEYS and name not in EVAL_TIMING_KEYS
        }
        if any(name.startswith("eval_") for name in entry):
            epoch = _epoch(entry, text, path)
            evaluations.append(Record(line=None, values=values, key=epoch, step=step))
        elif values:
            train_steps.append(step)
            train_values.append(values)

    notes: list[str] = []
    if not evaluations:
        raise IngestError(
            "at least one evaluation entry (with eval_* values) in log_history",
            got=f"{len(train_values)} training entries and none",
            format=NAME,
            fix="Train with eval_strategy set to 'steps' or 'epoch' and an "
            "eval_dataset, so the Trainer logs validation metrics.",
        )
    records = _align_training(evaluations, train_steps, train_values, notes)
    meta = {key: document[key] for key in META_KEYS if document.get(key) is not None}
    return assemble(records, format=NAME, notes=notes, meta=meta)


def _align_training(
    evaluations: list[Record],
    train_steps: list[int],
    train_values: list[dict[str, float | None]],
    notes: list[str],
) -> list[Record]:
    """Add to each evaluation the last training values at or before its step."""
    if not train_values:
        return evaluations
    order = sorted(range(len(train_steps)), key=lambda index: train_steps[index])
    steps = [train_steps[index] for index in order]
    names: dict[str, None] = {}
    for values in train_values:
        names.update(dict.fromkeys(values))

    # Carry each name's last value forward over the training entries.
    carried: list[dict[str, float | None]] = []
    latest: dict[str, float | None] = {}
    for index in order:
        latest = {**latest, **train_values[index]}
        carried.append(latest)

    aligned = []
    for record in evaluations:
        assert record.step is not None
        position = bisect.bisect_right(steps, record.step)
        training = carried[position - 1] if position else {}
        values = {name: training.get(name) for name in names}
        values.update(record.values)
        aligned.append(
            Record(line=None, values=values, key=record.key, step=record.step)
        )
    notes.append(ALIGN_NOTE.format(names=", ".join(repr(name) for name in names)))
    return aligned


def _step(entry: dict[str, Any], text: str, path: Path) -> int:
    step = entry.get("step")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        _fail(
            text,
            path + ("step",) if "step" in entry else path,
            "a whole 'step' of 0 or more",
            shorten(repr(step)),
        )
    return step


def _epoch(entry: dict[str, Any], text: str, path: Path) -> float:
    epoch = parse_json_number(entry.get("epoch"))
    if epoch is None or math.isnan(epoch):
        _fail(
            text,
            path + ("epoch",) if "epoch" in entry else path,
            "a number as 'epoch'",
            shorten(repr(entry.get("epoch"))),
        )
    return epoch


def _value(entry: dict[str, Any], name: str, text: str, path: Path) -> float | None:
    raw = entry[name]
    if raw is None:
        return None
    value = parse_json_number(raw)
    if value is None:
        _fail(text, path + (name,), f"a number as {name!r}", shorten(repr(raw)))
    return value


def _fail(text: str, path: Path, expected: str, got: str) -> NoReturn:
    raise IngestError(
        expected,
        got=got,
        line=line_of(text, path),
        format=NAME,
        fix="Send the trainer_state.json as the Trainer wrote it.",
    )
