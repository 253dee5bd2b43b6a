"""Readiness: /readyz runs the registered checks and names the ones that fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from openapi_core import Config
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from ops_support import ROOT
from werkzeug.test import EnvironBuilder

from diagnose_api.ops import add_readiness_check
from diagnose_api.ops.readiness import READINESS_KEY


class StoreUnavailable(Exception):
    """Stands for the store's own error class in these tests."""


@pytest.fixture()
def app(app: Flask) -> Flask:
    """The app without its registered checks (the run store's), to test the probe."""
    app.extensions[READINESS_KEY].clear()
    return app


def passing() -> None:
    return None


def failing() -> None:
    raise StoreUnavailable("connection to db.internal:5432 refused for user admin")


def validate_against_spec(response: object) -> None:
    config = Config(
        extra_media_type_deserializers={"application/problem+json": json.loads}
    )
    openapi = OpenAPI.from_file_path(str(Path(ROOT) / "openapi.yaml"), config=config)
    request = EnvironBuilder(method="GET", path="/readyz").get_request()
    openapi.validate_response(
        WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
    )


def test_ready_without_checks(app: Flask) -> None:
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {}}
    validate_against_spec(response)


def test_ready_when_checks_pass(app: Flask) -> None:
    add_readiness_check(app, "store", passing)
    add_readiness_check(app, "cache", passing)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"store": "ok", "cache": "ok"}


def test_not_ready_names_failed_check(app: Flask) -> None:
    add_readiness_check(app, "cache", passing)
    add_readiness_check(app, "store", failing)
    response = app.test_client().get("/readyz")
    problem = response.get_json()
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert "'store'" in problem["detail"]
    assert "'cache'" not in problem["detail"]
    assert problem["errors"] == {"checks.store": ["Failed with StoreUnavailable."]}
    validate_against_spec(response)


def test_failure_message_logged_not_returned(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    add_readiness_check(app, "store", failing)
    response = app.test_client().get("/readyz", headers={"X-Request-ID": "ready-1"})
    output = capsys.readouterr().out
    assert "db.internal" not in response.get_data(as_text=True)
    warning = next(line for line in output.splitlines() if "readiness check" in line)
    assert json.loads(warning)["request_id"] == "ready-1"
    assert "db.internal:5432 refused" in warning


def test_readiness_runs_on_every_call(app: Flask) -> None:
    state = {"up": False}

    def store_probe() -> None:
        if not state["up"]:
            raise StoreUnavailable("starting")

    add_readiness_check(app, "store", store_probe)
    client = app.test_client()
    assert client.get("/readyz").status_code == 503
    state["up"] = True
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "name must be a non-empty string"), ("store", "name must be unique")],
)
def test_bad_check_name_rejected(app: Flask, name: str, message: str) -> None:
    add_readiness_check(app, "store", passing)
    with pytest.raises(ValueError, match=message):
        add_readiness_check(app, name, passing)
