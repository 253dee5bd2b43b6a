"""Helpers for the live-run tests: bodies, curves, a threaded test service."""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from postgres_support import running_in_ci
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from diagnose_api import create_app
from diagnose_api.api.run_store import STORE_KEY

# A U-shaped validation loss: best at epoch 4, then rising.
U_SHAPED: dict[str, list[float | None]] = {
    "loss": [1.2, 0.9, 0.7, 0.55, 0.45, 0.37, 0.3, 0.25, 0.21, 0.18],
    "val_loss": [1.0, 0.8, 0.65, 0.6, 0.62, 0.66, 0.7, 0.75, 0.8, 0.86],
}


def epoch_objects(history: dict[str, list[float | None]]) -> list[dict[str, Any]]:
    """One ``{"epoch": n, ...}`` object per epoch, numbered from 1."""
    n_epochs = len(next(iter(history.values())))
    return [
        {
            "epoch": index + 1,
            **{name: values[index] for name, values in history.items()},
        }
        for index in range(n_epochs)
    ]


def post_json(client: FlaskClient, url: str, body: Any) -> TestResponse:
    """POST ``body`` as Python's json writes it, NaN and Infinity tokens included."""
    return client.post(url, data=json.dumps(body), content_type="application/json")


def make_app(tmp_path: Path, database_url: str = "") -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SQLITE_PATH": str(tmp_path / "runs.sqlite3"),
            "DATABASE_URL": database_url,
        }
    )


def close_store(app: Flask) -> None:
    app.extensions[STORE_KEY].close()


@contextmanager
def serve_in_thread(app: Flask) -> Iterator[str]:
    """Serve ``app`` over real HTTP on a free 127.0.0.1 port; yield its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def require_module(name: str) -> ModuleType:
    """Import a test dependency, or skip the module (fail in CI) without it."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        reason = f"{name} is not installed ({error}); run make test"

    if running_in_ci():
        pytest.fail(f"{name} tests cannot run in CI: {reason}")
    pytest.skip(reason, allow_module_level=True)


