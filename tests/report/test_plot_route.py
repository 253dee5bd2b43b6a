"""POST /v1/diagnoses/plot: images for good bodies, problem+json for bad ones."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from diagnose_api.plots import PANEL_HEIGHT_PX
from diagnose_api.plots import WIDTH_PX
from histories import post_json
from histories import request_body
from report_data import NAN_AT_309
from report_data import OVERFIT


def test_png_by_default(client: FlaskClient) -> None:
    response = post_json(client, "/v1/diagnoses/plot", request_body(OVERFIT))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (WIDTH_PX, 2 * PANEL_HEIGHT_PX)


def test_svg_with_marked_epochs(client: FlaskClient) -> None:
    response = post_json(client, "/v1/diagnoses/plot?format=svg", request_body(OVERFIT))
    svg = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert ">best epoch 3<" in svg
    assert ">recommended stop epoch " in svg


def test_nan_tokens_plotted(client: FlaskClient) -> None:
    body = request_body(NAN_AT_309)
    assert "NaN" in json.dumps(body)
    response = post_json(client, "/v1/diagnoses/plot?format=svg", body)
    assert response.status_code == 200
    assert ">non-finite from epoch 309 (2 epochs)<" in response.get_data(as_text=True)


def test_smoothing_option_named_in_title(client: FlaskClient) -> None:
    body = {**request_body(OVERFIT), "options": {"smoothing": 0.9}}
    response = post_json(client, "/v1/diagnoses/plot?format=svg", body)
    assert "(weight 0.9)" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "body", "status", "field", "message"),
    [
        (
            "?format=gif",
            {"history": {"loss": [1, 0.5, 0.2]}},
            422,
            "format",
            "use 'png' or 'svg'",
        ),
        (
            "",
            {"history": {"loss": [1, "x", 2]}},
            422,
            "history.loss[1]",
            "got the string 'x'",
        ),
        ("", {"history": {"loss": [1, 0.5]}}, 422, "history", "at least 3"),
        ("", [1, 2, 3], 422, "_schema", "Expected a JSON object"),
        (
            "?format=svg",
            {"history": {"lr": [1, 1, 1]}},
            422,
            "history",
            "No loss series",
        ),
    ],
)
def test_invalid_body_is_problem_json(
    client: FlaskClient, query: str, body: Any, status: int, field: str, message: str
) -> None:
    response = post_json(client, "/v1/diagnoses/plot" + query, body)
    problem = response.get_json()
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert field in problem["errors"]
    assert message in problem["errors"][field][0]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "title"),
    [
        ("{not json", "application/json", 400, "Request body is not valid JSON"),
        ("loss,val_loss\n1,2\n", "text/csv", 415, "Unsupported media type"),
    ],
)
def test_unreadable_body_is_problem_json(
    client: FlaskClient, data: str, content_type: str, status: int, title: str
) -> None:
    response = client.post("/v1/diagnoses/plot", data=data, content_type=content_type)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == title


def test_get_not_allowed(client: FlaskClient) -> None:
    response = client.get("/v1/diagnoses/plot")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
