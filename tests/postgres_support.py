"""PostgreSQL for tests: the server's URL, and a schema of each test's own.

Tests need ``DIAGNOSE_TEST_POSTGRES_URL`` (see ``scripts/ci/start_postgres.sh``).
Without it they are skipped, except when the ``CI`` environment variable is
set, where a missing URL is an error.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pytest

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
