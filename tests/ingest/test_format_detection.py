"""Format detection on short samples of every format."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnose_api.ingest import FORMATS
from diagnose_api.ingest import IngestError
from diagnose_api.ingest import detect_format

LOGS = Path(__file__).resolve().parent.parent / "data" / "logs"

SAMPLES = [
    ("keras-csv", "epoch,accuracy,loss\n0,0.5,0.7\n", "keras_csv"),
    ("keras-csv-semicolon", "epoch;loss;val_loss\n0;0.7;0.8\n", "keras_csv"),
    ("lightning-csv", "epoch,step,train_loss_epoch\n0,9,0.5\n", "lightning_csv"),
    ("lightning-csv-step-first", "step,epoch,val_loss\n9,0,0.5\n", "lightning_csv"),
    ("keras2-header", "Epoch 1/10\n - 3s - loss: 0.5\n", "keras_console"),
    (
        "keras2-bar",
        "60000/60000 [==============================] - 3s 50us/step - loss: 0.5\n",
        "keras_console",
    ),
    (
        "keras3-bar",
        "7/7 ━━━━━━━━━━━━━━━━━━━━ 0s 9ms/step - accuracy: 0.5 - loss: 0.7\n",
        "keras_console",
    ),
    ("keras-commented-header", "# Epoch 2/10\n# loss: 0.5\n", "keras_console"),
    ("pytorch-pipes", "Epoch 3 | train loss 0.41 | val loss 0.52\n", "pytorch_console"),
    (
        "pytorch-brackets",
        "epoch [3]: training loss: 2.27 - acc: 0.50 - val_loss: 3.29\n",
        "pytorch_console",
    ),
    (
        "pytorch-commas",
        "Epoch: 3, Train Loss: 0.41, Val Acc: 0.80\n",
        "pytorch_console",
    ),
    ("pytorch-key-equals", "epoch=3 loss=0.41 val_loss=0.5\n", "pytorch_console"),
    (
        "pytorch-header-lines",
        "Epoch 0/24\n----------\ntrain Loss: 0.5 Acc: 0.7\nval Loss: 0.4 Acc: 0.8\n",
        "pytorch_console",
    ),
    ("jsonl", '{"epoch": 1, "loss": 0.5, "val_loss": NaN}\n', "jsonl"),
    (
        "mlflow-response",
        '{"metrics": [{"key": "loss", "value": 0.5, "timestamp": 1, "step": 0}]}',
        "mlflow_json",
    ),
    (
        "mlflow-by-key",
        '{"loss": [{"value": 0.5, "timestamp": 1, "step": 0}]}',
        "mlflow_json",
    ),
    (
        "trainer-state",
        '{"log_history": [{"epoch": 1.0, "eval_loss": 0.5, "step": 3}]}',
        "hf_trainer_state",
    ),
    (
        "model-card",
        "| Training Loss | Epoch | Step | Validation Loss |\n|:-:|:-:|:-:|:-:|\n",
        "hf_model_card",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [sample[1:] for sample in SAMPLES],
    ids=[sample[0] for sample in SAMPLES],
)
def test_detect_sample(text: str, expected: str) -> None:
    assert detect_format(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("keras_csvlogger.csv", "keras_csv"),
        ("keras_console_verbose1.txt", "keras_console"),
        ("keras_console_verbose2.txt", "keras_console"),
        ("lightning_metrics.csv", "lightning_csv"),
        ("hf_model_card.md", "hf_model_card"),
        ("hf_trainer_state_eval_only.json", "hf_trainer_state"),
        ("events.out.tfevents.fixture", "tensorboard"),
    ],
)
def test_detect_real_file(name: str, expected: str) -> None:
    assert detect_format((LOGS / name).read_bytes()) == expected


def test_detect_tensorboard_by_filename() -> None:
    assert detect_format(b"\x00\x01", filename="events.out.tfevents.123.host") == (
        "tensorboard"
    )


def test_detected_names_are_formats() -> None:
    assert all(sample[2] in FORMATS for sample in SAMPLES)


@pytest.mark.parametrize(
    "text",
    ["", "hello world\n", "loss,val_loss\n0.5,0.6\n", '{"seed": 3}'],
    ids=["empty", "prose", "csv-without-epoch", "json-object"],
)
def test_undetectable_input_lists_formats(text: str) -> None:
    with pytest.raises(IngestError, match=r"expected a log in one of the formats"):
        detect_format(text)
