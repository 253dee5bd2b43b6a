"""Run store on a PostgreSQL server, through psycopg 3 and psycopg_pool.

Chosen by a ``postgresql://`` URL so that several hosts can share the runs.
psycopg is an optional dependency (``pip install 'diagnose-api[postgres]'``)
imported only when this backend is opened.

An append inserts its rows with ``INSERT ... ON CONFLICT DO NOTHING
RETURNING epoch``, then compares the epochs it did not insert with their
stored metrics, all in one READ COMMITTED transaction. When two transactions
insert the same epoch, the second waits for the first to end and then finds
its row, so an epoch is stored exactly once. Rows are inserted in epoch
order, so overlapping appends lock rows in the same order and cannot
deadlock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import TYPE_CHECKING
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
from diagnose_api.store.migrations import POSTGRES_MIGRATION_LOCK
from diagnose_api.store.migrations import POSTGRES_MIGRATIONS
from diagnose_api.store.migrations import POSTGRES_VERSION_TABLE
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

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

# Seconds libpq waits for a new connection when the URL sets no
# connect_timeout, and a call waits for a working pooled connection before it
# raises StoreUnavailable. While the server is down every call waits this
# long, so it stays short: a sync gunicorn worker is blocked meanwhile.
CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 5.0
# Shorter wait for ping(), which readiness probes call with their own timeout.
PING_TIMEOUT_SECONDS = 2.0

# Connections per process. A sync gunicorn worker uses one at a time; the
# rest serve threaded workers and the Flask development server.
POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 4


class PostgresStore:
    """``RunStore`` on one PostgreSQL database.

    Each process gets its own connection pool, created on first use and
    keyed by process id, so a pool inherited through ``fork`` (a gunicorn
    worker forked from a master that opened the store) is never used.
    Opening the store applies pending migrations over a connection of its
    own that it closes before returning.

    Parameters
    ----------
    url : str
        libpq connection URL, ``postgresql://user:password@host:port/dbname``
        with optional query parameters such as ``sslmode`` or ``options``.

    Attributes
    ----------
    migrations_applied : tuple of int
        Versions of the migrations that this open applied (empty when the
        schema was already current).

    Raises
    ------
    ImportError
        If psycopg or psycopg_pool is not installed.
    StoreUnavailable
        If the server cannot be reached.
    """

    def __init__(self, url: str) -> None:
        psycopg, _ = _import_driver()
        try:
            conninfo = psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            # Neither psycopg's message nor its traceback is kept, because
            # both may quote the password.
            raise ValueError("url is not a valid PostgreSQL connection URL") from None

        if "connect_timeout" not in conninfo:
            conninfo["connect_timeout"] = str(CONNECT_TIMEOUT_SECONDS)

        self._conninfo = psycopg.conninfo.make_conninfo(**conninfo)
        self._where = _describe_server(conninfo)
        self._lock = threading.Lock()
        self._pools: dict[int, psycopg_pool.ConnectionPool[Any]] = {}

        with (
            self._translate_errors(),
            psycopg.connect(self._conninfo, autocommit=True) as connection,
        ):
            self.migrations_applied = _migrate(connection)

    def create_run(
        self, *, name: str | None, tags: list[str], stop_rule: dict[str, Any]
    ) -> Run:
        run = new_run(name=name, tags=tags, stop_rule=stop_rule)

        with self._connection() as connection, connection.transaction():
            connection.execute(
                "INSERT INTO runs (id, name, tags, stop_rule, created_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                (
                    run.id,
                    run.name,
                    encode_document(list(run.tags)),
                    encode_document(run.stop_rule),
                    run.created_at,
                ),
            )
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO run_tags (run_id, tag, created_at) "
                    "VALUES (%s, %s, %s)",
                    [(run.id, tag, run.created_at) for tag in run.tags],
                )

        return run

    def get_run(self, run_id: str) -> Run | None:
        with self._connection() as connection:
            row = connection.execute(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE id = %s", (run_id,)
            ).fetchone()

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
            after = (keyset.created_at, keyset.run_id)

        sql, parameters = list_runs_query(
            tag=tag, after=after, limit=limit + 1, placeholder="%s"
        )
        with self._connection() as connection:
            rows = connection.execute(sql, parameters).fetchall()

        runs = [_run_from_row(row) for row in rows[:limit]]
        next_cursor = encode_cursor(runs[-1]) if len(rows) > limit else None
        return RunPage(runs=runs, next_cursor=next_cursor)

    def delete_run(self, run_id: str) -> bool:
        # Epochs and tags go with the run through ON DELETE CASCADE.
        with self._connection() as connection:
            cursor = connection.execute("DELETE FROM runs WHERE id = %s", (run_id,))

        return cursor.rowcount > 0

    def append_epochs(self, run_id: str, rows: list[EpochRow]) -> AppendResult:
        ordered = sorted_rows(rows)

        with self._connection() as connection, connection.transaction():
            # FOR KEY SHARE makes a concurrent delete of the run wait for
            # this transaction, so no row can lose its run midway.
            found = connection.execute(
                "SELECT 1 FROM runs WHERE id = %s FOR KEY SHARE", (run_id,)
            ).fetchone()
            if found is None:
                raise RunNotFound(run_id)

            if not ordered:
                return AppendResult(inserted=[], unchanged=[])

            inserted = _insert_new(connection, run_id, ordered)
            resent = [row for row in ordered if row.epoch not in inserted]
            stored = _stored_metrics(connection, run_id, resent)
            # Raising here rolls back the inserts above.
            unchanged = check_resent(run_id, resent, stored)

        return AppendResult(
            inserted=[row.epoch for row in ordered if row.epoch in inserted],
            unchanged=unchanged,
        )

    def get_epochs(self, run_id: str) -> list[EpochRow]:
        # One statement, so the run check and the rows see one snapshot. A
        # run without epochs gives one row of NULLs.
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT epochs.epoch, epochs.metrics FROM runs "
                "LEFT JOIN epochs ON epochs.run_id = runs.id "
                "WHERE runs.id = %s ORDER BY epochs.epoch",
                (run_id,),
            ).fetchall()

        if not rows:
            raise RunNotFound(run_id)

        return [
            EpochRow(epoch=epoch, metrics=decode_metrics(text))
            for epoch, text in rows
            if epoch is not None
        ]

    def ping(self) -> None:
        with self._connection(timeout=PING_TIMEOUT_SECONDS) as connection:
            connection.execute("SELECT max(version) FROM schema_version")

    def close(self) -> None:
        with self._lock:
            pool = self._pools.pop(os.getpid(), None)

        if pool is not None:
            pool.close()

    @contextmanager
    def _connection(
        self, timeout: float | None = None
    ) -> Iterator[psycopg.Connection[Any]]:
        """Lend a pooled autocommit connection of this process.

        ``timeout`` overrides the pool's wait of ``POOL_TIMEOUT_SECONDS``.
        """
        with (
            self._translate_errors(),
            self._pool().connection(timeout=timeout) as connection,
        ):
            yield connection

    def _pool(self) -> psycopg_pool.ConnectionPool[Any]:
        pid = os.getpid()
        pool = self._pools.get(pid)
        if pool is not None:
            return pool

        _, pool_module = _import_driver()
        with self._lock:
            pool = self._pools.get(pid)
            if pool is None:
                pool = pool_module.ConnectionPool(
                    self._conninfo,
                    kwargs={"autocommit": True},
                    min_size=POOL_MIN_SIZE,
                    max_size=POOL_MAX_SIZE,
                    timeout=POOL_TIMEOUT_SECONDS,
                    # Replaces a connection that a server restart broke
                    # before a request gets it, at one round trip per loan.
                    check=pool_module.ConnectionPool.check_connection,
                    open=True,
                )
                self._pools[pid] = pool

        return pool

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        """Raise connection failures and pool timeouts as ``StoreUnavailable``."""
        psycopg, _ = _import_driver()
        try:
            yield
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"{self._where} failed: {exc}") from exc


def _insert_new(
    connection: psycopg.Connection[Any], run_id: str, rows: list[EpochRow]
) -> set[float]:
    """Insert the rows whose epoch is not stored yet; return their epochs."""
    # %b sends the arrays in binary. In text format psycopg escapes every
    # JSON string of the text array with a regular expression, which took
    # more than half the time of a 100,000-row append.
    cursor = connection.execute(
        """
        INSERT INTO epochs (run_id, epoch, metrics)
        SELECT %s, item.epoch, item.metrics
        FROM unnest(%b::double precision[], %b::text[]) AS item (epoch, metrics)
        ORDER BY item.epoch
        ON CONFLICT (run_id, epoch) DO NOTHING
        RETURNING epoch
        """,
        (
            run_id,
            [row.epoch for row in rows],
            [encode_metrics(row.metrics) for row in rows],
        ),
    )
    return {epoch for (epoch,) in cursor.fetchall()}


def _stored_metrics(
    connection: psycopg.Connection[Any], run_id: str, rows: list[EpochRow]
) -> dict[float, dict[str, float | None]]:
    if not rows:
        return {}

    cursor = connection.execute(
        "SELECT epoch, metrics FROM epochs "
        "WHERE run_id = %s AND epoch = ANY(%b::double precision[])",
        (run_id, [row.epoch for row in rows]),
    )
    return {epoch: decode_metrics(text) for epoch, text in cursor.fetchall()}


def _migrate(connection: psycopg.Connection[Any]) -> tuple[int, ...]:
    """Apply pending migrations in one transaction under an advisory lock."""
    applied = []
    with connection.transaction():
        # Held until the transaction ends: a second process opening the
        # store waits here, then finds the schema current.
        connection.execute(
            "SELECT pg_advisory_xact_lock(%s)", (POSTGRES_MIGRATION_LOCK,)
        )
        connection.execute(POSTGRES_VERSION_TABLE)
        row = connection.execute(
            "SELECT coalesce(max(version), 0) FROM schema_version"
        ).fetchone()
        current = 0 if row is None else row[0]

        for migration in pending_migrations(current, POSTGRES_MIGRATIONS):
            for statement in migration.statements:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_version (version, description) VALUES (%s, %s)",
                (migration.version, migration.description),
            )
            applied.append(migration.version)

    return tuple(applied)


def _run_from_row(row: tuple[Any, ...]) -> Run:
    run_id, name, tags, stop_rule, created_at = row
    return Run(
        id=run_id,
        name=name,
        tags=tuple(decode_document(tags)),
        stop_rule=decode_document(stop_rule),
        created_at=created_at.astimezone(UTC),
    )


def _describe_server(conninfo: dict[str, Any]) -> str:
    """Name the database and server for messages, leaving out the password."""
    host = conninfo.get("host") or conninfo.get("hostaddr") or "the default host"
    port = conninfo.get("port") or "5432"
    dbname = conninfo.get("dbname") or "the default database"
    return f"PostgreSQL database {dbname} on {host}:{port}"


def _import_driver() -> tuple[Any, Any]:
    """Import psycopg and psycopg_pool, or explain how to install them."""
    try:
        import psycopg
        import psycopg.conninfo
        import psycopg_pool
    except ImportError as exc:
        raise ImportError(
            "a postgresql:// store URL needs psycopg 3 and psycopg_pool, which "
            "are not installed: pip install 'diagnose-api[postgres]'"
        ) from exc

    return psycopg, psycopg_pool
