"""No response carries a stack trace; the log carries it with the request id."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from diagnose_api import create_app

SECRET_MESSAGE = "internal detail db_password=hunter2"


@pytest.fixture()
def failing_app() -> Flask:
    app = create_app({"TESTING": True})

    @app.get("/v1/test-failure")
    def fail() -> None:
        raise RuntimeError(SECRET_MESSAGE)

    return app


def test_unexpected_error_is_generic_problem(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/v1/test-failure")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Internal server error"
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert "hunter2" not in text
    assert ".py" not in text


def test_unexpected_error_logged_with_trace(
    failing_app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = failing_app.test_client().get(
        "/v1/test-failure", headers={"X-Request-ID": "req-500"}
    )
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    error = next(entry for entry in entries if entry["level"] == "ERROR")
    access = next(
        entry for entry in entries if entry["logger"] == "diagnose_api.access"
    )
    assert response.get_json()["request_id"] == "req-500"
    assert error["request_id"] == "req-500"
    assert "Traceback" in error["exception"]
    assert access["status"] == 500


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/nothing", None, 404),
        ("DELETE", "/v1/diagnoses", None, 405),
        ("POST", "/v1/diagnoses", "{", 400),
        ("POST", "/v1/diagnoses", '{"history": {"loss": [1, 2]}}', 422),
    ],
)
def test_client_errors_carry_no_trace(
    failing_app: Flask, method: str, path: str, body: str | None, status: int
) -> None:
    response = failing_app.test_client().open(
        path, method=method, data=body, content_type="application/json"
    )
    text = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert "Traceback" not in text
    assert 'File "' not in text
