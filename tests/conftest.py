from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from diagnose_api import create_app


@pytest.fixture()
def app(tmp_path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "SQLITE_PATH": str(tmp_path / "runs.sqlite3")})
    yield app


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()
