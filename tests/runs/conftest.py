"""Fixtures that run each live-run API test on SQLite and on PostgreSQL.

PostgreSQL tests follow the rule of ``postgres_support``: skipped without
``DIAGNOSE_TEST_POSTGRES_URL``, failed without it in CI.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from postgres_support import create_schema
from postgres_support import drop_schemas
from postgres_support import require_postgres
from postgres_support import truncate_data_tables
from postgres_support import with_search_path
from runs_support import close_store
from runs_support import make_app
from runs_support import serve_in_thread
from scripted_server import Reply
from scripted_server import ScriptedServer

from diagnose_api.store import open_store

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_runs_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of one PostgreSQL schema for the live-run tests, dropped at the end."""
    url = require_postgres()
    schema = create_schema(url)
    schema_url = with_search_path(url, schema)
    # Migrate once, so that each test only empties the tables.
    open_store(schema_url, tmp_path_factory.mktemp("unused") / "unused.sqlite3").close()
    yield schema_url
    drop_schemas(url, [schema])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """Empty for SQLite, else the emptied PostgreSQL schema's URL."""
    if request.param == "sqlite":
        return ""

    url: str = request.getfixturevalue("postgres_runs_url")
    truncate_data_tables(url)
    return url


@pytest.fixture()
def runs_app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, database_url)
    yield app
    close_store(app)


@pytest.fixture()
def runs_client(runs_app: Flask) -> FlaskClient:
    return runs_app.test_client()


@pytest.fixture(scope="module")
def live_service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service over real HTTP in a thread of the test process, on SQLite."""
    app = make_app(tmp_path_factory.mktemp("service"))
    with serve_in_thread(app) as url:
        yield url
    close_store(app)


@pytest.fixture()
def scripted() -> Iterator[Callable[..., tuple[ScriptedServer, str]]]:
    """Start a ScriptedServer on 127.0.0.1 for a script; stop them all after."""
    servers: list[ScriptedServer] = []
    threads: list[threading.Thread] = []

    def start(*script: Reply) -> tuple[ScriptedServer, str]:
        server = ScriptedServer(list(script))
        thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), daemon=True
        )
        thread.start()
        servers.append(server)
        threads.append(thread)
        return server, f"http://127.0.0.1:{server.server_port}"

    yield start

    for server in servers:
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join()
