"""The report page of a live run, /runs/<run_id>, and its live part."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from runs_support import U_SHAPED
from runs_support import close_store
from runs_support import epoch_objects
from runs_support import post_json

from diagnose_api import create_app

KEY = "page-key-0123456789abcdef"
EPOCHS = epoch_objects(U_SHAPED)


def create_run(client: FlaskClient, **body: Any) -> str:
    response = post_json(client, "/v1/runs", body)
    assert response.status_code == 201, response.get_json()
    run_id: str = response.get_json()["id"]
    return run_id


def append(client: FlaskClient, run_id: str, epochs: list[dict[str, Any]]) -> None:
    response = post_json(client, f"/v1/runs/{run_id}/epochs", {"epochs": epochs})
    assert response.status_code == 200, response.get_json()


def element_text(page: str, element_id: str) -> str:
    """The text of the element with this id up to its first closing tag."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page, re.DOTALL)
    assert match is not None, f"the page has no element with id {element_id!r}"
    return re.sub(r"\s+", " ", match.group(1)).strip()


def test_page_shows_run_and_report(runs_client: FlaskClient) -> None:
    run_id = create_run(runs_client, name="mlp", tags=["digits"])
    append(runs_client, run_id, EPOCHS)
    response = runs_client.get(f"/runs/{run_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "<title>overfitting: mlp - diagnose-api</title>" in page
    assert element_text(page, "run-id") == run_id
    assert element_text(page, "n-epochs") == "10"
    assert element_text(page, "status") == "overfitting"
    assert element_text(page, "should-stop") == "yes"
    assert '<img id="plot" src="data:image/svg+xml;base64,' in page
    assert '<h2 id="findings-title">Findings</h2>' in page
    assert "<code>digits</code>" in page


def test_plot_inlined_with_markers(runs_client: FlaskClient) -> None:
    run_id = create_run(runs_client, options={"patience": 2})
    append(runs_client, run_id, EPOCHS)
    page = runs_client.get(f"/runs/{run_id}").get_data(as_text=True)
    match = re.search(r'<img id="plot" src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert match is not None
    svg = base64.b64decode(match.group(1)).decode("utf-8")
    alt = re.search(r'<img id="plot" [^>]*alt="([^"]+)"', page)
    assert ">best epoch 4<" in svg
    assert ">recommended stop epoch 5<" in svg
    assert alt is not None
    assert "best epoch 4" in alt.group(1)


@pytest.mark.parametrize(
    ("query", "refresh"),
    [("", 5), ("?refresh=1", 1), ("?refresh=3600", 3600)],
)
def test_page_refreshes(runs_client: FlaskClient, query: str, refresh: int) -> None:
    run_id = create_run(runs_client)
    response = runs_client.get(f"/runs/{run_id}{query}")
    page = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert response.status_code == 200
    assert (
        f'<noscript><meta http-equiv="refresh" content="{refresh}"></noscript>' in page
    )
    assert '<script src="/static/live-report.js" defer></script>' in page
    assert f'data-source="/runs/{run_id}/live"' in page
    assert f'data-refresh-seconds="{refresh}"' in page
    assert f"Updates every {refresh} s" in page
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_refresh_zero_turns_updates_off(runs_client: FlaskClient) -> None:
    run_id = create_run(runs_client)
    page = runs_client.get(f"/runs/{run_id}?refresh=0").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert "<script" not in page
    assert "Updates are off" in page
    assert f'href="/runs/{run_id}"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?refresh=-1", "greater than or equal to 0"),
        ("?refresh=3601", "less than or equal to 3600"),
        ("?refresh=often", "Not a valid integer"),
        ("?refesh=0", "Unknown query parameter"),
    ],
)
def test_invalid_query_is_422_page(
    runs_client: FlaskClient, query: str, message: str
) -> None:
    run_id = create_run(runs_client)
    response = runs_client.get(f"/runs/{run_id}{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "<h1>Invalid query parameter</h1>" in page
    assert message in page


def test_page_offline_and_same_origin(runs_client: FlaskClient) -> None:
    run_id = create_run(runs_client)
    append(runs_client, run_id, EPOCHS)
    page = runs_client.get(f"/runs/{run_id}").get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", page)
    assert "http://" not in page
    assert "https://" not in page
    assert scripts == ['<script src="/static/live-report.js" defer>']
    with runs_client.get("/static/live-report.js") as script:
        source = script.get_data(as_text=True)
        assert script.status_code == 200
        assert script.mimetype in ("text/javascript", "application/javascript")
    assert "http://" not in source
    assert "https://" not in source


@pytest.mark.parametrize("n_epochs", [0, 1, 2])
def test_too_few_epochs_wait(runs_client: FlaskClient, n_epochs: int) -> None:
    run_id = create_run(runs_client)
    if n_epochs:
        append(runs_client, run_id, EPOCHS[:n_epochs])
    response = runs_client.get(f"/runs/{run_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert element_text(page, "n-epochs") == str(n_epochs)
    assert element_text(page, "status") == "insufficient_data"
    assert element_text(page, "summary") == (
        "Waiting for epochs: a diagnosis needs at least 3."
    )
    assert 'id="plot"' not in page
    assert 'http-equiv="refresh"' in page


def test_undiagnosable_epochs_shown(runs_client: FlaskClient) -> None:
    run_id = create_run(runs_client, options={"monitor": "val_accuracy"})
    append(runs_client, run_id, EPOCHS)
    response = runs_client.get(f"/runs/{run_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The stored epochs cannot be diagnosed" in page
    assert "options.monitor" in element_text(page, "problem")
    assert element_text(page, "should-stop") == "unknown"
    assert 'http-equiv="refresh"' in page


def test_live_part_follows_appends(runs_client: FlaskClient) -> None:
    run_id = create_run(runs_client, name="mlp")
    append(runs_client, run_id, EPOCHS[:2])
    before = runs_client.get(f"/runs/{run_id}/live")
    append(runs_client, run_id, EPOCHS[2:])
    after = runs_client.get(f"/runs/{run_id}/live")
    first = before.get_data(as_text=True)
    second = after.get_data(as_text=True)
    assert before.status_code == 200
    assert after.status_code == 200
    assert after.mimetype == "text/html"
    assert "<html" not in second
    assert element_text(first, "n-epochs") == "2"
    assert element_text(first, "status") == "insufficient_data"
    assert element_text(second, "n-epochs") == "10"
    assert element_text(second, "status") == "overfitting"
    assert 'data-title="overfitting: mlp - diagnose-api"' in second
    assert before.headers["ETag"] != after.headers["ETag"]


def test_page_etag_matches_live_part(runs_client: FlaskClient) -> None:
    run_id = create_run(runs_client)
    append(runs_client, run_id, EPOCHS[:4])
    page = runs_client.get(f"/runs/{run_id}").get_data(as_text=True)
    live = runs_client.get(f"/runs/{run_id}/live")
    match = re.search(r'data-etag="([^"]+)"', page)
    assert match is not None
    assert live.headers["ETag"] == f'"{match.group(1)}"'


def test_unchanged_run_is_304(runs_client: FlaskClient) -> None:
    run_id = create_run(runs_client)
    append(runs_client, run_id, EPOCHS[:5])
    etag = runs_client.get(f"/runs/{run_id}/live").headers["ETag"]
    unchanged = runs_client.get(f"/runs/{run_id}/live", headers={"If-None-Match": etag})
    append(runs_client, run_id, EPOCHS[5:6])
    changed = runs_client.get(f"/runs/{run_id}/live", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.data == b""
    assert unchanged.headers["ETag"] == etag
    assert changed.status_code == 200
    assert element_text(changed.get_data(as_text=True), "n-epochs") == "6"


def test_resent_epochs_keep_etag(runs_client: FlaskClient) -> None:
    run_id = create_run(runs_client)
    append(runs_client, run_id, EPOCHS[:5])
    etag = runs_client.get(f"/runs/{run_id}/live").headers["ETag"]
    append(runs_client, run_id, EPOCHS[:5])
    response = runs_client.get(f"/runs/{run_id}/live", headers={"If-None-Match": etag})
    assert response.status_code == 304


@pytest.mark.parametrize("suffix", ["", "/live"])
@pytest.mark.parametrize(
    ("run_id", "message"),
    [
        (uuid.uuid4().hex, "it was never created or was deleted"),
        ("not-a-run", "run ids are the 32 lowercase hexadecimal digits"),
        (str(uuid.uuid4()), "run ids are the 32 lowercase hexadecimal digits"),
    ],
    ids=["unknown", "not hex", "with dashes"],
)
def test_unknown_run_is_404_page(
    runs_client: FlaskClient, suffix: str, run_id: str, message: str
) -> None:
    response = runs_client.get(f"/runs/{run_id}{suffix}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>Not found</h1>" in page
    assert message in page
    assert "Traceback" not in page
    assert 'http-equiv="refresh"' not in page


def test_deleted_run_live_part_is_404(runs_client: FlaskClient) -> None:
    run_id = create_run(runs_client)
    append(runs_client, run_id, EPOCHS)
    assert runs_client.get(f"/runs/{run_id}/live").status_code == 200
    assert runs_client.delete(f"/v1/runs/{run_id}").status_code == 204
    response = runs_client.get(f"/runs/{run_id}/live")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.fixture()
def keyed_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SQLITE_PATH": str(tmp_path / "runs.sqlite3"),
            "API_KEYS": KEY,
        }
    )
    yield app
    close_store(app)


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize("suffix", ["", "/live"])
@pytest.mark.parametrize(
    "headers",
    [basic("", KEY), basic("anyone", KEY), {"Authorization": f"Bearer {KEY}"}],
    ids=["basic without user", "basic with user", "bearer"],
)
def test_page_accepts_key(
    keyed_app: Flask, suffix: str, headers: dict[str, str]
) -> None:
    client = keyed_app.test_client()
    run_id = client.post("/v1/runs", json={}, headers={"X-API-Key": KEY}).get_json()[
        "id"
    ]
    response = client.get(f"/runs/{run_id}{suffix}", headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("suffix", ["", "/live"])
@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "requires an API key"),
        (basic("", "wrong-key-0123456789abcdef"), "The API key is not valid"),
        ({"X-API-Key": KEY[:-1]}, "The API key is not valid"),
    ],
    ids=["no key", "wrong basic password", "prefix of the key"],
)
def test_page_without_valid_key_is_401(
    keyed_app: Flask, suffix: str, headers: dict[str, str], message: str
) -> None:
    client = keyed_app.test_client()
    run_id = client.post("/v1/runs", json={}, headers={"X-API-Key": KEY}).get_json()[
        "id"
    ]
    response = client.get(f"/runs/{run_id}{suffix}", headers=headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert response.mimetype == "text/html"
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="diagnose-api"')
    assert message in page
    assert run_id not in page


def test_unknown_run_needs_key_first(keyed_app: Flask) -> None:
    response = keyed_app.test_client().get(f"/runs/{uuid.uuid4().hex}")
    assert response.status_code == 401


def test_report_form_stays_open_with_keys(keyed_app: Flask) -> None:
    assert keyed_app.test_client().get("/").status_code == 200
