"""Parts of the store that need no database: records, codecs, open_store."""

from __future__ import annotations

import math
import sqlite3
import sys
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from diagnose_api.store import EpochRow
from diagnose_api.store import InvalidCursor
from diagnose_api.store import Run
from diagnose_api.store import StoreError
from diagnose_api.store import StoreUnavailable
from diagnose_api.store import open_store
from diagnose_api.store.encoding import decode_metrics
from diagnose_api.store.encoding import encode_metrics
from diagnose_api.store.keyset import decode_cursor
from diagnose_api.store.keyset import encode_cursor
from diagnose_api.store.migrations import POSTGRES_MIGRATIONS
from diagnose_api.store.migrations import SQLITE_MIGRATIONS
from diagnose_api.store.migrations import pending_migrations


@pytest.mark.parametrize(
    ("epoch", "metrics", "expected_epoch", "expected_metrics"),
    [
        (1, {"loss": 1}, 1.0, {"loss": 1.0}),
        (0.99, {"eval_loss": None}, 0.99, {"eval_loss": None}),
        (-0.0, {"loss": 0.5}, 0.0, {"loss": 0.5}),
        (np.float64(3.0), {"acc": np.float32(0.5)}, 3.0, {"acc": 0.5}),
    ],
)
def test_epoch_row_converts_to_float(
    epoch: Any,
    metrics: dict[str, Any],
    expected_epoch: float,
    expected_metrics: dict[str, float | None],
) -> None:
    row = EpochRow(epoch=epoch, metrics=metrics)

    assert row.epoch == expected_epoch
    assert math.copysign(1.0, row.epoch) == math.copysign(1.0, expected_epoch)
    assert type(row.epoch) is float
    assert row.metrics == expected_metrics
    assert all(
        type(value) is float for value in row.metrics.values() if value is not None
    )


@pytest.mark.parametrize(
    ("epoch", "metrics", "error", "match"),
    [
        (math.nan, {"loss": 1.0}, ValueError, "epoch must be finite, got nan"),
        (math.inf, {"loss": 1.0}, ValueError, "epoch must be finite, got inf"),
        (True, {"loss": 1.0}, TypeError, "epoch must be a real number, got True"),
        ("1", {"loss": 1.0}, TypeError, "epoch must be a real number, got '1'"),
        (1.0, {}, ValueError, "metrics of epoch 1.0 must contain at least one name"),
        (1.0, [("loss", 1.0)], TypeError, "metrics of epoch 1.0 must be a dict"),
        (1.0, {"": 1.0}, TypeError, "metric names of epoch 1.0 must be non-empty"),
        (1.0, {3: 1.0}, TypeError, "metric names of epoch 1.0 must be non-empty"),
        (1.0, {"loss": "0.5"}, TypeError, "metric 'loss' of epoch 1.0 must be a real"),
        (1.0, {"loss": False}, TypeError, "metric 'loss' of epoch 1.0 must be a real"),
    ],
)
def test_epoch_row_rejects_invalid_values(
    epoch: Any, metrics: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        EpochRow(epoch=epoch, metrics=metrics)


@pytest.mark.parametrize(
    ("metrics", "text"),
    [
        ({"loss": 0.5}, '{"loss":0.5}'),
        ({"loss": math.nan}, '{"loss":"NaN"}'),
        ({"a": math.inf, "b": -math.inf}, '{"a":"Infinity","b":"-Infinity"}'),
        ({"val_loss": None, "loss": 1e-300}, '{"val_loss":null,"loss":1e-300}'),
    ],
)
def test_metrics_encode_as_strict_json(
    metrics: dict[str, float | None], text: str
) -> None:
    assert encode_metrics(metrics) == text


@pytest.mark.parametrize(
    "text",
    ['["loss"]', '{"loss":"nan"}', '{"loss":true}', '{"loss":[1]}'],
)
def test_decode_metrics_rejects_foreign_text(text: str) -> None:
    with pytest.raises(StoreError, match="stored metrics"):
        decode_metrics(text)


def test_cursor_round_trips() -> None:
    run = Run(
        id="ab" * 16,
        name=None,
        tags=(),
        stop_rule={},
        created_at=datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
    )

    keyset = decode_cursor(encode_cursor(run))

    assert keyset.created_at == run.created_at
    assert keyset.run_id == run.id


def test_cursor_out_of_range_is_invalid() -> None:
    # [10**20, "x"]: beyond year 9999.
    with pytest.raises(InvalidCursor, match="is invalid"):
        decode_cursor("WzEwMDAwMDAwMDAwMDAwMDAwMDAwMCwgIngiXQ")


def test_migration_versions_start_at_one_and_increase() -> None:
    for migrations in (SQLITE_MIGRATIONS, POSTGRES_MIGRATIONS):
        versions = [migration.version for migration in migrations]
        assert versions == list(range(1, len(versions) + 1))


def test_newer_schema_is_rejected() -> None:
    latest = SQLITE_MIGRATIONS[-1].version

    with pytest.raises(StoreError, match="is newer than the latest version"):
        pending_migrations(latest + 1, SQLITE_MIGRATIONS)


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("mysql://user:secret@host/db", "got a URL with scheme 'mysql'"),
        ("sqlite:///tmp/runs.db", "got a URL with scheme 'sqlite'"),
        ("/var/lib/runs.db", "got a URL with no scheme"),
    ],
)
def test_open_store_rejects_other_schemes(tmp_path: Path, url: str, match: str) -> None:
    with pytest.raises(ValueError, match=match) as info:
        open_store(url, tmp_path / "runs.sqlite3")

    assert "secret" not in str(info.value)


def test_open_store_without_url_creates_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "folder" / "runs.sqlite3"

    store = open_store(None, path)
    store.close()

    assert path.is_file()
    with sqlite3.connect(path) as connection:
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    assert mode == "wal"


def test_open_store_empty_url_selects_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite3"

    store = open_store("", path)
    store.close()

    assert path.is_file()


def test_open_sqlite_on_folder_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="SQLite database .* failed"):
        open_store(None, tmp_path)


def test_open_sqlite_on_foreign_file_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, but long enough to be read as a header\n" * 20)

    with pytest.raises(StoreUnavailable, match="file is not a database"):
        open_store(None, path)


def test_postgres_without_psycopg_explains_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A None entry in sys.modules makes the import raise ImportError.
    monkeypatch.setitem(sys.modules, "psycopg", None)

    with pytest.raises(ImportError, match=r"pip install 'diagnose-api\[postgres\]'"):
        open_store("postgresql://user@127.0.0.1:5432/db", tmp_path / "unused")


def test_postgres_unreachable_is_unavailable(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    # Port 1 on the loopback address refuses connections at once.
    url = "postgresql://user:secret@127.0.0.1:1/db"

    with pytest.raises(
        StoreUnavailable, match="PostgreSQL database db on 127.0.0.1:1"
    ) as info:
        open_store(url, tmp_path / "unused")

    assert "secret" not in str(info.value)


def test_postgres_malformed_url_is_value_error(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    url = "postgresql://user:secret@127.0.0.1:5432/db?bogus=1"

    with pytest.raises(ValueError, match="url is not a valid PostgreSQL") as info:
        open_store(url, tmp_path / "unused")

    assert "secret" not in str(info.value)
    assert info.value.__cause__ is None
