"""MLflow, JSON Lines, trainer state, model card and Lightning edge cases."""

from __future__ import annotations

import json
import math

import pytest

from diagnose_api.ingest import read_log


def _metric(
    key: str, value: object, step: int, timestamp: int = 0
) -> dict[str, object]:
    return {"key": key, "value": value, "timestamp": timestamp, "step": step}


MLFLOW_LOSS = [
    _metric("loss", 0.9, 0),
    _metric("loss", 0.7, 1),
    _metric("loss", 0.6, 2),
]
MLFLOW_VAL = [_metric("val_loss", 1.0, 0), _metric("val_loss", "NaN", 2)]
MLFLOW_DOCUMENTS = [
    ("one-response", {"metrics": MLFLOW_LOSS + MLFLOW_VAL}),
    ("list-of-responses", [{"metrics": MLFLOW_LOSS}, {"metrics": MLFLOW_VAL}]),
    (
        "by-key",
        {
            "loss": [{k: v for k, v in m.items() if k != "key"} for m in MLFLOW_LOSS],
            "val_loss": MLFLOW_VAL,
        },
    ),
]


@pytest.mark.parametrize(
    "document",
    [case[1] for case in MLFLOW_DOCUMENTS],
    ids=[case[0] for case in MLFLOW_DOCUMENTS],
)
def test_mlflow_documents_rows_by_step(document: object) -> None:
    parsed = read_log(json.dumps(document))

    assert parsed.format == "mlflow_json"
    assert parsed.steps == [0, 1, 2]
    assert parsed.epochs is None
    assert parsed.series["loss"] == [0.9, 0.7, 0.6]
    assert parsed.series["val_loss"][:2] == [1.0, None]
    assert math.isnan(parsed.series["val_loss"][2])  # type: ignore[arg-type]


def test_mlflow_latest_timestamp_wins() -> None:
    document = {
        "metrics": [
            _metric("loss", 0.5, 0, timestamp=20),
            _metric("loss", 0.9, 0, timestamp=10),
            _metric("loss", 0.4, 1, timestamp=30),
        ]
    }

    parsed = read_log(json.dumps(document))

    assert parsed.series["loss"] == [0.5, 0.4]
    assert any("latest timestamp" in note for note in parsed.notes)


def test_mlflow_key_mismatch_rejected() -> None:
    document = {"loss": [_metric("val_loss", 0.5, 0)]}

    with pytest.raises(ValueError, match=r"expected 'key' 'loss', got 'val_loss'"):
        read_log(json.dumps(document, indent=2), format="mlflow_json")


def test_jsonl_merges_split_rows_and_keeps_nan() -> None:
    text = (
        '{"epoch": 1, "loss": 0.5, "time": "10:00"}\n'
        '{"epoch": 1, "val_loss": NaN}\n'
        '{"epoch": 2, "loss": 0.4, "time": "10:01"}\n'
        '{"epoch": 2, "val_loss": Infinity}\n'
    )

    parsed = read_log(text)

    assert parsed.epochs == [1.0, 2.0]
    assert parsed.series["loss"] == [0.5, 0.4]
    assert math.isnan(parsed.series["val_loss"][0])  # type: ignore[arg-type]
    assert parsed.series["val_loss"][1] == math.inf
    assert "time" not in parsed.series
    assert any("'time'" in note or "time" in note for note in parsed.notes)


def test_jsonl_steps_without_epochs() -> None:
    text = '{"step": 10, "loss": 0.5}\n{"step": 20, "loss": 0.4}\n'

    parsed = read_log(text)

    assert parsed.epochs is None
    assert parsed.steps == [10, 20]


def test_trainer_state_final_evaluate_repeat_kept_once() -> None:
    state = {
        "log_history": [
            {"epoch": 0.5, "loss": 0.9, "step": 5},
            {"epoch": 1.0, "eval_loss": 0.8, "step": 10},
            {"epoch": 1.0, "loss": 0.7, "step": 10},
            {"epoch": 2.0, "eval_loss": 0.6, "step": 20},
            {"epoch": 2.0, "step": 20, "train_loss": 0.75, "train_runtime": 3.0},
            {"epoch": 2.0, "eval_loss": 0.6, "step": 20},
        ]
    }

    parsed = read_log(json.dumps(state))

    assert parsed.epochs == [1.0, 2.0]
    assert parsed.series["loss"] == [0.7, 0.7]
    assert parsed.series["eval_loss"] == [0.8, 0.6]
    assert any("logged twice" in note for note in parsed.notes)


def test_trainer_state_no_training_value_before_first_evaluation() -> None:
    state = {
        "log_history": [
            {"epoch": 0.2, "eval_loss": 0.9, "step": 2},
            {"epoch": 0.5, "loss": 0.8, "step": 5},
            {"epoch": 1.0, "eval_loss": 0.7, "step": 10},
        ]
    }

    parsed = read_log(json.dumps(state))

    assert parsed.series["loss"] == [None, 0.8]


def test_model_card_no_log_and_extra_columns() -> None:
    text = (
        "### Training results\n\n"
        "| Training Loss | Epoch | Step | Validation Loss | F1 | Matthews Correlation |\n"
        "|:-------------:|:-----:|:----:|:---------------:|:--:|:--------------------:|\n"
        "| No log        | 1.0   | 7    | 0.6931          | 0.5 | 0.0                 |\n"
        "| 0.6523        | 2.0   | 14   | 0.6012          | 0.6 | 0.2                 |\n"
        "\n"
        "### Framework versions\n"
    )

    parsed = read_log(text)

    assert parsed.series == {
        "loss": [None, 0.6523],
        "val_loss": [0.6931, 0.6012],
        "val_f1": [0.5, 0.6],
        "val_matthews_correlation": [0.0, 0.2],
    }
    assert parsed.steps == [7, 14]


def test_lightning_unsuffixed_step_column_left_out() -> None:
    text = (
        "epoch,step,train_loss,val_loss\n"
        "0,4,0.9,\n"
        "0,9,0.8,\n"
        "0,9,,0.85\n"
        "1,14,0.7,\n"
        "1,19,0.6,0.75\n"
        "1,19,,0.7\n"
    )

    parsed = read_log(text)

    assert parsed.series == {"val_loss": [0.85, 0.7]}
    assert any("'train_loss'" in note and "per step" in note for note in parsed.notes)
    assert any("'val_loss'" in note and "last value" in note for note in parsed.notes)
