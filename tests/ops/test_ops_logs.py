"""JSON logs: one access line per request, with its request id and no values."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from ops_support import json_lines

from diagnose_api import create_app
from diagnose_api.ops.logs import StdoutHandler

# Distinctive values: if any of them reaches the logs, a body was logged.
MARKED_HISTORY = {
    "loss": [0.918273645, 0.817263544, 0.716253443, 0.615243342],
    "val_loss": [0.927384756, 0.826374655, 0.837465564, 0.848556473],
}
MARKERS = ("918273645", "927384756", "848556473")
ACCESS_FIELDS = {
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "method",
    "route",
    "path",
    "status",
    "duration_ms",
    "remote_addr",
}


def access_lines(output: str) -> list[dict[str, object]]:
    return [
        entry
        for entry in json_lines(output)
        if entry["logger"] == "diagnose_api.access"
    ]


def post(client: FlaskClient, body: object, request_id: str) -> object:
    return client.post(
        "/v1/diagnoses",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-Request-ID": request_id},
    )


def test_access_line_fields(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    post(client, {"history": MARKED_HISTORY}, "req-access-1")
    lines = access_lines(capsys.readouterr().out)
    assert len(lines) == 1
    line = lines[0]
    assert set(line) == ACCESS_FIELDS
    assert line["request_id"] == "req-access-1"
    assert line["method"] == "POST"
    assert line["route"] == "/v1/diagnoses"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] > 0
    assert line["remote_addr"] == "127.0.0.1"


def test_generated_request_id_logged(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = client.get("/healthz")
    line = access_lines(capsys.readouterr().out)[0]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert len(line["request_id"]) == 32


@pytest.mark.parametrize(
    "body",
    [
        {"history": MARKED_HISTORY},
        {"history": {"loss": [0.918273645, "927384756", 0.848556473]}},
        {"history": {"loss": [0.918273645, 0.927384756]}},
        {"records": [{"loss": 0.918273645}, {"loss": "927384756"}]},
    ],
    ids=["diagnosed", "string value", "too short", "records"],
)
def test_no_history_values_in_logs(
    client: FlaskClient, capsys: pytest.CaptureFixture[str], body: object
) -> None:
    post(client, body, "req-values")
    output = capsys.readouterr().out
    assert "req-values" in output
    for marker in MARKERS:
        assert marker not in output


def test_rejected_request_logged_with_request_id(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    post(client, {"history": {"loss": [1.0, "x", 0.5]}}, "req-422")
    entries = json_lines(capsys.readouterr().out)
    rejection = [e for e in entries if e["logger"] == "diagnose_api.errors"]
    assert len(rejection) == 1
    assert rejection[0]["request_id"] == "req-422"
    assert "history.loss[1]" in rejection[0]["message"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nothing", 404), ("GET", "/v1/diagnoses", 405)],
)
def test_unmatched_route_logged(
    client: FlaskClient,
    capsys: pytest.CaptureFixture[str],
    method: str,
    path: str,
    status: int,
) -> None:
    capsys.readouterr()
    client.open(path, method=method, headers={"X-Request-ID": "req-unmatched"})
    entries = json_lines(capsys.readouterr().out)
    access = next(e for e in entries if e["logger"] == "diagnose_api.access")
    errors = [e for e in entries if e["logger"] == "diagnose_api.errors"]
    assert access["route"] is None
    assert access["path"] == path
    assert access["status"] == status
    assert errors[0]["request_id"] == "req-unmatched"


def test_handler_installed_once(capsys: pytest.CaptureFixture[str]) -> None:
    apps = [create_app({"TESTING": True}) for _ in range(3)]
    capsys.readouterr()
    apps[-1].test_client().get("/healthz")
    assert len(access_lines(capsys.readouterr().out)) == 1
    package_logger = logging.getLogger("diagnose_api")
    stdout_handlers = [
        h for h in package_logger.handlers if isinstance(h, StdoutHandler)
    ]
    assert len(stdout_handlers) == 1
    assert package_logger.propagate is False


def test_log_level_setting_applies(capsys: pytest.CaptureFixture[str]) -> None:
    app: Flask = create_app({"TESTING": True, "LOG_LEVEL": "WARNING"})
    try:
        capsys.readouterr()
        app.test_client().get("/healthz")
        assert access_lines(capsys.readouterr().out) == []
    finally:
        create_app({"TESTING": True})
