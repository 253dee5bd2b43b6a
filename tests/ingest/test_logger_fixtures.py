"""Readers on files written by the real libraries (scripts/make_logger_fixtures.py)."""

from __future__ import annotations

import csv
import json
import math
import shutil
import sys
from pathlib import Path

import pytest

from diagnose_api.ingest import IngestError
from diagnose_api.ingest import read_log
from diagnose_api.ingest import read_path

LOGS = Path(__file__).resolve().parent.parent / "data" / "logs"


def _csv_columns(path: Path) -> dict[str, list[str]]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {name: [row[name] for row in rows] for name in rows[0]}


def _trainer_state(path: Path) -> list[dict[str, float]]:
    return json.loads(path.read_text())["log_history"]


@pytest.mark.parametrize(
    "name",
    ["keras_csvlogger.csv", "keras_csvlogger_valfreq2.csv"],
)
def test_keras_csv_values_and_epochs(name: str) -> None:
    columns = _csv_columns(LOGS / name)
    parsed = read_path(LOGS / name)

    assert parsed.format == "keras_csv"
    assert parsed.epochs == [float(epoch) + 1 for epoch in columns["epoch"]]
    assert any("plus 1" in note for note in parsed.notes)
    for column, cells in columns.items():
        if column == "epoch":
            continue
        expected = [None if cell == "NA" else float(cell) for cell in cells]
        assert parsed.series[column] == expected, column


def test_keras_csv_nan_and_inf() -> None:
    parsed = read_path(LOGS / "keras_csvlogger_nan.csv")

    assert parsed.series["val_loss"][0] == math.inf
    assert all(math.isnan(value) for value in parsed.series["loss"][1:])  # type: ignore[arg-type]
    assert parsed.non_finite["val_loss"] == [0, 1, 2, 3, 4]
    assert parsed.non_finite["loss"] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("console", "csv_name"),
    [
        ("keras_console_verbose1.txt", "keras_csvlogger.csv"),
        ("keras_console_verbose2.txt", "keras_csvlogger_valfreq2.csv"),
    ],
)
def test_keras_console_matches_csvlogger(console: str, csv_name: str) -> None:
    from_console = read_path(LOGS / console)
    from_csv = read_path(LOGS / csv_name)

    assert from_console.format == "keras_console"
    assert from_console.epochs == from_csv.epochs
    assert set(from_console.series) == set(from_csv.series)
    for name, values in from_csv.series.items():
        rounded = [None if value is None else round(value, 4) for value in values]
        console_values = from_console.series[name]
        assert console_values == pytest.approx(rounded, abs=5e-5), name


def test_keras_console_verbose1_has_progress_bar_redraws() -> None:
    raw = (LOGS / "keras_console_verbose1.txt").read_bytes()

    assert b"\x08" in raw
    assert b"\x1b[" in raw


def test_lightning_epoch_rows_with_validation_every_two() -> None:
    parsed = read_path(LOGS / "lightning_metrics.csv")

    assert parsed.format == "lightning_csv"
    assert parsed.epochs == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert parsed.steps == [6, 13, 20, 27, 34, 41]
    assert set(parsed.series) == {"train_loss_epoch", "val_loss", "val_acc"}
    assert [value is None for value in parsed.series["val_loss"]] == [
        True,
        False,
        True,
        False,
        True,
        False,
    ]
    assert None not in parsed.series["train_loss_epoch"]
    assert parsed.series["val_loss"][5] == pytest.approx(0.38196951150894165)
    assert any("from 0" in note for note in parsed.notes)
    assert any("train_loss_step" in note for note in parsed.notes)


def _aligned_training_loss(log_history: list[dict[str, float]]) -> list[float | None]:
    """Last training loss at or before each evaluation step, by a plain scan."""
    aligned = []
    for entry in log_history:
        if "eval_loss" not in entry:
            continue
        before = [
            item["loss"]
            for item in log_history
            if "loss" in item and item["step"] <= entry["step"]
        ]
        aligned.append(before[-1] if before else None)
    return aligned


def test_trainer_state_one_row_per_evaluation() -> None:
    state = LOGS / "hf_run" / "trainer_state.json"
    history = _trainer_state(state)
    evaluations = [entry for entry in history if "eval_loss" in entry]
    parsed = read_path(state)

    assert parsed.format == "hf_trainer_state"
    assert parsed.epochs == [entry["epoch"] for entry in evaluations]
    assert parsed.steps == [entry["step"] for entry in evaluations]
    assert parsed.series["eval_loss"] == [entry["eval_loss"] for entry in evaluations]
    assert parsed.series["loss"] == _aligned_training_loss(history)
    assert "eval_runtime" not in parsed.series
    assert "train_loss" not in parsed.series
    assert any("at or before each evaluation step" in note for note in parsed.notes)


def test_trainer_state_meta_names_best_checkpoint() -> None:
    parsed = read_path(LOGS / "hf_run" / "trainer_state.json")

    assert parsed.meta["best_model_checkpoint"] == "hf_run/checkpoint-52"
    assert parsed.meta["best_metric"] == pytest.approx(0.2765255868434906)
    assert parsed.meta["eval_steps"] == 9
    assert parsed.meta["save_steps"] == 9


def test_trainer_state_alignment_matches_model_card() -> None:
    state = read_path(LOGS / "hf_run" / "trainer_state.json")
    card = read_path(LOGS / "hf_model_card.md")

    assert card.steps == state.steps
    rounded = [round(value, 4) for value in state.series["loss"]]  # type: ignore[arg-type]
    assert card.series["loss"] == pytest.approx(rounded, abs=5e-5)


def test_trainer_state_eval_only_has_no_training_series() -> None:
    parsed = read_path(LOGS / "hf_trainer_state_eval_only.json")

    assert set(parsed.series) == {"eval_loss", "eval_accuracy"}
    assert len(parsed.epochs or []) == 6
    assert not any("aligned" in note for note in parsed.notes)


def test_output_folder_lists_checkpoints_by_step() -> None:
    parsed = read_path(LOGS / "hf_run")

    assert parsed.meta["checkpoints"] == [
        "checkpoint-9",
        "checkpoint-18",
        "checkpoint-27",
        "checkpoint-36",
        "checkpoint-45",
        "checkpoint-52",
    ]
    assert parsed.epochs is not None and parsed.epochs[-1] == 4.0


def test_output_folder_without_state_reads_latest_checkpoint(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(LOGS / "hf_run", run)
    (run / "trainer_state.json").unlink()
    shutil.rmtree(run / "checkpoint-52")

    parsed = read_path(run)

    assert parsed.steps == [9, 18, 27, 36, 45]
    assert parsed.meta["best_model_checkpoint"] == "hf_run/checkpoint-45"
    assert "checkpoint-52" not in parsed.meta["checkpoints"]
    assert any("checkpoint-45/trainer_state.json" in note for note in parsed.notes)


def test_model_card_columns_and_epochs() -> None:
    parsed = read_path(LOGS / "hf_model_card.md")

    assert parsed.format == "hf_model_card"
    assert list(parsed.series) == ["loss", "val_loss", "val_accuracy"]
    assert parsed.epochs == [0.6923, 1.3846, 2.0769, 2.7692, 3.4615, 4.0]
    assert parsed.steps == [9, 18, 27, 36, 45, 52]
    assert parsed.series["val_accuracy"][-1] == 0.9357


def test_tensorboard_event_file_scalars() -> None:
    path = LOGS / "events.out.tfevents.fixture"
    parsed = read_log(path.read_bytes())

    assert parsed.format == "tensorboard"
    assert parsed.steps == list(range(8))
    assert parsed.epochs is None
    assert set(parsed.series) == {"train/loss", "val/loss", "val/acc"}
    assert parsed.series["train/loss"][0] == pytest.approx(0.6630078554153442)


def test_tensorboard_folder_reads_event_files(tmp_path: Path) -> None:
    shutil.copy(LOGS / "events.out.tfevents.fixture", tmp_path)

    parsed = read_path(tmp_path)

    assert parsed.steps == list(range(8))


def test_tensorboard_missing_package_names_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes "import tensorboard..." raise ImportError.
    for module in list(sys.modules):
        if module == "tensorboard" or module.startswith("tensorboard."):
            monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    data = (LOGS / "events.out.tfevents.fixture").read_bytes()

    with pytest.raises(IngestError, match=r"pip install diagnose-api\[tensorboard\]"):
        read_log(data)
