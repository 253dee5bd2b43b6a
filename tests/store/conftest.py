"""Fixtures that run each store test on SQLite and on PostgreSQL.

PostgreSQL tests need ``DIAGNOSE_TEST_POSTGRES_URL`` (see
``scripts/ci/start_postgres.sh``). Without it they are skipped, except when
the ``CI`` environment variable is set, where a missing URL is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from postgres_support import create_schema
from postgres_support import drop_schemas
from postgres_support import require_postgres
from postgres_support import truncate_data_tables
from postgres_support import with_search_path
from store_support import StoreTarget

from diagnose_api.store import RunStore

BACKENDS = ["sqlite", "postgresql"]


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
