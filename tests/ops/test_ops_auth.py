"""API keys: every /v1 route requires one when configured; the probes never do."""

from __future__ import annotations

import hmac
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from ops_support import OVERFIT_HISTORY

from diagnose_api import create_app
from diagnose_api.ops import auth

KEYS = ("first-key-0123456789abcdef", "second-key-0123456789abcdef")
OPEN_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.yaml", "/docs")


def v1_operations() -> list[tuple[str, str]]:
    """Every (method, path) under /v1, read from the application's URL map."""
    app = create_app({"TESTING": True})
    operations = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1"):
            continue
        path = re.sub(r"<[^>]+>", "00000000-0000-0000-0000-000000000000", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operations.append((method, path))
    return operations


@pytest.fixture()
def keyed_app() -> Flask:
    return create_app({"TESTING": True, "API_KEYS": ",".join(KEYS)})


@pytest.fixture()
def keyed_client(keyed_app: Flask) -> FlaskClient:
    return keyed_app.test_client()


def diagnose(client: FlaskClient, headers: dict[str, str]) -> object:
    return client.post(
        "/v1/diagnoses",
        data=json.dumps({"history": OVERFIT_HISTORY}),
        content_type="application/json",
        headers=headers,
    )


def test_v1_operations_found() -> None:
    assert ("POST", "/v1/diagnoses") in v1_operations()


@pytest.mark.parametrize(("method", "path"), v1_operations())
def test_v1_route_without_key_is_401(
    keyed_client: FlaskClient, method: str, path: str
) -> None:
    response = keyed_client.open(path, method=method, json={})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert "Authorization: Bearer" in response.get_json()["detail"]


@pytest.mark.parametrize("path", OPEN_PATHS)
def test_probe_and_docs_open_with_keys(keyed_client: FlaskClient, path: str) -> None:
    assert keyed_client.get(path).status_code == 200


def test_unknown_v1_path_needs_key(keyed_client: FlaskClient) -> None:
    assert keyed_client.get("/v1/nothing").status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {KEYS[0]}"},
        {"Authorization": f"bearer {KEYS[1]}"},
        {"X-API-Key": KEYS[1]},
        {"Authorization": "Basic dXNlcjpwYXNz", "X-API-Key": KEYS[0]},
    ],
    ids=["bearer", "bearer lowercase scheme", "x-api-key", "basic plus x-api-key"],
)
def test_valid_key_accepted(keyed_client: FlaskClient, headers: dict[str, str]) -> None:
    assert diagnose(keyed_client, headers).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer wrong-key-0123456789abcdef"},
        {"X-API-Key": KEYS[0][:-1]},
        {"X-API-Key": KEYS[0] + "x"},
    ],
    ids=["wrong key", "prefix of a key", "key plus a character"],
)
def test_invalid_key_is_401(keyed_client: FlaskClient, headers: dict[str, str]) -> None:
    response = diagnose(keyed_client, headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "not valid" in response.get_json()["detail"]


def test_basic_auth_alone_is_401(keyed_client: FlaskClient) -> None:
    response = diagnose(keyed_client, {"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_preflight_needs_no_key(keyed_client: FlaskClient) -> None:
    response = keyed_client.options("/v1/diagnoses")
    assert response.status_code == 200


def test_keys_off_leaves_v1_open(client: FlaskClient) -> None:
    assert diagnose(client, {}).status_code == 200


def test_constant_time_compare_with_every_key(
    keyed_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real_compare = hmac.compare_digest

    def recording_compare(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", recording_compare)
    response = diagnose(keyed_client, {"X-API-Key": KEYS[0]})
    assert response.status_code == 200
    # No early exit on the first match: the second key is compared too.
    assert calls == [(KEYS[0].encode(), key.encode()) for key in KEYS]


def test_presented_key_never_logged(
    keyed_client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "wrong-key-that-must-not-be-logged"
    diagnose(keyed_client, {"Authorization": f"Bearer {wrong}"})
    diagnose(keyed_client, {"X-API-Key": KEYS[0]})
    output = capsys.readouterr().out
    assert "request rejected: invalid API key" in output
    assert wrong not in output
    assert KEYS[0] not in output


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("short", "key 1 must be at least 16 characters, got 5"),
        (f"{KEYS[0]},with space inside 0123", "key 2 must be printable ASCII"),
        ("caf\u00e9-0123456789abcdef", "key 1 must be printable ASCII"),
    ],
    ids=["too short", "whitespace", "non-ascii"],
)
def test_invalid_key_setting_rejected(keys: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        create_app({"TESTING": True, "API_KEYS": keys})


def test_key_setting_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIAGNOSE_API_KEYS", f" {KEYS[0]} , ,{KEYS[1]}")
    app = create_app({"TESTING": True})
    assert app.config["API_KEYS"] == KEYS
    assert diagnose(app.test_client(), {}).status_code == 401
