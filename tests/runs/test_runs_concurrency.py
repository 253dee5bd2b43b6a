"""Many clients appending overlapping epochs through a real gunicorn with 4 workers.

Every thread appends every epoch of its run, shuffled and in batches, so
each epoch is sent by several threads at once. Afterwards each epoch must be
stored exactly once, and exactly one append must report it inserted.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from postgres_support import truncate_data_tables
from server import start_server

from diagnose_api.client import DiagnoseClient

N_THREADS = 24
N_RUNS = 3
N_EPOCHS = 30
BATCH_SIZE = 5
WORKERS = 4
BARRIER_TIMEOUT_SECONDS = 60.0


@pytest.fixture(params=["sqlite", "postgresql"])
def service_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    # --preload imports the app once in the master: the workers start faster,
    # and each must open the store itself after the fork.
    env = {"GUNICORN_CMD_ARGS": "--preload"}
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_runs_url")
        truncate_data_tables(url)
        env["DIAGNOSE_DATABASE_URL"] = url

    server = start_server(tmp_path, env=env, workers=WORKERS)
    yield server.url
    assert server.stop() == 0, server.log()


def metrics_for(epoch: int) -> dict[str, float | None]:
    """Metrics that depend only on the epoch, so that every resend is equal."""
    return {
        "loss": 1.0 / (epoch + 1.0),
        "val_loss": 0.5 + (epoch - 12) ** 2 / 500.0,
        "lr": None if epoch % 5 == 0 else 0.001,
    }


def append_all_epochs(
    url: str, run_id: str, seed: int, barrier: threading.Barrier
) -> tuple[str, list[float], list[float]]:
    """Append every epoch of the run in shuffled batches; return what was inserted."""
    client = DiagnoseClient(url, timeout=30.0, retries=2, backoff=0.05)
    order = np.random.default_rng(seed).permutation(np.arange(1, N_EPOCHS + 1))
    batches = [
        order[start : start + BATCH_SIZE] for start in range(0, N_EPOCHS, BATCH_SIZE)
    ]
    inserted: list[float] = []
    unchanged: list[float] = []
    barrier.wait(timeout=BARRIER_TIMEOUT_SECONDS)
    for batch in batches:
        epochs = [{"epoch": int(epoch), **metrics_for(int(epoch))} for epoch in batch]
        result = client.append_epochs(run_id, epochs)
        inserted += result["inserted"]
        unchanged += result["unchanged"]
    return run_id, inserted, unchanged


def test_parallel_appends_store_each_epoch_once(service_url: str) -> None:
    client = DiagnoseClient(service_url, timeout=30.0)
    run_ids = [
        client.create_run(name=f"parallel-{index}", options={"patience": 3})["id"]
        for index in range(N_RUNS)
    ]
    barrier = threading.Barrier(N_THREADS)
    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        futures = [
            pool.submit(
                append_all_epochs, service_url, run_ids[index % N_RUNS], index, barrier
            )
            for index in range(N_THREADS)
        ]
        results = [future.result() for future in futures]

    expected = [float(epoch) for epoch in range(1, N_EPOCHS + 1)]
    senders_per_run = N_THREADS // N_RUNS
    for run_id in run_ids:
        inserted: Counter[float] = Counter()
        n_unchanged = 0
        for result_run, result_inserted, result_unchanged in results:
            if result_run == run_id:
                inserted.update(result_inserted)
                n_unchanged += len(result_unchanged)

        assert sorted(inserted) == expected
        assert set(inserted.values()) == {1}
        assert n_unchanged == N_EPOCHS * (senders_per_run - 1)

        run: dict[str, Any] = client.get_run(run_id)
        assert [row["epoch"] for row in run["epochs"]] == expected
        for row in run["epochs"]:
            assert row == {"epoch": row["epoch"], **metrics_for(int(row["epoch"]))}

        diagnosis = client.get_diagnosis(run_id)
        assert diagnosis["n_epochs"] == N_EPOCHS
        assert diagnosis["should_stop"] is True
        assert diagnosis["restore_epoch"] == 12
