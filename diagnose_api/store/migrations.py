"""Versioned schema migrations, one ordered list per SQL dialect.

The table ``schema_version`` has one row per applied migration. Opening a
store applies, in one transaction, every migration whose version exceeds the
highest stored version. Each backend serializes that transaction across
processes (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), so two
processes opening a fresh database at once apply each migration once.

To change the schema, append a ``Migration`` with the next version to both
lists; never edit one that has shipped.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from diagnose_api.store.errors import StoreError


@dataclass(frozen=True)
class Migration:
    """One schema change: its version, a one-line summary and its statements."""

    version: int
    description: str
    statements: tuple[str, ...]


SQLITE_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT
"""

POSTGRES_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""

# Key of the transaction-level advisory lock that serializes PostgreSQL
# migrations within one database: CRC-32 of a name unique to this package.
POSTGRES_MIGRATION_LOCK = zlib.crc32(b"diagnose_api.store.migrations")

# SQLite keeps created_at as microseconds since 1970-01-01 UTC because it has
# no timestamp type; tags and stop rules are JSON text in both dialects.
# run_tags repeats created_at so that a tag-filtered page is one index scan.
SQLITE_MIGRATIONS = (
    Migration(
        version=1,
        description="runs, run tags and epochs",
        statements=(
            """
            CREATE TABLE runs (
                id TEXT PRIMARY KEY,
                name TEXT,
                tags TEXT NOT NULL,
                stop_rule TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT
            """,
            "CREATE INDEX runs_by_created_at ON runs (created_at DESC, id DESC)",
            """
            CREATE TABLE run_tags (
                run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                tag TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (run_id, tag)
            ) STRICT, WITHOUT ROWID
            """,
            """
            CREATE INDEX run_tags_by_tag
            ON run_tags (tag, created_at DESC, run_id DESC)
            """,
            """
            CREATE TABLE epochs (
                run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                epoch REAL NOT NULL,
                metrics TEXT NOT NULL,
                PRIMARY KEY (run_id, epoch)
            ) STRICT, WITHOUT ROWID
            """,
        ),
    ),
)

POSTGRES_MIGRATIONS = (
    Migration(
        version=1,
        description="runs, run tags and epochs",
        statements=(
            """
            CREATE TABLE runs (
                id text PRIMARY KEY,
                name text,
                tags text NOT NULL,
                stop_rule text NOT NULL,
                created_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX runs_by_created_at ON runs (created_at DESC, id DESC)",
            """
            CREATE TABLE run_tags (
                run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                tag text NOT NULL,
                created_at timestamptz NOT NULL,
                PRIMARY KEY (run_id, tag)
            )
            """,
            """
            CREATE INDEX run_tags_by_tag
            ON run_tags (tag, created_at DESC, run_id DESC)
            """,
            """
            CREATE TABLE epochs (
                run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                epoch double precision NOT NULL,
                metrics text NOT NULL,
                PRIMARY KEY (run_id, epoch)
            )
            """,
        ),
    ),
)


def pending_migrations(
    current: int, migrations: tuple[Migration, ...]
) -> tuple[Migration, ...]:
    """Return the migrations to apply to a schema at version ``current``.

    Raises
    ------
    StoreError
        If ``current`` exceeds the latest version this release defines, which
        means a newer release already migrated the database.
    """
    latest = migrations[-1].version
    if current > latest:
        raise StoreError(
            f"database schema version {current} is newer than the latest "
            f"version {latest} this release defines; upgrade diagnose-api"
        )

    return tuple(migration for migration in migrations if migration.version > current)
