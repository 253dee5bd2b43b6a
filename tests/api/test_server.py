"""End to end: a real gunicorn process serving real requests on localhost."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from histories import request_body
from server import Server
from server import start_server

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("gunicorn"))
    yield running
    running.stop()


def post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_history_with_nan_diagnosed(server: Server) -> None:
    body = json.dumps(request_body("05_relernn26_loss-nan-at-epoch-309")).encode()
    assert b"NaN" in body
    status, diagnosis = post(server.url + "/v1/diagnoses", body)
    assert status == 200
    assert diagnosis["status"] == "diverged"
    assert diagnosis["best_epoch"] == 308


def test_overfitting_history_diagnosed(server: Server) -> None:
    body = json.dumps(request_body("01_se485194_classic-overfit-val-acc-peak")).encode()
    status, diagnosis = post(server.url + "/v1/diagnoses", body)
    assert status == 200
    assert diagnosis["status"] == "overfitting"


def test_keras_csv_log_diagnosed(server: Server) -> None:
    body = (LOGS / "keras_csvlogger.csv").read_bytes()
    status, diagnosis = post(server.url + "/v1/diagnoses?patience=1", body, "text/csv")

    assert status == 200
    assert diagnosis["status"] == "healthy"
    assert diagnosis["n_epochs"] == 6
    assert diagnosis["early_stopping"]["keras"]["parameters"]["patience"] == 1
    assert any("plus 1" in note for note in diagnosis["notes"])


def test_malformed_csv_names_line(server: Server) -> None:
    body = b"epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,abc\n"
    status, problem = post(server.url + "/v1/diagnoses", body, "text/csv")

    assert status == 422
    assert "line 3" in problem["detail"]
    assert list(problem["errors"]) == ["body"]


def test_bad_input_is_problem(server: Server) -> None:
    status, problem = post(server.url + "/v1/diagnoses", b"{not json")
    assert status == 400
    assert problem["status"] == 400


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    running = start_server(tmp_path, workers=1)
    assert running.stop() == 0
