"""POST /v1/diagnoses: good requests and every kind of bad input."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from diagnose_api import create_app
from histories import post_json

OVERFIT = {
    "loss": [1.08, 0.82, 0.65, 0.52, 0.39, 0.28, 0.19, 0.12, 0.07],
    "val_loss": [1.07, 1.0, 0.98, 1.0, 1.03, 1.1, 1.16, 1.27, 1.35],
}


def test_keras_history_diagnosed(client: FlaskClient) -> None:
    response = post_json(client, "/v1/diagnoses", {"history": OVERFIT})
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "overfitting"
    assert body["best_epoch"] == 3
    assert body["recommendations"][0]["action"] == "early_stopping"


def test_records_form_equals_history_form(client: FlaskClient) -> None:
    records = [
        {"epoch": i + 1, "loss": t, "val_loss": v}
        for i, (t, v) in enumerate(zip(OVERFIT["loss"], OVERFIT["val_loss"]))
    ]
    from_records = post_json(client, "/v1/diagnoses", {"records": records}).get_json()
    from_history = post_json(client, "/v1/diagnoses", {"history": OVERFIT}).get_json()
    assert from_records == from_history


def test_epochs_keep_client_numbering(client: FlaskClient) -> None:
    epochs = [76, 77, 78, 79, 80, 81, 82, 83, 84]
    body = {"history": OVERFIT, "epochs": epochs}
    diagnosis = post_json(client, "/v1/diagnoses", body).get_json()
    assert diagnosis["best_epoch"] == 78
    assert diagnosis["first_epoch"] == 76
    assert diagnosis["last_epoch"] == 84


def test_nan_tokens_accepted_and_response_strict(client: FlaskClient) -> None:
    history = {"loss": [0.9, 0.7, math.nan, math.inf], "val_loss": [1.0, 0.8, math.nan, None]}
    response = post_json(client, "/v1/diagnoses", {"history": history})
    assert response.status_code == 200
    body = json.loads(response.get_data(as_text=True), parse_constant=reject_constant)
    assert body["status"] == "diverged"
    non_finite = [f for f in body["findings"] if f["code"] == "non_finite"]
    assert non_finite[0]["evidence"]["first_epoch"] == 3


def reject_constant(token: str) -> None:
    raise AssertionError(f"response carries the non-standard JSON token {token}")


def test_null_marks_missing_epoch(client: FlaskClient) -> None:
    history = {"loss": [0.9, 0.7, 0.6, 0.5, 0.45], "val_loss": [1.0, None, 0.8, None, 0.7]}
    body = post_json(client, "/v1/diagnoses", {"history": history}).get_json()
    codes = {f["code"] for f in body["findings"]}
    assert "non_finite" not in codes
    assert "sparse_epochs" in codes


def test_options_replay_keras_rule(client: FlaskClient) -> None:
    body = {"history": OVERFIT, "options": {"patience": 2, "min_delta": 0.01}}
    diagnosis = post_json(client, "/v1/diagnoses", body).get_json()
    keras = diagnosis["early_stopping"]["keras"]
    assert keras["parameters"]["patience"] == 2
    assert keras["stopped_epoch"] == 5
    assert keras["best_epoch"] == 3


def test_monitor_accuracy_uses_max_mode(client: FlaskClient) -> None:
    history = dict(OVERFIT, val_accuracy=[0.6, 0.62, 0.66, 0.67, 0.66, 0.65, 0.64, 0.63, 0.62])
    body = {"history": history, "options": {"monitor": "val_accuracy"}}
    diagnosis = post_json(client, "/v1/diagnoses", body).get_json()
    assert diagnosis["mode"] == "max"
    assert diagnosis["best_epoch"] == 4


def test_request_id_echoed(client: FlaskClient) -> None:
    response = client.post(
        "/v1/diagnoses",
        data=json.dumps({"history": OVERFIT}),
        content_type="application/json",
        headers={"X-Request-ID": "abc-123"},
    )
    assert response.headers["X-Request-ID"] == "abc-123"


BAD_BODIES: list[tuple[str, Any, str, str]] = [
    ("string in series", {"history": {"loss": [1.0, "0.5", 0.4]}}, "history.loss[1]", "string"),
    ("boolean in series", {"history": {"loss": [1.0, True, 0.4]}}, "history.loss[1]", "boolean"),
    ("nested list", {"history": {"loss": [1.0, [0.5], 0.4]}}, "history.loss[1]", "nested list"),
    ("empty series", {"history": {"loss": []}}, "history.loss", "empty"),
    ("series not a list", {"history": {"loss": 0.5}}, "history.loss", "list of numbers"),
    ("two epochs", {"history": {"loss": [1.0, 0.5]}}, "history", "at least 3"),
    (
        "different lengths",
        {"history": {"loss": [1.0, 0.5, 0.4], "val_loss": [1.0, 0.9]}},
        "history",
        "different lengths",
    ),
    (
        "length differs from epochs",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "epochs": [1, 2, 3, 4]},
        "history.loss",
        "'epochs' has 4",
    ),
    (
        "duplicate epoch",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "epochs": [1, 2, 2]},
        "epochs[2]",
        "repeats",
    ),
    (
        "decreasing epoch",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "epochs": [3, 2, 4]},
        "epochs[1]",
        "lower than",
    ),
    (
        "nan epoch",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "epochs": [1, math.nan, 3]},
        "epochs[1]",
        "finite",
    ),
    (
        "null epoch",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "epochs": [1, None, 3]},
        "epochs[1]",
        "Expected a number",
    ),
    ("no loss series", {"history": {"accuracy": [0.1, 0.2, 0.3]}}, "history", "No loss series"),
    ("empty history", {"history": {}}, "history", "no series"),
    ("history not object", {"history": [1, 2, 3]}, "history", "Expected an object"),
    (
        "unknown option",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "options": {"patiense": 3}},
        "options.patiense",
        "Unknown option",
    ),
    (
        "negative patience",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "options": {"patience": -1}},
        "options.patience",
        "greater than or equal to 0",
    ),
    (
        "patience as string",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "options": {"patience": "3"}},
        "options.patience",
        "integer",
    ),
    (
        "bad mode",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "options": {"mode": "lowest"}},
        "options.mode",
        "Must be one of",
    ),
    (
        "monitor not in history",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "options": {"monitor": "val_loss"}},
        "options.monitor",
        "not a series",
    ),
    (
        "monitor direction unknown",
        {"history": {"loss": [1.0, 0.5, 0.4], "zeta": [1, 2, 3]}, "options": {"monitor": "zeta"}},
        "options.mode",
        "set mode",
    ),
    ("unknown top-level field", {"history": {"loss": [1.0, 0.5, 0.4]}, "hist": {}}, "hist", "Unknown field"),
    ("neither history nor records", {"epochs": [1, 2, 3]}, "_schema", "exactly one"),
    (
        "both history and records",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "records": [{"loss": 1.0}]},
        "_schema",
        "exactly one",
    ),
    (
        "record with string",
        {"records": [{"loss": 1.0}, {"loss": "x"}, {"loss": 0.5}]},
        "records[1].loss",
        "string",
    ),
    ("records empty", {"records": []}, "records", "empty"),
    (
        "huge integer",
        {"history": {"loss": [1.0, 10**400, 0.4]}},
        "history.loss[1]",
        "too large",
    ),
    ("body is a list", [1, 2, 3], "_schema", "JSON object"),
    (
        "steps wrong length",
        {"history": {"loss": [1.0, 0.5, 0.4]}, "steps": [10, 20]},
        "steps",
        "2 values for 3",
    ),
]


@pytest.mark.parametrize(
    ("body", "path", "fragment"),
    [case[1:] for case in BAD_BODIES],
    ids=[case[0] for case in BAD_BODIES],
)
def test_bad_body_names_field(client: FlaskClient, body: Any, path: str, fragment: str) -> None:
    response = post_json(client, "/v1/diagnoses", body)
    problem = response.get_json()
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert path in problem["errors"], problem["errors"]
    assert fragment in " ".join(problem["errors"][path])
    expected_start = fragment if path == "_schema" else path
    assert expected_start in problem["detail"]


def test_not_json_is_400(client: FlaskClient) -> None:
    response = client.post("/v1/diagnoses", data="{loss: [1,", content_type="application/json")
    problem = response.get_json()
    assert response.status_code == 400
    assert "line 1" in problem["detail"]


def test_empty_body_is_400(client: FlaskClient) -> None:
    response = client.post("/v1/diagnoses", data="", content_type="application/json")
    assert response.status_code == 400


def test_wrong_content_type_is_415(client: FlaskClient) -> None:
    response = client.post("/v1/diagnoses", data="loss=1", content_type="application/x-www-form-urlencoded")
    problem = response.get_json()
    assert response.status_code == 415
    assert "application/json" in problem["detail"]


def test_body_over_limit_is_413(tmp_path) -> None:
    app: Flask = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 1000})
    body = {"history": {"loss": [0.5] * 1000}}
    response = post_json(app.test_client(), "/v1/diagnoses", body)
    assert response.status_code == 413
    assert "1000 bytes" in response.get_json()["detail"]


def test_series_over_limit_is_422() -> None:
    app = create_app({"TESTING": True, "MAX_EPOCHS": 10})
    response = post_json(app.test_client(), "/v1/diagnoses", {"history": {"loss": [0.5] * 11}})
    assert response.status_code == 422
    assert "limit of 10" in response.get_json()["errors"]["history.loss"][0]


def test_changed_limit_applies_next_request() -> None:
    """The request schema is built once per application but reads its limits live."""
    app = create_app({"TESTING": True})
    client = app.test_client()
    body = {"history": {"loss": [0.5] * 11}}
    assert post_json(client, "/v1/diagnoses", body).status_code == 200
    app.config["MAX_EPOCHS"] = 10
    response = post_json(client, "/v1/diagnoses", body)
    assert response.status_code == 422
    assert "limit of 10" in response.get_json()["errors"]["history.loss"][0]
    other = create_app({"TESTING": True, "MAX_EPOCHS": 20})
    assert post_json(other.test_client(), "/v1/diagnoses", body).status_code == 200


def test_too_many_series_is_422() -> None:
    app = create_app({"TESTING": True, "MAX_SERIES": 2})
    history = {"loss": [1, 0.5, 0.4], "val_loss": [1, 0.6, 0.5], "acc": [0.1, 0.2, 0.3]}
    response = post_json(app.test_client(), "/v1/diagnoses", {"history": history})
    assert response.status_code == 422
    assert "limit of 2" in response.get_json()["errors"]["history"][0]


def test_unknown_route_is_problem_json(client: FlaskClient) -> None:
    response = client.get("/v1/nothing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_wrong_method_is_405(client: FlaskClient) -> None:
    response = client.get("/v1/diagnoses")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_log_level_any_case(monkeypatch) -> None:
    monkeypatch.setenv("DIAGNOSE_LOG_LEVEL", "warning")
    app = create_app({"TESTING": True})
    assert app.config["LOG_LEVEL"] == "WARNING"
