"""GET /v1/runs/<run_id>/plot: the plot of a live run's stored epochs."""

from __future__ import annotations

import io
import math
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image
from openapi_check import check_response
from openapi_check import load_openapi
from runs_support import U_SHAPED
from runs_support import close_store
from runs_support import epoch_objects
from runs_support import post_json

from diagnose_api import create_app
from diagnose_api.plots import PANEL_HEIGHT_PX
from diagnose_api.plots import WIDTH_PX

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEY = "plot-key-0123456789abcdef"
WITH_ACCURACY: dict[str, list[float | None]] = {
    **U_SHAPED,
    "accuracy": [0.5, 0.6, 0.7, 0.75, 0.8, 0.84, 0.88, 0.9, 0.92, 0.94],
    "val_accuracy": [0.5, 0.58, 0.64, 0.66, 0.65, 0.64, 0.63, 0.62, 0.61, 0.6],
}


@pytest.fixture(scope="module")
def openapi() -> Any:
    return load_openapi()


def create_run_with(
    client: FlaskClient,
    history: dict[str, list[float | None]],
    options: dict[str, Any] | None = None,
) -> str:
    """Create a run with ``options`` and append every epoch of ``history``."""
    response = post_json(client, "/v1/runs", {"options": options or {}})
    assert response.status_code == 201, response.get_json()
    run_id: str = response.get_json()["id"]
    epochs = epoch_objects(history)
    if epochs:
        appended = post_json(client, f"/v1/runs/{run_id}/epochs", {"epochs": epochs})
        assert appended.status_code == 200, appended.get_json()
    return run_id


@pytest.mark.parametrize(
    ("history", "n_panels"),
    [(U_SHAPED, 1), (WITH_ACCURACY, 2)],
    ids=["loss only", "loss and accuracy"],
)
def test_png_by_default(
    runs_client: FlaskClient,
    openapi: Any,
    history: dict[str, list[float | None]],
    n_panels: int,
) -> None:
    run_id = create_run_with(runs_client, history)
    response = runs_client.get(f"/v1/runs/{run_id}/plot")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (WIDTH_PX, n_panels * PANEL_HEIGHT_PX)
    check_response(openapi, response)


def test_svg_marks_epochs(runs_client: FlaskClient) -> None:
    run_id = create_run_with(runs_client, U_SHAPED, {"patience": 2})
    response = runs_client.get(f"/v1/runs/{run_id}/plot?format=svg")
    svg = response.get_data(as_text=True)
    diagnosis = runs_client.get(f"/v1/runs/{run_id}/diagnosis").get_json()
    recommended = diagnosis["diagnosis"]["early_stopping"]["recommended"]
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert f">best epoch {diagnosis['diagnosis']['best_epoch']:g}<" in svg
    assert (
        f">divergence epoch {diagnosis['diagnosis']['divergence']['epoch']:g}<" in svg
    )
    assert f">recommended stop epoch {recommended['stopped_epoch']:g}<" in svg


def test_non_finite_epochs_marked(runs_client: FlaskClient) -> None:
    history = {**U_SHAPED, "loss": [*U_SHAPED["loss"][:8], math.nan, math.inf]}
    run_id = create_run_with(runs_client, history)
    response = runs_client.get(f"/v1/runs/{run_id}/plot?format=svg")
    assert response.status_code == 200
    assert ">non-finite from epoch 9 (2 epochs)<" in response.get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_same_image_as_posted_history(runs_client: FlaskClient, fmt: str) -> None:
    options = {"patience": 1, "smoothing": 0.9}
    run_id = create_run_with(runs_client, WITH_ACCURACY, options)
    stored = runs_client.get(f"/v1/runs/{run_id}/plot?format={fmt}")
    body = {"history": WITH_ACCURACY, "epochs": list(range(1, 11)), "options": options}
    posted = post_json(runs_client, f"/v1/diagnoses/plot?format={fmt}", body)
    assert stored.status_code == 200
    assert posted.status_code == 200
    assert stored.data == posted.data


@pytest.mark.parametrize("n_epochs", [0, 1, 2])
def test_too_few_epochs_is_409(
    runs_client: FlaskClient, openapi: Any, n_epochs: int
) -> None:
    history = {name: values[:n_epochs] for name, values in U_SHAPED.items()}
    run_id = create_run_with(runs_client, history)
    response = runs_client.get(f"/v1/runs/{run_id}/plot")
    problem = response.get_json()
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert (
        f"has {n_epochs} epoch(s) stored; a plot needs at least 3" in problem["detail"]
    )
    check_response(openapi, response)


def test_monitor_missing_is_409(runs_client: FlaskClient) -> None:
    run_id = create_run_with(runs_client, U_SHAPED, {"monitor": "val_accuracy"})
    response = runs_client.get(f"/v1/runs/{run_id}/plot")
    problem = response.get_json()
    assert response.status_code == 409
    assert "'val_accuracy' is not a series" in problem["errors"]["options.monitor"][0]


def test_invalid_format_is_422(runs_client: FlaskClient, openapi: Any) -> None:
    run_id = create_run_with(runs_client, U_SHAPED)
    response = runs_client.get(f"/v1/runs/{run_id}/plot?format=gif")
    problem = response.get_json()
    assert response.status_code == 422
    assert "use 'png' or 'svg'" in problem["errors"]["format"][0]
    check_response(openapi, response)


def test_unknown_run_is_404_before_format(runs_client: FlaskClient) -> None:
    run_id = uuid.uuid4().hex
    response = runs_client.get(f"/v1/runs/{run_id}/plot?format=gif")
    assert response.status_code == 404
    assert f"Run '{run_id}' not found" in response.get_json()["detail"]


def test_deleted_run_is_404(runs_client: FlaskClient) -> None:
    run_id = create_run_with(runs_client, U_SHAPED)
    assert runs_client.delete(f"/v1/runs/{run_id}").status_code == 204
    response = runs_client.get(f"/v1/runs/{run_id}/plot")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("headers", "status", "mimetype"),
    [
        ({}, 401, "application/problem+json"),
        ({"X-API-Key": KEY}, 200, "image/png"),
        ({"Authorization": f"Bearer {KEY}"}, 200, "image/png"),
        ({"X-API-Key": "wrong-key-0123456789abcdef"}, 401, "application/problem+json"),
    ],
    ids=["no key", "x-api-key", "bearer", "wrong key"],
)
def test_plot_needs_key_when_configured(
    tmp_path: Path, headers: dict[str, str], status: int, mimetype: str
) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SQLITE_PATH": str(tmp_path / "runs.sqlite3"),
            "API_KEYS": KEY,
        }
    )
    client = app.test_client()
    created = client.post("/v1/runs", json={}, headers={"X-API-Key": KEY})
    run_id = created.get_json()["id"]
    client.post(
        f"/v1/runs/{run_id}/epochs",
        json={"epochs": epoch_objects(U_SHAPED)},
        headers={"X-API-Key": KEY},
    )
    response = client.get(f"/v1/runs/{run_id}/plot", headers=headers)
    close_store(app)
    assert response.status_code == status
    assert response.mimetype == mimetype
