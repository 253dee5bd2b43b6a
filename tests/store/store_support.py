"""Helpers for the run store tests, importable by spawned processes too."""

from __future__ import annotations

import math
import sqlite3
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diagnose_api.store import EpochRow
from diagnose_api.store import RunStore
from diagnose_api.store import open_store
from diagnose_api.store.migrations import POSTGRES_MIGRATIONS
from diagnose_api.store.migrations import SQLITE_MIGRATIONS

# Upper bound on the wait for peer processes at a barrier, so that a process
# whose peer failed reports an error instead of waiting forever.
BARRIER_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class StoreTarget:
    """Where one test's store lives.

    ``url`` is a PostgreSQL URL whose ``search_path`` names a schema of the
    test's own, or None for an SQLite file at ``sqlite_path``.
    """

    backend: str
    url: str | None
    sqlite_path: Path

    def open(self) -> RunStore:
        return open_store(self.url, self.sqlite_path)


def migration_versions(target: StoreTarget) -> tuple[int, ...]:
    """Versions of every migration of the target's dialect, in order."""
    migrations = SQLITE_MIGRATIONS if target.url is None else POSTGRES_MIGRATIONS
    return tuple(migration.version for migration in migrations)


def count_rows(target: StoreTarget, table: str) -> int:
    """Count a table's rows over a connection of the test's own."""
    sql = f"SELECT count(*) FROM {table}"
    if target.url is None:
        with sqlite3.connect(target.sqlite_path) as connection:
            (count,) = connection.execute(sql).fetchone()
        return int(count)

    import psycopg

    with psycopg.connect(target.url) as connection:
        row = connection.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def metrics_for(epoch: float) -> dict[str, float | None]:
    """Metrics that depend only on the epoch, so that every resend is equal."""
    return {
        "loss": 1.0 / (epoch + 1.0),
        "val_loss": math.nan if epoch % 7 == 3 else 0.5 + epoch / 1000.0,
        "lr": None if epoch % 5 == 0 else 0.001,
    }


def append_in_batches(
    target: StoreTarget,
    run_id: str,
    batches: list[list[float]],
    barrier: Any,
    results: Any,
) -> None:
    """Process entry point: append each batch, then report the outcome.

    Puts ``(inserted, unchanged, None)`` on ``results``, or
    ``([], [], traceback)`` when an append raised.
    """
    try:
        store = target.open()
        barrier.wait(timeout=BARRIER_TIMEOUT_SECONDS)
        inserted: list[float] = []
        unchanged: list[float] = []
        for batch in batches:
            rows = [
                EpochRow(epoch=epoch, metrics=metrics_for(epoch)) for epoch in batch
            ]
            result = store.append_epochs(run_id, rows)
            inserted += result.inserted
            unchanged += result.unchanged
        store.close()
    except Exception:  # noqa: BLE001 - any failure goes back to the test
        results.put(([], [], traceback.format_exc()))
        return

    results.put((inserted, unchanged, None))


def open_together(targets: list[StoreTarget], barrier: Any, results: Any) -> None:
    """Process entry point: open each target at once with the peer processes.

    Puts ``(migrations applied by each open, None)`` on ``results``, or
    ``([], traceback)`` when an open raised.
    """
    applied = []
    try:
        for target in targets:
            barrier.wait(timeout=BARRIER_TIMEOUT_SECONDS)
            store = target.open()
            applied.append(store.migrations_applied)
            store.close()
    except Exception:  # noqa: BLE001 - any failure goes back to the test
        results.put(([], traceback.format_exc()))
        return

    results.put((applied, None))
