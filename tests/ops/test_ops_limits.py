"""Size limits at the boundary and one past it: body, series length, series count."""

from __future__ import annotations

import json

import numpy as np
import pytest
from flask import Flask

from diagnose_api import create_app
from diagnose_api.config import load_settings

MAX_CONTENT_LENGTH = 4096
MAX_EPOCHS = 40
MAX_SERIES = 5


@pytest.fixture()
def limited_app() -> Flask:
    return create_app(
        {
            "TESTING": True,
            "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
            "MAX_EPOCHS": MAX_EPOCHS,
            "MAX_SERIES": MAX_SERIES,
        }
    )


def falling_curve(n: int, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return (1.0 / np.arange(1, n + 1) + rng.uniform(0.0, 0.01, n)).round(4).tolist()


def history(n_epochs: int, n_series: int) -> dict[str, list[float]]:
    names = ["loss", "val_loss"] + [f"metric_{i}" for i in range(n_series - 2)]
    return {name: falling_curve(n_epochs, seed) for seed, name in enumerate(names)}


def padded_body(size: int) -> bytes:
    """A valid diagnosis request of exactly ``size`` bytes (trailing JSON whitespace)."""
    body = json.dumps({"history": history(5, 2)}).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


def post(app: Flask, body: bytes) -> object:
    return app.test_client().post(
        "/v1/diagnoses", data=body, content_type="application/json"
    )


@pytest.mark.parametrize(
    ("size", "status"),
    [(MAX_CONTENT_LENGTH, 200), (MAX_CONTENT_LENGTH + 1, 413)],
    ids=["at limit", "one byte over"],
)
def test_body_size_boundary(limited_app: Flask, size: int, status: int) -> None:
    body = padded_body(size)
    response = post(limited_app, body)
    assert len(body) == size
    assert response.status_code == status


def test_body_over_limit_names_setting(limited_app: Flask) -> None:
    problem = post(limited_app, padded_body(MAX_CONTENT_LENGTH + 1)).get_json()
    assert f"{MAX_CONTENT_LENGTH} bytes" in problem["detail"]
    assert "DIAGNOSE_MAX_CONTENT_LENGTH" in problem["detail"]


@pytest.mark.parametrize(
    ("n_epochs", "status"),
    [(MAX_EPOCHS, 200), (MAX_EPOCHS + 1, 422)],
    ids=["at limit", "one over"],
)
def test_series_length_boundary(limited_app: Flask, n_epochs: int, status: int) -> None:
    body = json.dumps({"history": history(n_epochs, 2)}).encode()
    response = post(limited_app, body)
    assert response.status_code == status
    if status == 422:
        message = response.get_json()["errors"]["history.loss"][0]
        assert (
            f"{MAX_EPOCHS + 1} values, more than the limit of {MAX_EPOCHS}" in message
        )


@pytest.mark.parametrize(
    ("n_records", "status"),
    [(MAX_EPOCHS, 200), (MAX_EPOCHS + 1, 422)],
    ids=["at limit", "one over"],
)
def test_record_count_boundary(limited_app: Flask, n_records: int, status: int) -> None:
    columns = history(n_records, 2)
    records = [
        {"epoch": i + 1, "loss": loss, "val_loss": val_loss}
        for i, (loss, val_loss) in enumerate(
            zip(columns["loss"], columns["val_loss"], strict=True)
        )
    ]
    response = post(limited_app, json.dumps({"records": records}).encode())
    assert response.status_code == status


@pytest.mark.parametrize(
    ("n_epochs", "status"),
    [(MAX_EPOCHS, 200), (MAX_EPOCHS + 1, 422)],
    ids=["at limit", "one over"],
)
def test_epochs_list_boundary(limited_app: Flask, n_epochs: int, status: int) -> None:
    body = {"history": history(n_epochs, 2), "epochs": list(range(1, n_epochs + 1))}
    response = post(limited_app, json.dumps(body).encode())
    assert response.status_code == status


@pytest.mark.parametrize(
    ("n_series", "status"),
    [(MAX_SERIES, 200), (MAX_SERIES + 1, 422)],
    ids=["at limit", "one over"],
)
def test_series_count_boundary(limited_app: Flask, n_series: int, status: int) -> None:
    body = json.dumps({"history": history(10, n_series)}).encode()
    response = post(limited_app, body)
    assert response.status_code == status
    if status == 422:
        message = response.get_json()["errors"]["history"][0]
        assert (
            f"{MAX_SERIES + 1} series, more than the limit of {MAX_SERIES}" in message
        )


@pytest.mark.parametrize(
    ("n_series", "status"),
    [(MAX_SERIES, 200), (MAX_SERIES + 1, 422)],
    ids=["at limit", "one over"],
)
def test_record_metric_count_boundary(
    limited_app: Flask, n_series: int, status: int
) -> None:
    columns = history(6, n_series)
    records = [{name: values[i] for name, values in columns.items()} for i in range(6)]
    response = post(limited_app, json.dumps({"records": records}).encode())
    assert response.status_code == status


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("MAX_CONTENT_LENGTH", "1024", 1024),
        ("MAX_EPOCHS", "500", 500),
        ("MAX_SERIES", "8", 8),
        ("MAX_BATCH_RUNS", "25", 25),
    ],
)
def test_limit_read_from_environment(name: str, raw: str, expected: int) -> None:
    assert load_settings(environ={f"DIAGNOSE_{name}": raw})[name] == expected


@pytest.mark.parametrize("name", ["MAX_CONTENT_LENGTH", "MAX_EPOCHS", "MAX_BATCH_RUNS"])
def test_limit_must_be_positive(name: str) -> None:
    with pytest.raises(ValueError, match=f"DIAGNOSE_{name} must be a positive integer"):
        load_settings(environ={f"DIAGNOSE_{name}": "0"})
