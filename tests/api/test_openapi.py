"""The committed openapi.yaml matches the code, and real responses match it."""

from __future__ import annotations

import json
import math

import pytest
import yaml
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_spec_validator import validate

from diagnose_api.openapi import spec_yaml
from histories import history_names
from histories import post_json
from histories import request_body
from openapi_check import COMMITTED
from openapi_check import check_response
from openapi_check import load_openapi


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return load_openapi()


def test_committed_spec_is_current() -> None:
    assert COMMITTED.read_text() == spec_yaml(), (
        "openapi.yaml is out of date; regenerate it with `make openapi`"
    )


def test_spec_is_valid_openapi() -> None:
    validate(yaml.safe_load(COMMITTED.read_text()))


def test_served_spec_equals_committed(client: FlaskClient) -> None:
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == COMMITTED.read_text()


@pytest.mark.parametrize("name", history_names())
def test_diagnosis_matches_spec(client: FlaskClient, openapi: OpenAPI, name: str) -> None:
    response = post_json(client, "/v1/diagnoses", request_body(name))
    assert response.status_code == 200
    check_response(openapi, response)


def test_problem_matches_spec(client: FlaskClient, openapi: OpenAPI) -> None:
    response = post_json(client, "/v1/diagnoses", {"history": {"loss": [1, "x", 2]}})
    assert response.status_code == 422
    check_response(openapi, response)


def test_request_with_nan_matches_spec(client: FlaskClient, openapi: OpenAPI) -> None:
    body = {"history": {"loss": [1.0, 0.5, math.nan, 0.3], "val_loss": [1.1, None, 0.9, 0.8]}}
    response = post_json(client, "/v1/diagnoses", body)
    assert response.status_code == 200
    check_response(openapi, response)
    assert json.loads(response.get_data(as_text=True))["n_epochs"] == 4


def test_healthz_matches_spec(client: FlaskClient, openapi: OpenAPI) -> None:
    response = client.get("/healthz")
    assert response.get_json() == {"status": "ok"}
    check_response(openapi, response)


def test_docs_page_served_offline(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html
    assert "https://" not in html
    with client.get("/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200
    with client.get("/docs/assets/index.html") as unlisted:
        assert unlisted.status_code == 404
