"""POST /v1/diagnoses with log files: content types, multipart, options, errors."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_core import OpenAPI

from diagnose_api.ingest import read_path
from histories import post_json
from malformed_logs import MALFORMED
from openapi_check import check_response
from openapi_check import load_openapi

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"

# (file, content type, format the service must detect)
LOGGER_FILES = [
    ("keras_csvlogger.csv", "text/csv", "keras_csv"),
    ("keras_csvlogger_nan.csv", "text/csv", "keras_csv"),
    ("keras_csvlogger_valfreq2.csv", "text/csv", "keras_csv"),
    ("lightning_metrics.csv", "text/csv", "lightning_csv"),
    ("keras_console_verbose1.txt", "text/plain", "keras_console"),
    ("keras_console_verbose2.txt", "text/plain", "keras_console"),
    ("hf_model_card.md", "text/plain", "hf_model_card"),
    ("hf_model_card.md", "text/markdown", "hf_model_card"),
    ("hf_run/trainer_state.json", "application/json", "hf_trainer_state"),
    ("hf_trainer_state_eval_only.json", "application/json", "hf_trainer_state"),
    ("hf_trainer_state_eval_nan.json", "application/json", "hf_trainer_state"),
    ("events.out.tfevents.fixture", "application/octet-stream", "tensorboard"),
]
OVERFIT_CSV = "epoch,loss,val_loss\n" + "".join(
    f"{epoch},{train},{val}\n"
    for epoch, (train, val) in enumerate(
        zip(
            [1.08, 0.82, 0.65, 0.52, 0.39, 0.28, 0.19, 0.12, 0.07],
            [1.07, 1.0, 0.98, 1.0, 1.03, 1.1, 1.16, 1.27, 1.35],
        )
    )
)


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return load_openapi()


def post_file(client: FlaskClient, name: str, query: str = "", **data: Any) -> Any:
    """Upload a fixture as the 'file' part of a multipart body."""
    path = LOGS / name
    data["file"] = (io.BytesIO(path.read_bytes()), path.name)
    return client.post(
        "/v1/diagnoses" + query, data=data, content_type="multipart/form-data"
    )


def expected_diagnosis(client: FlaskClient, name: str) -> dict[str, Any]:
    """The diagnosis of the fixture's parsed series, sent as a JSON body."""
    parsed = read_path(LOGS / name)
    body: dict[str, Any] = {"history": parsed.series}
    if parsed.epochs is not None:
        body["epochs"] = parsed.epochs
    if parsed.steps is not None:
        body["steps"] = parsed.steps
    response = post_json(client, "/v1/diagnoses", body)
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.parametrize(
    ("name", "content_type", "format"),
    LOGGER_FILES,
    ids=[f"{name}-{kind}" for name, kind, _ in LOGGER_FILES],
)
def test_logger_file_by_content_type(
    client: FlaskClient, openapi: OpenAPI, name: str, content_type: str, format: str
) -> None:
    response = client.post(
        "/v1/diagnoses",
        data=(LOGS / name).read_bytes(),
        content_type=content_type,
    )
    diagnosis = response.get_json()
    expected = expected_diagnosis(client, name)

    assert response.status_code == 200, diagnosis
    check_response(openapi, response)
    assert diagnosis["status"] == expected["status"]
    assert diagnosis["best_epoch"] == expected["best_epoch"]
    assert diagnosis["findings"] == expected["findings"]
    assert diagnosis["notes"] == list(read_path(LOGS / name).notes)


@pytest.mark.parametrize(
    "name", sorted({name for name, _, _ in LOGGER_FILES}), ids=lambda name: name
)
def test_logger_file_via_multipart(client: FlaskClient, name: str) -> None:
    response = post_file(client, name)
    diagnosis = response.get_json()
    expected = expected_diagnosis(client, name)

    assert response.status_code == 200, diagnosis
    assert diagnosis["status"] == expected["status"]
    assert diagnosis["best_epoch"] == expected["best_epoch"]
    assert diagnosis["best_step"] == expected["best_step"]
    assert [f["code"] for f in diagnosis["findings"]] == [
        f["code"] for f in expected["findings"]
    ]


def test_csv_diagnosed_as_overfitting(client: FlaskClient) -> None:
    response = client.post("/v1/diagnoses", data=OVERFIT_CSV, content_type="text/csv")
    diagnosis = response.get_json()

    assert response.status_code == 200
    assert diagnosis["status"] == "overfitting"
    assert diagnosis["best_epoch"] == 3
    assert diagnosis["first_epoch"] == 1
    assert any("plus 1" in note for note in diagnosis["notes"])


def test_ndjson_body(client: FlaskClient) -> None:
    lines = [
        json.dumps(
            {
                "epoch": index + 1,
                "loss": 1.0 / (index + 1),
                "val_loss": 1.2 / (index + 1),
            }
        )
        for index in range(6)
    ]
    for content_type in ("application/x-ndjson", "application/jsonl"):
        response = client.post(
            "/v1/diagnoses", data="\n".join(lines), content_type=content_type
        )
        assert response.status_code == 200, content_type
        assert response.get_json()["n_epochs"] == 6


def test_mlflow_history_as_json(client: FlaskClient) -> None:
    metrics = [
        {"key": key, "value": value, "timestamp": 1000 + step, "step": step}
        for step in range(6)
        for key, value in (("loss", 1.0 / (step + 1)), ("val_loss", 1.1 / (step + 1)))
    ]
    response = post_json(client, "/v1/diagnoses", {"metrics": metrics})
    diagnosis = response.get_json()

    assert response.status_code == 200, diagnosis
    assert diagnosis["n_epochs"] == 6
    assert diagnosis["best_step"] == 5
    assert any("MLflow" in note for note in diagnosis["notes"])


def test_format_parameter_overrides_detection(client: FlaskClient) -> None:
    # A Keras CSVLogger file read as Lightning's: no step column, so it fails.
    response = client.post(
        "/v1/diagnoses?format=lightning_csv", data=OVERFIT_CSV, content_type="text/csv"
    )
    problem = response.get_json()

    assert response.status_code == 422
    assert "lightning_csv" in problem["detail"]
    assert list(problem["errors"]) == ["body"]


def test_format_parameter_reads_trainer_state(client: FlaskClient) -> None:
    data = (LOGS / "hf_run" / "trainer_state.json").read_bytes()
    response = client.post(
        "/v1/diagnoses?format=hf_trainer_state", data=data, content_type="text/plain"
    )
    assert response.status_code == 200
    assert response.get_json()["best_step"] == 52


def test_unknown_format_parameter_is_422(client: FlaskClient) -> None:
    response = client.post(
        "/v1/diagnoses?format=csv", data=OVERFIT_CSV, content_type="text/csv"
    )
    problem = response.get_json()

    assert response.status_code == 422
    assert "keras_csv" in problem["errors"]["query.format"][0]


def test_query_options_applied(client: FlaskClient) -> None:
    response = client.post(
        "/v1/diagnoses?patience=2&min_delta=0.01&check_finite=false",
        data=OVERFIT_CSV,
        content_type="text/csv",
    )
    keras = response.get_json()["early_stopping"]["keras"]
    lightning = response.get_json()["early_stopping"]["lightning"]

    assert response.status_code == 200
    assert keras["parameters"]["patience"] == 2
    assert keras["parameters"]["min_delta"] == 0.01
    assert keras["stopped_epoch"] == 5
    assert lightning["parameters"]["check_finite"] is False


BAD_QUERIES = [
    ("patience=-1", "query.patience", "greater than or equal to 0"),
    ("patience=2.5", "query.patience", "integer"),
    ("patiense=3", "query.patiense", "Unknown option"),
    ("min_delta=abc", "query.min_delta", "number"),
    ("mode=lowest", "query.mode", "Must be one of"),
    ("monitor=val_acc", "query.monitor", "not a series"),
    ("patience=1&patience=2", "query.patience", "2 times"),
    ("format=keras_csv&format=jsonl", "query.format", "2 times"),
]


@pytest.mark.parametrize(
    ("query", "path", "fragment"), BAD_QUERIES, ids=[case[0] for case in BAD_QUERIES]
)
def test_bad_query_option_is_422(
    client: FlaskClient, query: str, path: str, fragment: str
) -> None:
    response = client.post(
        f"/v1/diagnoses?{query}", data=OVERFIT_CSV, content_type="text/csv"
    )
    problem = response.get_json()

    assert response.status_code == 422
    assert path in problem["errors"], problem["errors"]
    assert fragment in " ".join(problem["errors"][path])


def test_json_request_rejects_query_options(client: FlaskClient) -> None:
    body = {"history": {"loss": [1.0, 0.8, 0.7], "val_loss": [1.1, 0.9, 0.8]}}
    response = post_json(client, "/v1/diagnoses?patience=2", body)
    problem = response.get_json()

    assert response.status_code == 422
    assert "'options' field" in problem["errors"]["query.patience"][0]


def test_multipart_options_part(client: FlaskClient) -> None:
    response = post_file(client, "keras_csvlogger.csv", options='{"patience": 1}')
    keras = response.get_json()["early_stopping"]["keras"]

    assert response.status_code == 200
    assert keras["parameters"]["patience"] == 1


def test_multipart_options_as_file_part(client: FlaskClient) -> None:
    options = (io.BytesIO(b'{"monitor": "val_accuracy"}'), "options.json")
    response = post_file(client, "keras_csvlogger.csv", options=options)

    assert response.status_code == 200
    assert response.get_json()["monitor"] == "val_accuracy"


def test_multipart_query_options(client: FlaskClient) -> None:
    response = post_file(client, "keras_csvlogger.csv", query="?patience=3")

    assert response.status_code == 200
    assert response.get_json()["early_stopping"]["keras"]["parameters"]["patience"] == 3


def test_multipart_format_field(client: FlaskClient) -> None:
    response = post_file(client, "keras_csvlogger.csv", format="lightning_csv")

    assert response.status_code == 422
    assert "lightning_csv" in response.get_json()["errors"]["file"][0]


def test_multipart_file_as_text_field(client: FlaskClient) -> None:
    response = client.post(
        "/v1/diagnoses",
        data={"file": OVERFIT_CSV},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "overfitting"


BAD_UPLOADS: list[tuple[str, dict[str, Any], str, str]] = [
    ("no file part", {"options": "{}"}, "file", "Missing the 'file' part"),
    ("unknown part", {"file": OVERFIT_CSV, "extra": "1"}, "extra", "Unknown part"),
    (
        "options not json",
        {"file": OVERFIT_CSV, "options": "{patience"},
        "options",
        "not valid JSON",
    ),
    (
        "options not object",
        {"file": OVERFIT_CSV, "options": "[1]"},
        "options",
        "JSON object",
    ),
    (
        "bad option",
        {"file": OVERFIT_CSV, "options": '{"patience": -2}'},
        "options.patience",
        "greater",
    ),
    (
        "unknown format",
        {"file": OVERFIT_CSV, "format": "csv"},
        "format",
        "Unknown format",
    ),
]


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [case[1:] for case in BAD_UPLOADS],
    ids=[case[0] for case in BAD_UPLOADS],
)
def test_bad_upload_is_422(
    client: FlaskClient, data: dict[str, Any], path: str, fragment: str
) -> None:
    response = client.post(
        "/v1/diagnoses", data=data, content_type="multipart/form-data"
    )
    problem = response.get_json()

    assert response.status_code == 422
    assert path in problem["errors"], problem["errors"]
    assert fragment in " ".join(problem["errors"][path])


def test_options_twice_in_upload_is_422(client: FlaskClient) -> None:
    response = post_file(
        client, "keras_csvlogger.csv", query="?patience=1", options="{}"
    )
    assert response.status_code == 422
    assert "not both" in response.get_json()["errors"]["options"][0]


def test_two_file_parts_is_422(client: FlaskClient) -> None:
    data = {
        "file": [
            (io.BytesIO(OVERFIT_CSV.encode()), "a.csv"),
            (io.BytesIO(OVERFIT_CSV.encode()), "b.csv"),
        ]
    }
    response = client.post(
        "/v1/diagnoses", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "/v1/diagnoses/batch" in response.get_json()["errors"]["file"][0]


@pytest.mark.parametrize(
    ("format", "text", "line"),
    [case[1:4] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_log_names_line(
    client: FlaskClient, openapi: OpenAPI, format: str, text: str, line: int | None
) -> None:
    response = client.post(
        f"/v1/diagnoses?format={format}", data=text, content_type="text/plain"
    )
    problem = response.get_json()

    assert response.status_code == 422
    check_response(openapi, response)
    assert list(problem["errors"]) == ["body"]
    assert problem["title"] == "Log file could not be read"
    if line is not None:
        assert f"at line {line}:" in problem["detail"]


@pytest.mark.parametrize(
    ("format", "text", "line"),
    [case[1:4] for case in MALFORMED if case[3] is not None],
    ids=[case[0] for case in MALFORMED if case[3] is not None],
)
def test_malformed_upload_names_line(
    client: FlaskClient, format: str, text: str, line: int
) -> None:
    data = {"file": (io.BytesIO(text.encode()), "train.log"), "format": format}
    response = client.post(
        "/v1/diagnoses", data=data, content_type="multipart/form-data"
    )
    problem = response.get_json()

    assert 400 <= response.status_code < 500
    assert list(problem["errors"]) == ["file"]
    assert f"line {line}" in problem["detail"]


def test_malformed_json_log_is_400_with_line(client: FlaskClient) -> None:
    # A JSON body must parse before its shape is known, so this is a 400.
    text = '{\n  "log_history": [\n    {"epoch": 1.0,}\n  ]\n}\n'
    response = client.post("/v1/diagnoses", data=text, content_type="application/json")

    assert response.status_code == 400
    assert "line 3" in response.get_json()["detail"]


def test_binary_garbage_is_422(client: FlaskClient) -> None:
    response = client.post(
        "/v1/diagnoses",
        data=b"epoch,loss\n0,0.5\n1,\xff\n",
        content_type="text/csv",
    )
    problem = response.get_json()

    assert response.status_code == 422
    assert "line 3" in problem["detail"]
    assert "UTF-8" in problem["detail"]


def test_empty_log_is_422(client: FlaskClient) -> None:
    response = client.post("/v1/diagnoses", data=b"", content_type="text/plain")
    assert response.status_code == 422
    assert "empty input" in response.get_json()["detail"]


def test_log_too_short_names_body(client: FlaskClient) -> None:
    text = "epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,0.5\n"
    response = client.post("/v1/diagnoses", data=text, content_type="text/csv")
    problem = response.get_json()

    assert response.status_code == 422
    assert problem["errors"] == {
        "body": ["Only 2 epoch(s); a diagnosis needs at least 3."]
    }


def test_log_rows_limit_applies(client: FlaskClient) -> None:
    app = client.application
    app.config["MAX_LOG_ROWS"] = 5
    response = client.post("/v1/diagnoses", data=OVERFIT_CSV, content_type="text/csv")
    problem = response.get_json()

    assert response.status_code == 422
    assert "at most 5 data records" in problem["detail"]


def test_log_series_limit_applies(client: FlaskClient) -> None:
    client.application.config["MAX_SERIES"] = 2
    response = client.post(
        "/v1/diagnoses",
        data=(LOGS / "keras_csvlogger.csv").read_bytes(),
        content_type="text/csv",
    )
    assert response.status_code == 422
    assert "limit of 2" in response.get_json()["errors"]["body"][0]


def test_unsupported_content_type_lists_log_types(client: FlaskClient) -> None:
    response = client.post("/v1/diagnoses", data="x", content_type="image/png")
    problem = response.get_json()

    assert response.status_code == 415
    assert "text/csv" in problem["detail"]
    assert "multipart/form-data" in problem["detail"]
