"""Keras and PyTorch console readers on the layouts they must handle."""

from __future__ import annotations

import math

import pytest

from diagnose_api.ingest import read_log

KERAS2_REDRAWN = (
    "Epoch 1/2\n"
    " 32/100 [========>.....................] - ETA: 3s - loss: 0.9000"
    + "\b"
    * 60
    + "\r100/100 [==============================] - 4s 40ms/step - loss: 0.7000"
    " - val_loss: 0.8000\n"
    "Epoch 2/2\n"
    "\r 50/100 [==============>...............] - ETA: 2s - loss: 0.6500"
    "\r100/100 [==============================] - 4s 40ms/step - loss: 0.6000"
    " - val_loss: 0.7500\n"
)


def test_keras_progress_redraws_keep_final_line() -> None:
    parsed = read_log(KERAS2_REDRAWN)

    assert parsed.epochs == [1.0, 2.0]
    assert parsed.series == {"loss": [0.7, 0.6], "val_loss": [0.8, 0.75]}


def test_keras_intermediate_lines_on_their_own_lines() -> None:
    text = (
        "Epoch 1/1\n"
        " 1/10 [==>...] - ETA: 1s - loss: 2.0\n"
        " 5/10 [=====>...] - ETA: 0s - loss: 1.5\n"
        "10/10 [==========] - 1s 10ms/step - loss: 1.2 - acc: 0.4\n"
    )

    parsed = read_log(text)

    assert parsed.series == {"loss": [1.2], "acc": [0.4]}


def test_keras_checkpoint_chatter_skipped() -> None:
    text = (
        "Epoch 00004: val_acc did not improve from 0.81078\n"
        "Epoch 5/100\n"
        " - 15s - loss: 0.1 - val_acc: 0.8\n"
        "\n"
        "Epoch 00005: val_acc improved from 0.81 to 0.82, saving model to w.h5\n"
        "Epoch 00005: ReduceLROnPlateau reducing learning rate to 1e-05.\n"
        "Epoch 6/100\n"
        " - 15s - loss: 0.09 - val_acc: 0.81 - lr: 1.0000e-05\n"
    )

    parsed = read_log(text)

    assert parsed.epochs == [5.0, 6.0]
    assert parsed.series["lr"] == [None, 1e-05]


def test_keras_model_summary_lines_skipped() -> None:
    text = (
        'Model: "sequential"\n'
        "Total params: 1,234\n"
        "Epoch 1/2\n"
        "10/10 - 0s - 5ms/step - loss: 0.5\n"
        "Epoch 2/2\n"
        "10/10 - 0s - 5ms/step - loss: 0.4\n"
    )

    assert read_log(text).series == {"loss": [0.5, 0.4]}


def test_keras_lines_without_headers_numbered() -> None:
    text = " - 3s - loss: 0.5 - val_loss: 0.6\n - 3s - loss: 0.4 - val_loss: 0.5\n"

    parsed = read_log(text, format="keras_console")

    assert parsed.epochs is None
    assert parsed.series["loss"] == [0.5, 0.4]
    assert any("numbered 1..n" in note for note in parsed.notes)


def test_keras_nan_and_restart() -> None:
    text = (
        "Epoch 1/3\n - loss: 0.5\nEpoch 2/3\n - loss: nan\n"
        "Epoch 1/3\n - loss: 0.6\nEpoch 2/3\n - loss: 0.4\n"
    )

    parsed = read_log(text)

    assert parsed.epochs == [1.0, 2.0]
    assert parsed.series["loss"] == [0.6, 0.4]
    assert any("restart at line 6" in note for note in parsed.notes)


def test_keras_cut_last_line_noted() -> None:
    text = "Epoch 1/2\n - loss: 0.5 - acc: 0.7\nEpoch 2/2\n - loss: 0.4 - acc: 0."

    parsed = read_log(text)

    assert parsed.epochs == [1.0]
    assert any("cut off" in note for note in parsed.notes)


PYTORCH_LINES = [
    (
        "pipes",
        "Epoch 3 | train loss 0.41 | val loss 0.52",
        3.0,
        {"train_loss": 0.41, "val_loss": 0.52},
    ),
    (
        "brackets",
        "epoch [3]: training loss: 2.27 - acc: 0.50 - val_loss: 3.29",
        3.0,
        {"train_loss": 2.27, "acc": 0.5, "val_loss": 3.29},
    ),
    (
        "commas",
        "Epoch: 3, Train Loss: 0.41, Val Acc: 0.80",
        3.0,
        {"train_loss": 0.41, "val_acc": 0.8},
    ),
    (
        "key-equals",
        "epoch=3 loss=0.41 val_loss=0.5 lr=1e-3",
        3.0,
        {"loss": 0.41, "val_loss": 0.5, "lr": 0.001},
    ),
    (
        "valid-acc",
        "Epoch 3/10 - valid acc: 0.75 - valid loss: 0.6",
        3.0,
        {"val_acc": 0.75, "val_loss": 0.6},
    ),
    (
        "percent",
        "Epoch [3/10], Loss: 0.4000, Val Acc: 85.50%",
        3.0,
        {"loss": 0.4, "val_acc": 0.855},
    ),
    (
        "mixed-pair-styles",
        "Epoch 3 | lr: 0.01 | train loss 0.41",
        3.0,
        {"lr": 0.01, "train_loss": 0.41},
    ),
    (
        "timestamp-prefix",
        "2024-05-01 10:00:00 INFO Epoch 3: loss=0.41, val_loss=nan",
        3.0,
        {"loss": 0.41, "val_loss": math.nan},
    ),
]


@pytest.mark.parametrize(
    ("line", "epoch", "expected"),
    [case[1:] for case in PYTORCH_LINES],
    ids=[case[0] for case in PYTORCH_LINES],
)
def test_pytorch_line_layouts(
    line: str, epoch: float, expected: dict[str, float]
) -> None:
    parsed = read_log(line + "\n", format="pytorch_console")

    assert parsed.epochs == [epoch]
    assert list(parsed.series) == list(expected)
    for name, value in expected.items():
        assert parsed.series[name] == [pytest.approx(value, nan_ok=True)], name


def test_pytorch_header_layout_with_phase_lines() -> None:
    text = (
        "Epoch 0/24\n"
        "----------\n"
        "train Loss: 0.5000 Acc: 0.7000\n"
        "val Loss: 0.4000 Acc: 0.8000\n"
        "\n"
        "Epoch 1/24\n"
        "----------\n"
        "train Loss: 0.3000 Acc: 0.8500\n"
        "val Loss: 0.3500 Acc: 0.8200\n"
        "Training complete in 1m 2s\n"
        "Best val Acc: 0.820000\n"
    )

    parsed = read_log(text)

    assert parsed.format == "pytorch_console"
    assert parsed.epochs == [0.0, 1.0]
    assert parsed.series["train_loss"] == [0.5, 0.3]
    assert parsed.series["train_acc"] == [0.7, 0.85]
    assert parsed.series["val_loss"] == [0.4, 0.35]
    assert parsed.series["val_acc"] == [0.8, 0.82]


def test_pytorch_step_lines_skipped() -> None:
    text = (
        "Epoch [1/2], Step [100/600], Loss: 0.9000\n"
        "Epoch [1/2], Step [600/600], Loss: 0.7000\n"
        "Epoch [1/2] train loss: 0.8 val loss: 0.75\n"
        "Epoch [2/2], Step [100/600], Loss: 0.6000\n"
        "Epoch [2/2] train loss: 0.6 val loss: 0.7\n"
    )

    parsed = read_log(text)

    assert parsed.series == {"train_loss": [0.8, 0.6], "val_loss": [0.75, 0.7]}
    assert any("3 per-step" in note for note in parsed.notes)


def test_pytorch_unknown_text_values_ignored() -> None:
    text = (
        "Epoch 1 | model: resnet18 | loss: 0.5\nEpoch 2 | model: resnet18 | loss: 0.4\n"
    )

    parsed = read_log(text)

    assert parsed.series == {"loss": [0.5, 0.4]}
