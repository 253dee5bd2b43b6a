"""POST /v1/diagnoses/batch: per-run results, errors, ranking, counts, limits."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_core import OpenAPI

from diagnose_api import create_app
from histories import post_json
from openapi_check import check_response
from openapi_check import load_openapi

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
TRAIN = [1.08, 0.82, 0.65, 0.52, 0.39, 0.28, 0.19, 0.12, 0.07]
OVERFIT = {
    "loss": TRAIN,
    "val_loss": [1.07, 1.0, 0.98, 1.0, 1.03, 1.1, 1.16, 1.27, 1.35],
    "val_accuracy": [0.6, 0.62, 0.66, 0.67, 0.66, 0.65, 0.64, 0.63, 0.62],
}
HEALTHY = {
    "loss": TRAIN,
    "val_loss": [1.1, 0.9, 0.75, 0.64, 0.56, 0.5, 0.46, 0.43, 0.41],
    "val_accuracy": [0.55, 0.6, 0.66, 0.7, 0.72, 0.74, 0.75, 0.76, 0.77],
}
TRAIN_ONLY = {"loss": TRAIN}


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return load_openapi()


def post_batch(client: FlaskClient, runs: Any, **extra: Any) -> Any:
    return post_json(client, "/v1/diagnoses/batch", {"runs": runs, **extra})


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {run["name"]: run for run in body["runs"]}


def test_batch_with_one_broken_run(client: FlaskClient, openapi: OpenAPI) -> None:
    runs = [
        {"name": "lr=0.1", "history": OVERFIT},
        {
            "name": "lr=0.01",
            "history": {"loss": [1.0, "x", 0.5], "val_loss": [1, 1, 1]},
        },
        {"name": "lr=0.001", "history": HEALTHY},
    ]
    response = post_batch(client, runs)
    body = response.get_json()
    results = by_name(body)

    assert response.status_code == 200
    check_response(openapi, response)
    assert results["lr=0.1"]["diagnosis"]["status"] == "overfitting"
    assert results["lr=0.001"]["diagnosis"]["status"] == "healthy"
    broken = results["lr=0.01"]
    assert broken["diagnosis"] is None
    assert broken["index"] == 1
    assert broken["error"]["status"] == 422
    assert "runs[1].history.loss[1]" in broken["error"]["errors"]
    assert broken["error"]["detail"].startswith("runs[1].history.loss[1]:")
    assert body["counts"]["error"] == 1
    assert body["counts"]["overfitting"] == 1
    assert body["counts"]["healthy"] == 1
    assert body["ranking"] == ["lr=0.001", "lr=0.1"]


def test_counts_have_every_status(client: FlaskClient) -> None:
    body = post_batch(client, [{"name": "a", "history": HEALTHY}]).get_json()

    assert body["counts"] == {
        "overfitting": 0,
        "underfitting": 0,
        "unstable": 0,
        "diverged": 0,
        "healthy": 1,
        "insufficient_data": 0,
        "error": 0,
    }


def test_ranking_lowest_validation_loss_first(client: FlaskClient) -> None:
    nan_val = dict(HEALTHY, val_loss=[math.nan] * 9)
    runs = [
        {"name": "train-only", "history": TRAIN_ONLY},
        {"name": "overfit", "history": OVERFIT},
        {"name": "all-nan", "history": nan_val},
        {"name": "healthy", "history": HEALTHY},
    ]
    body = post_batch(client, runs).get_json()

    assert body["ranking"] == ["healthy", "overfit", "train-only", "all-nan"]


def test_ranking_follows_monitor_direction(client: FlaskClient) -> None:
    runs = [
        {"name": "overfit", "history": OVERFIT},
        {"name": "healthy", "history": HEALTHY},
    ]
    body = post_batch(client, runs, options={"monitor": "val_accuracy"}).get_json()
    results = by_name(body)

    assert results["healthy"]["diagnosis"]["mode"] == "max"
    assert body["ranking"] == ["healthy", "overfit"]


def test_options_apply_to_every_run(client: FlaskClient) -> None:
    runs = [{"name": "a", "history": OVERFIT}, {"name": "b", "history": HEALTHY}]
    body = post_batch(client, runs, options={"patience": 2}).get_json()

    for run in body["runs"]:
        assert (
            run["diagnosis"]["early_stopping"]["keras"]["parameters"]["patience"] == 2
        )


def test_run_without_monitored_series_fails_alone(client: FlaskClient) -> None:
    runs = [
        {"name": "with", "history": OVERFIT},
        {"name": "without", "history": TRAIN_ONLY},
    ]
    body = post_batch(client, runs, options={"monitor": "val_accuracy"}).get_json()
    results = by_name(body)

    assert results["with"]["diagnosis"] is not None
    assert "runs[1].options.monitor" in results["without"]["error"]["errors"]


def test_log_runs_read_by_format(client: FlaskClient) -> None:
    runs = [
        {"name": "keras", "log": (LOGS / "keras_csvlogger.csv").read_text()},
        {
            "name": "trainer",
            "log": (LOGS / "hf_run" / "trainer_state.json").read_text(),
            "format": "hf_trainer_state",
        },
        {"name": "card", "log": (LOGS / "hf_model_card.md").read_text()},
    ]
    body = post_batch(client, runs).get_json()
    results = by_name(body)

    assert results["keras"]["diagnosis"]["n_epochs"] == 6
    assert results["trainer"]["diagnosis"]["best_step"] == 52
    assert results["card"]["diagnosis"]["best_step"] == 52
    assert body["counts"]["error"] == 0


def test_broken_log_run_names_line(client: FlaskClient) -> None:
    runs = [
        {"name": "good", "history": HEALTHY},
        {"name": "bad", "log": "epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,abc\n"},
    ]
    body = post_batch(client, runs).get_json()
    error = by_name(body)["bad"]["error"]

    assert "line 3" in error["errors"]["runs[1].log"][0]
    assert by_name(body)["good"]["diagnosis"] is not None


BAD_RUNS: list[tuple[str, Any, str, str]] = [
    ("not an object", 5, "runs[1]", "Expected an object"),
    ("no name", {"history": HEALTHY}, "runs[1].name", "Missing data"),
    ("empty name", {"name": "", "history": HEALTHY}, "runs[1].name", "Length"),
    ("no data", {"name": "x"}, "runs[1]", "exactly one"),
    (
        "history and log",
        {"name": "x", "history": HEALTHY, "log": "epoch,loss\n"},
        "runs[1]",
        "exactly one",
    ),
    (
        "format without log",
        {"name": "x", "history": HEALTHY, "format": "jsonl"},
        "runs[1].format",
        "'log' only",
    ),
    (
        "epochs with log",
        {"name": "x", "log": "a", "epochs": [1, 2, 3]},
        "runs[1].epochs",
        "own epochs",
    ),
    (
        "unknown format",
        {"name": "x", "log": "a", "format": "csv"},
        "runs[1].format",
        "Must be one of",
    ),
    (
        "unknown field",
        {"name": "x", "history": HEALTHY, "options": {}},
        "runs[1].options",
        "Unknown field",
    ),
    (
        "too short",
        {"name": "x", "history": {"loss": [1.0, 0.5]}},
        "runs[1].history",
        "at least 3",
    ),
    (
        "short log",
        {"name": "x", "log": "epoch,loss\n0,0.5\n1,0.4\n"},
        "runs[1].log",
        "at least 3",
    ),
    (
        "duplicate name",
        {"name": "first", "history": HEALTHY},
        "runs[1].name",
        "Repeats the name of runs[0]",
    ),
]


@pytest.mark.parametrize(
    ("run", "path", "fragment"),
    [case[1:] for case in BAD_RUNS],
    ids=[case[0] for case in BAD_RUNS],
)
def test_bad_run_gets_error_entry(
    client: FlaskClient, run: Any, path: str, fragment: str
) -> None:
    response = post_batch(client, [{"name": "first", "history": HEALTHY}, run])
    body = response.get_json()
    entry = body["runs"][1]

    assert response.status_code == 200
    assert body["runs"][0]["diagnosis"]["status"] == "healthy"
    assert entry["diagnosis"] is None
    assert path in entry["error"]["errors"], entry["error"]["errors"]
    assert fragment in " ".join(entry["error"]["errors"][path])
    assert body["ranking"] == ["first"]


BAD_ENVELOPES: list[tuple[str, Any, str, str]] = [
    ("runs missing", {"options": {}}, "runs", "Missing data"),
    ("runs not a list", {"runs": {"a": 1}}, "runs", "Expected a list of runs"),
    ("runs empty", {"runs": []}, "runs", "empty"),
    (
        "unknown field",
        {"runs": [{"name": "a", "history": HEALTHY}], "run": 1},
        "run",
        "Unknown field",
    ),
    (
        "bad options",
        {"runs": [{"name": "a", "history": HEALTHY}], "options": {"patience": -1}},
        "options.patience",
        "greater than or equal to 0",
    ),
    ("body a list", [1], "_schema", "'runs' list"),
]


@pytest.mark.parametrize(
    ("body", "path", "fragment"),
    [case[1:] for case in BAD_ENVELOPES],
    ids=[case[0] for case in BAD_ENVELOPES],
)
def test_bad_envelope_is_422(
    client: FlaskClient, openapi: OpenAPI, body: Any, path: str, fragment: str
) -> None:
    response = post_json(client, "/v1/diagnoses/batch", body)
    problem = response.get_json()

    assert response.status_code == 422
    check_response(openapi, response)
    assert path in problem["errors"], problem["errors"]
    assert fragment in " ".join(problem["errors"][path])


def test_batch_rejects_non_json(client: FlaskClient) -> None:
    response = client.post("/v1/diagnoses/batch", data="a,b", content_type="text/csv")
    assert response.status_code == 415


@pytest.mark.parametrize(("n_runs", "status"), [(4, 200), (5, 422)])
def test_batch_limit_boundary(n_runs: int, status: int) -> None:
    app = create_app({"TESTING": True, "MAX_BATCH_RUNS": 4})
    runs = [{"name": f"run-{index}", "history": HEALTHY} for index in range(n_runs)]
    response = post_batch(app.test_client(), runs)
    body = response.get_json()

    assert response.status_code == status
    if status == 200:
        assert len(body["runs"]) == n_runs
    else:
        assert "5 runs exceed the limit of 4" in body["errors"]["runs"][0]
        assert "DIAGNOSE_MAX_BATCH_RUNS" in body["detail"]


def test_default_limit_one_past(client: FlaskClient) -> None:
    limit = client.application.config["MAX_BATCH_RUNS"]
    runs = [{"name": f"run-{index}", "history": HEALTHY} for index in range(limit + 1)]
    response = post_batch(client, runs)

    assert limit == 200
    assert response.status_code == 422
    assert f"limit of {limit}" in response.get_json()["detail"]
