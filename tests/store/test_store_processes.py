"""The store shared by processes: concurrent appends, migrations, fork."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

import numpy as np
from store_support import StoreTarget
from store_support import append_in_batches
from store_support import count_rows
from store_support import metrics_for
from store_support import migration_versions
from store_support import open_together

from diagnose_api.store import EpochRow
from diagnose_api.store import RunStore

N_WRITERS = 8
EPOCHS_PER_WRITER = 25
# Writer k appends epochs 20k .. 20k + 24, so neighbours share five epochs.
WRITER_STRIDE = 20
MIGRATION_ROUNDS = 5
# Upper bound on the wait for a child's report, so that a hung child fails
# the test instead of blocking the suite. It is not a timing assertion.
RESULT_TIMEOUT_SECONDS = 120


def writer_batches(writer: int, rng: np.random.Generator) -> list[list[float]]:
    """Split a writer's epochs, shuffled, into batches of one to four."""
    start = writer * WRITER_STRIDE
    epochs = [float(epoch) for epoch in range(start, start + EPOCHS_PER_WRITER)]
    order = rng.permutation(len(epochs))
    shuffled = [epochs[index] for index in order]

    batches = []
    while shuffled:
        size = int(rng.integers(1, 5))
        batches.append(shuffled[:size])
        shuffled = shuffled[size:]
    return batches


def run_processes(target: Any, arguments: list[tuple[Any, ...]]) -> list[Any]:
    """Start one spawned process per argument tuple and collect their reports."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(*args, barrier, results))
        for args in arguments
    ]
    for process in processes:
        process.start()

    try:
        reports = [results.get(timeout=RESULT_TIMEOUT_SECONDS) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=RESULT_TIMEOUT_SECONDS)
            if process.is_alive():
                process.kill()
        results.close()

    return reports


def test_concurrent_appends_store_each_epoch_once(
    store: RunStore, store_target: StoreTarget
) -> None:
    run = store.create_run(name="shared", tags=[], stop_rule={})
    rng = np.random.default_rng(7)
    plans = [writer_batches(writer, rng) for writer in range(N_WRITERS)]

    reports = run_processes(
        append_in_batches, [(store_target, run.id, batches) for batches in plans]
    )

    errors = [error for _, _, error in reports if error is not None]
    assert not errors, "\n".join(errors)
    n_distinct = (N_WRITERS - 1) * WRITER_STRIDE + EPOCHS_PER_WRITER
    expected = [float(epoch) for epoch in range(n_distinct)]
    inserted = sorted(epoch for report in reports for epoch in report[0])
    assert inserted == expected
    attempted = sorted(epoch for report in reports for epoch in report[0] + report[1])
    assert len(attempted) == N_WRITERS * EPOCHS_PER_WRITER
    stored = store.get_epochs(run.id)
    assert [row.epoch for row in stored] == expected
    assert count_rows(store_target, "epochs") == n_distinct
    resent = store.append_epochs(
        run.id,
        [EpochRow(epoch=epoch, metrics=metrics_for(epoch)) for epoch in expected],
    )
    assert resent.unchanged == expected


def test_two_processes_opening_fresh_database_migrate_once(
    make_target: Callable[[], StoreTarget],
) -> None:
    # Several fresh databases, opened in lockstep, give the race more chances.
    targets = [make_target() for _ in range(MIGRATION_ROUNDS)]

    reports = run_processes(open_together, [(targets,), (targets,)])

    errors = [error for _, error in reports if error is not None]
    assert not errors, "\n".join(errors)
    expected = list(migration_versions(targets[0]))
    for round_index, target in enumerate(targets):
        applied = sorted(
            version for versions, _ in reports for version in versions[round_index]
        )
        assert applied == expected
        assert count_rows(target, "schema_version") == len(expected)


def append_after_fork(store: RunStore, run_id: str, results: Any) -> None:
    """Forked process entry point: use the store opened by the parent."""
    try:
        store.append_epochs(run_id, [EpochRow(epoch=2.0, metrics={"loss": 0.4})])
        results.put(None)
    except Exception as exc:  # noqa: BLE001 - any failure goes back to the test
        results.put(repr(exc))


def test_forked_process_opens_own_connections(store: RunStore) -> None:
    # A gunicorn worker is forked from a master that may have used the store.
    run = store.create_run(name=None, tags=[], stop_rule={})
    store.append_epochs(run.id, [EpochRow(epoch=1.0, metrics={"loss": 0.5})])
    context = multiprocessing.get_context("fork")
    results = context.Queue()

    child = context.Process(target=append_after_fork, args=(store, run.id, results))
    child.start()
    error = results.get(timeout=RESULT_TIMEOUT_SECONDS)
    child.join(timeout=RESULT_TIMEOUT_SECONDS)
    results.close()

    assert error is None
    assert child.exitcode == 0
    store.append_epochs(run.id, [EpochRow(epoch=3.0, metrics={"loss": 0.3})])
    assert [row.epoch for row in store.get_epochs(run.id)] == [1.0, 2.0, 3.0]
