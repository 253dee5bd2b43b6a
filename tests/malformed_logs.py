"""Malformed logs of every text format, with the line each reader must name.

Shared by the reader tests and the HTTP tests, which post the same files.
"""

from __future__ import annotations

import json

TRAINER_STATE_BAD_VALUE = json.dumps(
    {
        "log_history": [
            {"epoch": 1.0, "loss": 0.5, "step": 10},
            {"epoch": 1.0, "eval_loss": "abc", "step": 10},
        ]
    },
    indent=2,
)
TRAINER_STATE_NO_STEP = json.dumps(
    {
        "log_history": [
            {"epoch": 1.0, "loss": 0.5, "step": 10},
            {"epoch": 2.0, "eval_loss": 0.4},
        ]
    },
    indent=2,
)
MLFLOW_BAD_VALUE = json.dumps(
    {
        "metrics": [
            {"key": "loss", "value": 0.5, "timestamp": 1, "step": 0},
            {"key": "loss", "value": "high", "timestamp": 2, "step": 1},
        ]
    },
    indent=2,
)
MLFLOW_BAD_STEP = json.dumps(
    {
        "metrics": [
            {"key": "loss", "value": 0.5, "timestamp": 1, "step": 0},
            {"key": "loss", "value": 0.4, "timestamp": 2, "step": 1.5},
        ]
    },
    indent=2,
)
CARD_HEADER = (
    "## Training results\n\n"
    "| Training Loss | Epoch | Step | Validation Loss | Accuracy |\n"
    "|:---:|:---:|:---:|:---:|:---:|\n"
)

MALFORMED = [
    # (id, format, text, line, message pattern)
    (
        "keras_csv-bad-cell",
        "keras_csv",
        "epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,abc\n",
        3,
        r"line 3: expected a number in column 'val_loss', got 'abc'",
    ),
    (
        "keras_csv-short-row",
        "keras_csv",
        "epoch,loss,val_loss\n0,0.5,0.6\n1,0.4\n",
        3,
        r"line 3: expected 3 cells as in the header at line 1, got 2 cells",
    ),
    (
        "keras_csv-bad-epoch",
        "keras_csv",
        "epoch,loss\n0,0.5\n1.5,0.4\n",
        3,
        r"line 3: expected a whole epoch index",
    ),
    (
        "keras_csv-repeated-column",
        "keras_csv",
        "epoch,loss,loss\n0,0.5,0.5\n",
        1,
        r"line 1: expected each column name once, got 'loss' twice",
    ),
    (
        "keras_csv-decreasing-after-restart",
        "keras_csv",
        "epoch,loss\n0,0.9\n1,0.8\n2,0.7\n1,0.6\n0,0.5\n",
        6,
        r"line 6: expected epochs that increase again after the restart at line 5",
    ),
    (
        "lightning_csv-bad-cell",
        "lightning_csv",
        "epoch,step,train_loss_epoch,val_loss\n0,9,0.5,\n0,9,,x1\n",
        3,
        r"line 3: expected a number in column 'val_loss', got 'x1'",
    ),
    (
        "lightning_csv-bad-step",
        "lightning_csv",
        "epoch,step,val_loss\n0,9,0.5\n1,-3,0.4\n",
        3,
        r"line 3: expected a whole number of 0 or more in column 'step'",
    ),
    (
        "keras_console-bad-value",
        "keras_console",
        (
            "Epoch 1/3\n10/10 [====] - 1s - loss: 0.5\nEpoch 2/3\n"
            "10/10 [====] - 1s - loss: oops - acc: 0.5\nEpoch 3/3\n"
        ),
        4,
        r"line 4: expected a number after 'loss:', got 'oops'",
    ),
    (
        "keras_console-no-metrics",
        "keras_console",
        "Epoch 1/3\nEpoch 2/3\n",
        None,
        r"expected at least one row of metric values, got none",
    ),
    (
        "pytorch_console-bad-value",
        "pytorch_console",
        (
            "Epoch 1 | train loss 0.5 | val loss 0.6\n"
            "Epoch 2 | train loss: n/a | val loss 0.5\n"
            "Epoch 3 | train loss 0.3 | val loss 0.4\n"
        ),
        2,
        r"line 2: expected a number after 'train loss:', got 'n/a'",
    ),
    (
        "jsonl-broken-line",
        "jsonl",
        '{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "loss": 0.4\n',
        2,
        r"line 2: expected one JSON object per line",
    ),
    (
        "jsonl-text-in-number-field",
        "jsonl",
        '{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "loss": "low"}\n',
        2,
        r"line 2: expected a number or null in field 'loss', got '\"low\"'",
    ),
    (
        "jsonl-missing-epoch",
        "jsonl",
        '{"epoch": 1, "loss": 0.5}\n{"loss": 0.4}\n',
        2,
        r"line 2: expected an 'epoch' field, as on line 1",
    ),
    (
        "jsonl-infinite-epoch",
        "jsonl",
        '{"epoch": 1, "loss": 0.5}\n{"epoch": Infinity, "loss": 0.4}\n',
        2,
        r"line 2: expected a finite epoch number, got inf",
    ),
    (
        "jsonl-array-line",
        "jsonl",
        '{"epoch": 1, "loss": 0.5}\n\n[1, 2]\n',
        3,
        r"line 3: expected a JSON object, got a JSON list",
    ),
    (
        "mlflow_json-bad-value",
        "mlflow_json",
        MLFLOW_BAD_VALUE,
        11,
        r"line 11: expected a number as the value of 'loss', got \"'high'\"",
    ),
    (
        "mlflow_json-bad-step",
        "mlflow_json",
        MLFLOW_BAD_STEP,
        13,
        r"line 13: expected a whole step number for 'loss', got '1.5'",
    ),
    (
        "mlflow_json-invalid-json",
        "mlflow_json",
        '{\n  "metrics": [\n    {"key": "loss", "value": 0.5,}\n  ]\n}\n',
        3,
        r"line 3: expected valid JSON",
    ),
    (
        "mlflow_json-wrong-shape",
        "mlflow_json",
        '"loss"',
        1,
        r"line 1: expected an object with a 'metrics' list",
    ),
    (
        "hf_trainer_state-bad-value",
        "hf_trainer_state",
        TRAINER_STATE_BAD_VALUE,
        10,
        r"line 10: expected a number as 'eval_loss', got \"'abc'\"",
    ),
    (
        "hf_trainer_state-no-step",
        "hf_trainer_state",
        TRAINER_STATE_NO_STEP,
        8,
        r"line 8: expected a whole 'step' of 0 or more, got 'None'",
    ),
    (
        "hf_trainer_state-no-log-history",
        "hf_trainer_state",
        '{\n  "global_step": 3\n}\n',
        1,
        r"line 1: expected an object with a 'log_history' list",
    ),
    (
        "hf_model_card-bad-cell",
        "hf_model_card",
        CARD_HEADER
        + "| No log | 1.0 | 7 | 0.69 | 0.5 |\n| 0.6 | 2.0 | 14 | n/a | 0.6 |\n",
        6,
        r"line 6: expected a number or 'No log' in column 'Validation Loss'",
    ),
    (
        "hf_model_card-short-row",
        "hf_model_card",
        CARD_HEADER + "| No log | 1.0 | 7 | 0.69 |\n",
        5,
        r"line 5: expected 5 cells as in the header at line 3, got 4 cells",
    ),
    (
        "hf_model_card-bad-step",
        "hf_model_card",
        CARD_HEADER + "| No log | 1.0 | 7.5 | 0.69 | 0.5 |\n",
        5,
        r"line 5: expected a whole step number of 0 or more in column 'Step'",
    ),
    (
        "hf_model_card-no-separator",
        "hf_model_card",
        "| Training Loss | Epoch | Step | Validation Loss |\n| 0.5 | 1.0 | 7 | 0.6 |\n",
        2,
        r"line 2: expected the table's separator row",
    ),
]
