"""CORS: no headers unless origins are configured, then exact origins only."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from ops_support import OVERFIT_HISTORY

from diagnose_api import create_app

ALLOWED = "https://dashboard.example.com"
OTHER_ALLOWED = "http://localhost:3000"


@pytest.fixture()
def cors_client() -> FlaskClient:
    app = create_app({"TESTING": True, "CORS_ORIGINS": f"{ALLOWED},{OTHER_ALLOWED}"})
    return app.test_client()


def diagnose_from(client: FlaskClient, origin: str) -> object:
    return client.post(
        "/v1/diagnoses",
        data=json.dumps({"history": OVERFIT_HISTORY}),
        content_type="application/json",
        headers={"Origin": origin},
    )


def preflight(client: FlaskClient, origin: str) -> object:
    return client.options(
        "/v1/diagnoses",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )


def test_cors_off_by_default(client: FlaskClient) -> None:
    response = diagnose_from(client, ALLOWED)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Origin" not in preflight(client, ALLOWED).headers


@pytest.mark.parametrize("origin", [ALLOWED, OTHER_ALLOWED])
def test_listed_origin_allowed(cors_client: FlaskClient, origin: str) -> None:
    response = diagnose_from(cors_client, origin)
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in response.headers["Vary"]
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.com",
        "https://dashboard.example.com.evil.test",
        "http://dashboard.example.com",
        "https://dashboard.example.com:8443",
        "null",
    ],
)
def test_unlisted_origin_gets_no_allow_header(
    cors_client: FlaskClient, origin: str
) -> None:
    response = diagnose_from(cors_client, origin)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_allows_listed_origin(cors_client: FlaskClient) -> None:
    response = preflight(cors_client, ALLOWED)
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_preflight_rejects_unlisted_origin(cors_client: FlaskClient) -> None:
    response = preflight(cors_client, "https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_error_response_carries_cors_headers(cors_client: FlaskClient) -> None:
    response = cors_client.post(
        "/v1/diagnoses",
        data="{",
        content_type="application/json",
        headers={"Origin": ALLOWED},
    )
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_health_routes_not_cross_origin(cors_client: FlaskClient) -> None:
    response = cors_client.get("/healthz", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    "origin",
    [
        "*",
        "https://*.example.com",
        "https://dashboard.example.com/",
        "https://dashboard.example.com/app",
        "dashboard.example.com",
        "ftp://dashboard.example.com",
        "https://dashboard\\.example\\.com",
    ],
)
def test_pattern_or_url_rejected_as_origin(origin: str) -> None:
    message = f"DIAGNOSE_CORS_ORIGINS: {origin!r} is not an origin"
    with pytest.raises(ValueError, match=re.escape(message)):
        create_app({"TESTING": True, "CORS_ORIGINS": origin})
