"""Fixtures that run each store test on SQLite and on PostgreSQL.

PostgreSQL tests need ``DIAGNOSE_TEST_POSTGRES_URL`` (see
``scripts/ci/start_postgres.sh``). Without it they are skipped, except when
the ``CI`` environment variable is set, where a missing URL is an error.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from urllib.parse import quote
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pytest
from store_support import StoreTarget

from diagnose_api.store import RunStore

POSTGRES_URL_VARIABLE = "DIAGNOSE_TEST_POSTGRES_URL"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def require_postgres() -> str:
    """Return the test server's URL, or skip (fail in CI) without one."""
    reason = ""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "")
    if not url:
        reason = (
            f"{POSTGRES_URL_VARIABLE} is not set; start a server with "
            "scripts/ci/start_postgres.sh and export its URL"
        )

    try:
        import psycopg  # noqa: F401
    except ImportError:
        reason = "psycopg is not installed: pip install -e '.[postgres]'"

    if not reason:
        return url

    if running_in_ci():
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
    pytest.skip(reason)


def with_search_path(url: str, schema: str) -> str:
    """Add ``options=-c search_path=SCHEMA`` to the URL's query."""
    parts = urlsplit(url)
    option = "options=" + quote(f"-csearch_path={schema}", safe="")
    query = f"{parts.query}&{option}" if parts.query else option
    return urlunsplit(parts._replace(query=query))


@pytest.fixture(params=["sqlite", "postgresql"])
def make_target(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], StoreTarget]]:
    """A factory of empty databases: new SQLite files or new PostgreSQL schemas."""
    if request.param == "sqlite":
        paths = (tmp_path / f"state-{index}" / "runs.sqlite3" for index in count())
        yield lambda: StoreTarget(backend="sqlite", url=None, sqlite_path=next(paths))
        return

    url = require_postgres()
    import psycopg

    schemas: list[str] = []

    def make_postgres_target() -> StoreTarget:
        schema = f"test_{uuid.uuid4().hex}"
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        return StoreTarget(
            backend="postgresql",
            url=with_search_path(url, schema),
            sqlite_path=tmp_path / "unused.sqlite3",
        )

    yield make_postgres_target

    with psycopg.connect(url, autocommit=True) as connection:
        for schema in schemas:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store_target(make_target: Callable[[], StoreTarget]) -> StoreTarget:
    """An empty database of the backend under test."""
    return make_target()


@pytest.fixture
def store(store_target: StoreTarget) -> Iterator[RunStore]:
    """An open store on the test's empty database."""
    opened = store_target.open()
    yield opened
    opened.close()
