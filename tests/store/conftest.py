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
BACKENDS = ["sqlite", "postgresql"]


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


def create_schema(url: str) -> str:
    import psycopg

    schema = f"test_{uuid.uuid4().hex}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    return schema


def drop_schemas(url: str, schemas: list[str]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for schema in schemas:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


def truncate_data_tables(url: str) -> None:
    """Empty every table of the URL's schema except ``schema_version``."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename <> 'schema_version'"
        ).fetchall()
        tables = ", ".join(table for (table,) in rows)
        connection.execute(f"TRUNCATE {tables}")


@pytest.fixture(params=BACKENDS)
def make_target(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], StoreTarget]]:
    """A factory of fresh databases: new SQLite files or new PostgreSQL schemas.

    Nothing is migrated before the first open.
    """
    if request.param == "sqlite":
        paths = (tmp_path / f"state-{index}" / "runs.sqlite3" for index in count())
        yield lambda: StoreTarget(backend="sqlite", url=None, sqlite_path=next(paths))
        return

    url = require_postgres()
    schemas: list[str] = []

    def make_postgres_target() -> StoreTarget:
        schemas.append(create_schema(url))
        return StoreTarget(
            backend="postgresql",
            url=with_search_path(url, schemas[-1]),
            sqlite_path=tmp_path / "unused.sqlite3",
        )

    yield make_postgres_target

    drop_schemas(url, schemas)


@pytest.fixture(scope="session")
def shared_postgres_target(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StoreTarget]:
    """One migrated PostgreSQL schema, emptied before each test that uses it.

    Reusing it saves creating, migrating and dropping a schema per test.
    """
    url = require_postgres()
    schema = create_schema(url)
    target = StoreTarget(
        backend="postgresql",
        url=with_search_path(url, schema),
        sqlite_path=tmp_path_factory.mktemp("unused") / "unused.sqlite3",
    )
    target.open().close()

    yield target

    drop_schemas(url, [schema])


@pytest.fixture(params=BACKENDS)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> StoreTarget:
    """A database without runs: a new SQLite file or the emptied shared schema.

    Tests that need a database no store has opened yet use ``make_target``.
    """
    if request.param == "sqlite":
        return StoreTarget(
            backend="sqlite",
            url=None,
            sqlite_path=tmp_path / "state" / "runs.sqlite3",
        )

    target: StoreTarget = request.getfixturevalue("shared_postgres_target")
    assert target.url is not None
    truncate_data_tables(target.url)
    return target


@pytest.fixture
def store(store_target: StoreTarget) -> Iterator[RunStore]:
    """An open store on the test's database without runs."""
    opened = store_target.open()
    yield opened
    opened.close()
