"""Choose and open the run store backend from the configuration."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from diagnose_api.store.protocol import RunStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(url: str | None, sqlite_path: Path) -> RunStore:
    """Open the run store and apply pending schema migrations.

    Parameters
    ----------
    url : str or None
        A ``postgresql://`` (or ``postgres://``) libpq URL selects
        PostgreSQL. None or an empty string selects SQLite.
    sqlite_path : pathlib.Path
        SQLite database file, used only when ``url`` is None or empty.

    Raises
    ------
    ValueError
        If ``url`` has any other scheme.
    ImportError
        If ``url`` selects PostgreSQL and psycopg is not installed.
    StoreUnavailable
        If the database cannot be opened or migrated.
    """
    if not url:
        from diagnose_api.store.sqlite import SQLiteStore

        return SQLiteStore(sqlite_path)

    if url.startswith(POSTGRES_SCHEMES):
        from diagnose_api.store.postgres import PostgresStore

        return PostgresStore(url)

    # Only the scheme is quoted because the rest of a URL may hold a password.
    scheme = urlsplit(url).scheme
    received = f"scheme {scheme!r}" if scheme else "no scheme"
    raise ValueError(
        "url must start with postgresql:// or be empty to use SQLite, got a URL "
        f"with {received}"
    )
