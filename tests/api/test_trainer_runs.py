"""Hugging Face Trainer runs: trainer_state.json, output folders, model cards.

hf_trainer_state_eval_nan.json was derived by hand from the real
hf_run/trainer_state.json: eval_loss is NaN from step 36 on, as after an
fp16 overflow, and best_model_checkpoint, best_metric and best_global_step
are what the Trainer would then record (checkpoint-27, because a NaN never
compares as better). Everything else is the real file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.ingest import read_path
from diagnose_api.schemas.log_request import request_from_parsed
from histories import post_json

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
REAL_STATE = LOGS / "hf_run" / "trainer_state.json"
NAN_STATE = LOGS / "hf_trainer_state_eval_nan.json"
EVAL_ONLY = LOGS / "hf_trainer_state_eval_only.json"
TRAINING_LOSS_CHECKS = {
    "generalization_gap_growing",
    "generalization_gap_large",
    "memorization",
    "training_loss_rising",
    "val_below_train",
}


def post_state(client: FlaskClient, path: Path, query: str = "") -> dict[str, Any]:
    response = client.post(
        "/v1/diagnoses" + query, data=path.read_bytes(), content_type="application/json"
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def restore_of(diagnosis: Any) -> Any:
    recommendations = (
        diagnosis["recommendations"]
        if isinstance(diagnosis, dict)
        else [vars(r) for r in diagnosis.recommendations]
    )
    return next(r for r in recommendations if r["action"] == "restore_best_checkpoint")


def test_trainer_state_epochs_and_steps(client: FlaskClient) -> None:
    state = json.loads(REAL_STATE.read_text())
    evaluations = [entry for entry in state["log_history"] if "eval_loss" in entry]
    diagnosis = post_state(client, REAL_STATE)

    assert diagnosis["n_epochs"] == len(evaluations)
    assert diagnosis["first_epoch"] == evaluations[0]["epoch"]
    assert diagnosis["best_epoch"] == evaluations[-1]["epoch"]
    assert diagnosis["best_step"] == evaluations[-1]["step"]
    assert diagnosis["monitor"] == "eval_loss"
    assert diagnosis["roles"]["train_loss"] == "loss"
    assert any("aligned to evaluation rows" in note for note in diagnosis["notes"])
    keras = diagnosis["early_stopping"]["keras"]
    assert keras["best_step"] == evaluations[-1]["step"]


def test_patience_counts_evaluations(client: FlaskClient) -> None:
    # Two training log entries per evaluation: patience counts evaluations only.
    eval_losses = [0.9, 0.7, 0.6, 0.65, 0.7, 0.75]
    log_history: list[dict[str, Any]] = []
    for index, eval_loss in enumerate(eval_losses, start=1):
        log_history.append(
            {"epoch": index - 0.5, "loss": 1.0 / index, "step": 10 * index - 5}
        )
        log_history.append(
            {"epoch": index - 0.1, "loss": 0.9 / index, "step": 10 * index - 1}
        )
        log_history.append(
            {"epoch": float(index), "eval_loss": eval_loss, "step": 10 * index}
        )
    response = post_json(
        client, "/v1/diagnoses?patience=2", {"log_history": log_history}
    )
    keras = response.get_json()["early_stopping"]["keras"]

    assert response.status_code == 200
    assert keras["best_step"] == 30
    assert keras["stopped_step"] == 50
    assert keras["stopped_epoch"] == 5.0


def test_nan_eval_loss_is_diverged(client: FlaskClient) -> None:
    diagnosis = post_state(client, NAN_STATE)
    non_finite = next(f for f in diagnosis["findings"] if f["code"] == "non_finite")
    restore = restore_of(diagnosis)

    assert diagnosis["status"] == "diverged"
    assert diagnosis["best_step"] == 27
    assert diagnosis["best_epoch"] == pytest.approx(2.076923076923077)
    assert non_finite["evidence"]["first_epoch"] == pytest.approx(2.769230769230769)
    assert restore["parameters"]["checkpoint"] == "checkpoint-27"
    assert restore["parameters"]["checkpoint_path"] == "hf_run/checkpoint-27"
    assert restore["parameters"]["agrees_with_trainer"] is True
    assert "inferred from save_steps" in restore["rationale"]


def copy_run(tmp_path: Path, state: Path) -> Path:
    run = tmp_path / "hf_run"
    shutil.copytree(LOGS / "hf_run", run)
    shutil.copy(state, run / "trainer_state.json")
    return run


def diagnose_folder(folder: Path) -> Any:
    request = request_from_parsed(read_path(folder))
    return diagnose(request.history, request.options)


def test_output_folder_names_saved_checkpoint(tmp_path: Path) -> None:
    run = copy_run(tmp_path, NAN_STATE)
    restore = restore_of(diagnose_folder(run))

    assert restore["parameters"]["checkpoint"] == "checkpoint-27"
    assert restore["parameters"]["checkpoint_step"] == 27
    assert "inferred" not in restore["rationale"]


def test_output_folder_without_best_checkpoint(tmp_path: Path) -> None:
    run = copy_run(tmp_path, NAN_STATE)
    shutil.rmtree(run / "checkpoint-27")
    restore = restore_of(diagnose_folder(run))

    assert restore["parameters"]["checkpoint"] == "checkpoint-18"
    assert restore["parameters"]["agrees_with_trainer"] is False
    assert "not among the checkpoints found" in restore["rationale"]


def test_real_output_folder_is_healthy() -> None:
    diagnosis = diagnose_folder(LOGS / "hf_run")

    assert diagnosis.status.value == "healthy"
    assert diagnosis.best_step == 52
    assert "restore_best_checkpoint" not in {
        r.action for r in diagnosis.recommendations
    }


def test_eval_only_run_skips_training_checks(client: FlaskClient) -> None:
    diagnosis = post_state(client, EVAL_ONLY)
    skipped = {check["check"] for check in diagnosis["skipped_checks"]}

    assert diagnosis["status"] == "healthy"
    assert "train_loss" not in diagnosis["roles"]
    assert diagnosis["roles"]["val_loss"] == "eval_loss"
    assert TRAINING_LOSS_CHECKS <= skipped
    assert diagnosis["best_step"] == 52


# The real card, with the first two Training Loss cells changed by hand to
# "No log", as a run whose logging_steps exceed its eval_steps prints them.
CARD = (LOGS / "hf_model_card.md").read_text()
CARD_NO_LOG = CARD.replace("| 0.6715        |", "| No log        |").replace(
    "| 0.6213        |", "| No log        |"
)


@pytest.mark.parametrize(
    "text",
    [CARD_NO_LOG, CARD_NO_LOG[CARD_NO_LOG.index("| Training Loss") :]],
    ids=["whole card", "table only"],
)
def test_model_card_with_no_log_cells(client: FlaskClient, text: str) -> None:
    assert text.count("No log") == 2
    response = client.post("/v1/diagnoses", data=text, content_type="text/plain")
    diagnosis = response.get_json()

    assert response.status_code == 200, diagnosis
    assert diagnosis["n_epochs"] == 6
    assert diagnosis["best_step"] == 52
    assert diagnosis["roles"] == {
        "train_loss": "loss",
        "val_loss": "val_loss",
        "val_accuracy": "val_accuracy",
    }
    assert any("No log" in note for note in diagnosis["notes"])


def test_model_card_matches_trainer_state(client: FlaskClient) -> None:
    from_card = client.post(
        "/v1/diagnoses", data=CARD, content_type="text/plain"
    ).get_json()
    from_state = post_state(client, REAL_STATE)

    assert from_card["status"] == from_state["status"]
    assert from_card["best_step"] == from_state["best_step"]


MALFORMED_STATES = [
    (
        "no evaluations",
        {"log_history": [{"epoch": 1.0, "loss": 0.5, "step": 10}]},
        "eval_strategy",
    ),
    (
        "value not a number",
        {
            "log_history": [
                {"epoch": 1.0, "eval_loss": 0.5, "step": 10},
                {"epoch": 2.0, "eval_loss": [0.4], "step": 20},
            ]
        },
        "line 10",
    ),
    (
        "epoch as text",
        {"log_history": [{"epoch": "one", "eval_loss": 0.5, "step": 10}]},
        "expected a number as 'epoch'",
    ),
]


@pytest.mark.parametrize(
    ("state", "fragment"),
    [case[1:] for case in MALFORMED_STATES],
    ids=[case[0] for case in MALFORMED_STATES],
)
def test_malformed_trainer_state(
    client: FlaskClient, state: dict[str, Any], fragment: str
) -> None:
    response = client.post(
        "/v1/diagnoses",
        data=json.dumps(state, indent=2),
        content_type="application/json",
    )
    problem = response.get_json()

    assert response.status_code == 422
    assert list(problem["errors"]) == ["body"]
    assert fragment in problem["detail"]


def test_json_request_shape_unchanged(client: FlaskClient) -> None:
    body = {"history": {"loss": [1.0, 0.8, 0.7], "val_loss": [1.1, 0.9, 0.8]}}
    response = post_json(client, "/v1/diagnoses", body)

    assert response.status_code == 200
    assert response.get_json()["best_step"] is None
    assert response.get_json()["notes"] == []
