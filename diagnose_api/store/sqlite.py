"""Run store on an SQLite file, the default backend.

The file and its parent folder are created on first use. The database runs
in WAL mode, so reads go on while an append holds the write lock. Every
write starts with ``BEGIN IMMEDIATE``, which takes SQLite's single write
lock before reading anything. Appends from several gunicorn worker
processes therefore queue on that lock, for up to ``BUSY_TIMEOUT_SECONDS``,
instead of failing on a stale read halfway through.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from diagnose_api.store.encoding import decode_document
from diagnose_api.store.encoding import decode_metrics
from diagnose_api.store.encoding import encode_document
from diagnose_api.store.encoding import encode_metrics
from diagnose_api.store.errors import RunNotFound
from diagnose_api.store.errors import StoreUnavailable
from diagnose_api.store.idempotency import check_resent
from diagnose_api.store.keyset import decode_cursor
from diagnose_api.store.keyset import encode_cursor
from diagnose_api.store.keyset import from_microseconds
from diagnose_api.store.keyset import to_microseconds
from diagnose_api.store.migrations import SQLITE_MIGRATIONS
from diagnose_api.store.migrations import SQLITE_VERSION_TABLE
from diagnose_api.store.migrations import pending_migrations
from diagnose_api.store.queries import RUN_COLUMNS
from diagnose_api.store.queries import list_runs_query
from diagnose_api.store.records import AppendResult
from diagnose_api.store.records import EpochRow
from diagnose_api.store.records import Run
from diagnose_api.store.records import RunPage
from diagnose_api.store.validation import check_limit
from diagnose_api.store.validation import check_tag
from diagnose_api.store.validation import new_run
from diagnose_api.store.validation import sorted_rows

# Maximum time a statement waits for another connection's lock before it
# fails with "database is locked" (raised as StoreUnavailable).
BUSY_TIMEOUT_SECONDS = 10.0

# Pause between attempts to switch a busy database file to WAL mode.
WAL_RETRY_SECONDS = 0.01


class SQLiteStore:
    """``RunStore`` on one SQLite file.

    Connections are opened lazily, one per thread and process. A connection
    inherited through ``fork`` is never used, because SQLite's documentation
    warns that a connection carried into a child process can corrupt the
    database. Opening the store
    switches the file to WAL mode and applies pending migrations.

    Parameters
    ----------
    path : pathlib.Path
        Database file; it and its parent folders are created if missing.

    Attributes
    ----------
    migrations_applied : tuple of int
        Versions of the migrations that this open applied (empty when the
        schema was already current).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[tuple[int, sqlite3.Connection]] = []
        self._generation = 0

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _translate_errors(self.path), closing(self._connect()) as connection:
            _enable_wal(connection)
            self.migrations_applied = _migrate(connection)

    def create_run(
        self, *, name: str | None, tags: list[str], stop_rule: dict[str, Any]
    ) -> Run:
        run = new_run(name=name, tags=tags, stop_rule=stop_rule)
        created_at = to_microseconds(run.created_at)

        with self._transaction("BEGIN IMMEDIATE") as connection:
            connection.execute(
                "INSERT INTO runs (id, name, tags, stop_rule, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    run.id,
                    run.name,
                    encode_document(list(run.tags)),
                    encode_document(run.stop_rule),
                    created_at,
                ),
            )
            connection.executemany(
                "INSERT INTO run_tags (run_id, tag, created_at) VALUES (?, ?, ?)",
                [(run.id, tag, created_at) for tag in run.tags],
            )

        return run

    def get_run(self, run_id: str) -> Run | None:
        with _translate_errors(self.path):
            row = (
                self._connection()
                .execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
                .fetchone()
            )

        return None if row is None else _run_from_row(row)

    def list_runs(
        self, *, tag: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> RunPage:
        check_limit(limit)
        if tag is not None:
            check_tag(tag)

        after = None
        if cursor is not None:
            keyset = decode_cursor(cursor)
            after = (to_microseconds(keyset.created_at), keyset.run_id)

        sql, parameters = list_runs_query(
            tag=tag, after=after, limit=limit + 1, placeholder="?"
        )
        with _translate_errors(self.path):
            rows = self._connection().execute(sql, parameters).fetchall()

        runs = [_run_from_row(row) for row in rows[:limit]]
        next_cursor = encode_cursor(runs[-1]) if len(rows) > limit else None
        return RunPage(runs=runs, next_cursor=next_cursor)

    def delete_run(self, run_id: str) -> bool:
        # Epochs and tags go with the run through ON DELETE CASCADE.
        with self._transaction("BEGIN IMMEDIATE") as connection:
            cursor = connection.execute("DELETE FROM runs WHERE id = ?", (run_id,))

        return cursor.rowcount > 0

    def append_epochs(self, run_id: str, rows: list[EpochRow]) -> AppendResult:
        ordered = sorted_rows(rows)

        with self._transaction("BEGIN IMMEDIATE") as connection:
            _require_run(connection, run_id)
            if not ordered:
                return AppendResult(inserted=[], unchanged=[])

            # The write lock is held, so what this reads stays true until
            # COMMIT. One range scan finds every stored epoch of the request.
            stored_text = dict(
                connection.execute(
                    "SELECT epoch, metrics FROM epochs "
                    "WHERE run_id = ? AND epoch BETWEEN ? AND ?",
                    (run_id, ordered[0].epoch, ordered[-1].epoch),
                ).fetchall()
            )
            resent = [row for row in ordered if row.epoch in stored_text]
            stored = {
                row.epoch: decode_metrics(stored_text[row.epoch]) for row in resent
            }
            unchanged = check_resent(run_id, resent, stored)

            new_rows = [row for row in ordered if row.epoch not in stored_text]
            connection.executemany(
                "INSERT INTO epochs (run_id, epoch, metrics) VALUES (?, ?, ?)",
                [(run_id, row.epoch, encode_metrics(row.metrics)) for row in new_rows],
            )

        return AppendResult(
            inserted=[row.epoch for row in new_rows], unchanged=unchanged
        )

    def get_epochs(self, run_id: str) -> list[EpochRow]:
        # A read transaction, so that the run check and the rows agree.
        with self._transaction("BEGIN") as connection:
            _require_run(connection, run_id)
            rows = connection.execute(
                "SELECT epoch, metrics FROM epochs WHERE run_id = ? ORDER BY epoch",
                (run_id,),
            ).fetchall()

        return [
            EpochRow(epoch=epoch, metrics=decode_metrics(text)) for epoch, text in rows
        ]

    def ping(self) -> None:
        with _translate_errors(self.path):
            self._connection().execute("SELECT max(version) FROM schema_version")

    def close(self) -> None:
        pid = os.getpid()
        with self._lock:
            owned = [
                connection for owner, connection in self._connections if owner == pid
            ]
            # Connections inherited through fork stay referenced and untouched.
            self._connections = [
                entry for entry in self._connections if entry[0] != pid
            ]
            self._generation += 1

        for connection in owned:
            connection.close()

    def _connection(self) -> sqlite3.Connection:
        """Return this thread's connection, opening it on first use."""
        local = self._local
        current = (os.getpid(), self._generation)
        if getattr(local, "owner", None) == current:
            connection: sqlite3.Connection = local.connection
            return connection

        connection = self._connect()
        with self._lock:
            self._connections.append((current[0], connection))

        local.owner = current
        local.connection = connection
        return connection

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit BEGIN; every transaction below is
        # explicit. check_same_thread=False only lets close() run on another
        # thread; each thread otherwise uses its own connection.
        connection = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
            check_same_thread=False,
        )
        connection.execute("PRAGMA foreign_keys = ON")
        # In WAL mode NORMAL keeps the database consistent after a crash but
        # may lose the last commits on power loss, the usual trade for WAL.
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction, rolled back if it raises."""
        with _translate_errors(self.path):
            connection = self._connection()
            connection.execute(begin)
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise

            connection.execute("COMMIT")


def _enable_wal(connection: sqlite3.Connection) -> None:
    """Switch the database file to WAL mode, retrying while it is busy.

    The switch needs an exclusive lock, and SQLite reports SQLITE_BUSY at
    once, without calling the busy handler, when another process opening a
    fresh file holds a lock. The mode is stored in the file, so once one
    process has switched it the others find WAL already set.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
            if time.monotonic() > deadline:
                raise

        time.sleep(WAL_RETRY_SECONDS)


def _migrate(connection: sqlite3.Connection) -> tuple[int, ...]:
    """Apply pending migrations in one ``BEGIN IMMEDIATE`` transaction."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(SQLITE_VERSION_TABLE)
        (current,) = connection.execute(
            "SELECT coalesce(max(version), 0) FROM schema_version"
        ).fetchone()

        applied = []
        for migration in pending_migrations(current, SQLITE_MIGRATIONS):
            for statement in migration.statements:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                (migration.version, migration.description),
            )
            applied.append(migration.version)
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise

    connection.execute("COMMIT")
    return tuple(applied)


def _require_run(connection: sqlite3.Connection, run_id: str) -> None:
    row = connection.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        raise RunNotFound(run_id)


def _run_from_row(row: tuple[Any, ...]) -> Run:
    run_id, name, tags, stop_rule, created_at = row
    return Run(
        id=run_id,
        name=name,
        tags=tuple(decode_document(tags)),
        stop_rule=decode_document(stop_rule),
        created_at=from_microseconds(created_at),
    )


@contextmanager
def _translate_errors(path: Path) -> Iterator[None]:
    """Raise SQLite's operational failures as ``StoreUnavailable``."""
    try:
        yield
    except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
        raise
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable(f"SQLite database {path} failed: {exc}") from exc
