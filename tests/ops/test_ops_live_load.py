"""Bounded load on live runs while one gunicorn worker is killed: no epoch lost.

N_CLIENTS threads each own a live run and append its next 1 to MAX_BATCH
epochs per request through ``DiagnoseClient``, whose retries on connection
errors and 5xx statuses are the ones under test. They stop after
MAX_REQUESTS requests in total or MAX_SECONDS, whichever comes first.

A third of the way through, the test pauses the clients until the workers
are idle, takes the store's write lock and lets the clients go on. It kills
the first worker that accepts an append with SIGKILL, then releases the
lock. That append cannot have passed the lock, so it is in flight and has
written nothing when the worker dies, and its client must retry it. The
arbiter starts a replacement. Afterwards every run is read back through
``GET /v1/runs/{id}`` and compared with what was sent.

NOTE: the kill always lands while the append waits for the lock. A kill
after COMMIT but before the response happens only when the load produces
it by chance. test_lost_response_retry_is_idempotent covers the retry of a
stored append instead, with a client timeout in place of the kill.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from contextlib import closing
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ops_support import Budget
from ops_support import accepted_connections
from ops_support import child_pids
from ops_support import json_lines
from ops_support import process_exited
from postgres_support import create_schema
from postgres_support import drop_schemas
from postgres_support import require_postgres
from postgres_support import with_search_path
from server import Server
from server import start_server

from diagnose_api.client import ClientError
from diagnose_api.client import DiagnoseClient

BACKENDS = ["sqlite", "postgresql"]
WORKERS = 2
N_CLIENTS = 6
MAX_BATCH = 3
MAX_REQUESTS = 450
MAX_SECONDS = 12.0
KILL_AFTER = MAX_REQUESTS // 3
SEED = 20240611

# The client timeout is above gunicorn's 30 s worker timeout, so that a slow
# response is never taken for a lost one.
CLIENT_TIMEOUT_SECONDS = 35.0
CLIENT_RETRIES = 4
CLIENT_BACKOFF_SECONDS = 0.05
# Client timeout of the lost-response test, which holds the write lock until
# the first attempt has timed out and the client has retried.
SHORT_TIMEOUT_SECONDS = 2.0

# Seconds to wait, holding the write lock, for a worker to accept an append.
# SQLite appends wait for the lock for 10 s (BUSY_TIMEOUT_SECONDS in
# diagnose_api/store/sqlite.py) before they fail with 503, so this stays
# well below that.
LOCK_HOLD_SECONDS = 2.0
# Pause between two attempts, so that the appends that waited for the lock
# get it before the test takes it again.
DRAIN_SECONDS = 0.2
MAX_LOCK_ATTEMPTS = 3
POLL_SECONDS = 0.01
RESPAWN_TIMEOUT = 30.0
LOG_TIMEOUT_SECONDS = 10.0

HTTP_LOGGER = "diagnose_api.client.http"
ACCESS_LOGGER = "diagnose_api.access"

Metrics = dict[str, float | None]


@dataclass(frozen=True)
class Service:
    """A gunicorn server and a way to hold its store's write lock."""

    server: Server
    port: int
    hold_write_lock: Callable[[], AbstractContextManager[None]]


@dataclass(frozen=True)
class AppendOutcome:
    """One append request as its client saw it, after the client's retries.

    ``error`` is the repr of the ``ClientError`` that the client raised, or
    None when the request ended in a 2xx response.
    """

    epochs: tuple[float, ...]
    inserted: tuple[float, ...]
    unchanged: tuple[float, ...]
    n_retries: int
    error: str | None


@dataclass(frozen=True)
class ClientReport:
    """Everything one client thread sent to its run, and how each request ended."""

    run_id: str
    sent: dict[float, Metrics]
    outcomes: list[AppendOutcome]


@dataclass(frozen=True)
class WorkerKill:
    """The killed worker, the workers after the respawn and the lock attempts."""

    victim: int | None
    workers_after: list[int]
    n_lock_attempts: int


class RetryRecorder(logging.Handler):
    """Count the retries that ``DiagnoseClient`` logs, per thread."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.by_thread: Counter[int] = Counter()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # logging.Handler.handle acquires self.lock around emit.
        if not str(record.msg).startswith("retrying"):
            return
        self.by_thread[record.thread or 0] += 1
        self.messages.append(record.getMessage())

    def count_in_this_thread(self) -> int:
        return self.by_thread[threading.get_ident()]


@contextmanager
def sqlite_write_lock(path: Path) -> Iterator[None]:
    """Hold SQLite's write lock on ``path``, which every append takes."""
    with closing(sqlite3.connect(path, timeout=10.0, isolation_level=None)) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            db.execute("ROLLBACK")


@contextmanager
def postgres_write_lock(url: str) -> Iterator[None]:
    """Lock the epochs table against inserts, as every append makes one.

    Reads of the table go on.
    """
    import psycopg

    with psycopg.connect(url) as connection:
        connection.execute("LOCK TABLE epochs IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            connection.rollback()


@pytest.fixture(scope="module", params=BACKENDS)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """gunicorn with two workers on a SQLite file, or on a new PostgreSQL schema.

    The tests of this module share it, each on runs of its own, because
    starting gunicorn takes seconds.
    """
    tmp_path = tmp_path_factory.mktemp(f"live-load-{request.param}")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    server_url = ""
    schema = ""
    if request.param == "postgresql":
        server_url = require_postgres()
        schema = create_schema(server_url)
        schema_url = with_search_path(server_url, schema)
        env["DIAGNOSE_DATABASE_URL"] = schema_url

        def hold_write_lock() -> AbstractContextManager[None]:
            return postgres_write_lock(schema_url)

    else:
        # start_server puts the SQLite file here.
        sqlite_path = tmp_path / "runs.sqlite3"

        def hold_write_lock() -> AbstractContextManager[None]:
            return sqlite_write_lock(sqlite_path)

    try:
        server = start_server(tmp_path, env=env, workers=WORKERS)
        port = int(server.url.rsplit(":", 1)[1])
        yield Service(server=server, port=port, hold_write_lock=hold_write_lock)
        exit_code = server.stop()
        assert exit_code == 0, server.log()
    finally:
        if schema:
            drop_schemas(server_url, [schema])


@pytest.fixture()
def retry_recorder() -> Iterator[RetryRecorder]:
    """Record the client's retry log lines, which it logs at INFO level."""
    logger = logging.getLogger(HTTP_LOGGER)
    recorder = RetryRecorder()
    previous_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(recorder)
    yield recorder
    logger.removeHandler(recorder)
    logger.setLevel(previous_level)


def epoch_metrics(rng: np.random.Generator, epoch: int) -> Metrics:
    """Random full-precision losses, so that any rounding in storage shows."""
    return {
        "loss": float(rng.random()),
        "val_loss": float(rng.random()),
        "lr": None if epoch % 4 == 0 else 0.001,
    }


def append_until_budget(
    client: DiagnoseClient,
    run_id: str,
    seed: int,
    budget: Budget,
    gate: threading.Event,
    recorder: RetryRecorder,
) -> ClientReport:
    """Append the run's next epochs, 1 to MAX_BATCH per request, until the budget ends.

    A batch of one epoch is sent as a single epoch object, a larger one as
    ``{"epochs": [...]}``. Each request waits until ``gate`` is open.
    """
    rng = np.random.default_rng([SEED, seed])
    sent: dict[float, Metrics] = {}
    outcomes = []
    next_epoch = 1
    while gate.wait() and budget.take():
        size = int(rng.integers(1, MAX_BATCH + 1))
        batch = {
            float(epoch): epoch_metrics(rng, epoch)
            for epoch in range(next_epoch, next_epoch + size)
        }
        next_epoch += size
        sent.update(batch)
        objects = [{"epoch": epoch, **metrics} for epoch, metrics in batch.items()]

        retries_before = recorder.count_in_this_thread()
        inserted: tuple[float, ...] = ()
        unchanged: tuple[float, ...] = ()
        error = None
        try:
            if size == 1:
                result = client.append_epochs(run_id, objects[0])
            else:
                result = client.append_epochs(run_id, objects)
            inserted = tuple(result["inserted"])
            unchanged = tuple(result["unchanged"])
        except ClientError as raised:
            error = repr(raised)

        outcomes.append(
            AppendOutcome(
                epochs=tuple(batch),
                inserted=inserted,
                unchanged=unchanged,
                n_retries=recorder.count_in_this_thread() - retries_before,
                error=error,
            )
        )
        budget.done()

    return ClientReport(run_id=run_id, sent=sent, outcomes=outcomes)


def wait_for_idle_workers(workers: list[int], port: int, timeout: float) -> None:
    """Wait until no worker has an accepted connection open, at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(accepted_connections(pid, port) for pid in workers):
            return
        time.sleep(POLL_SECONDS)


def wait_for_new_connection(
    workers: list[int], port: int, open_before: dict[int, set[int]], timeout: float
) -> int | None:
    """Return a worker with an open connection not in ``open_before``, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in workers:
            if accepted_connections(pid, port) - open_before[pid]:
                return pid
        time.sleep(POLL_SECONDS)
    return None


def kill_worker_mid_append(
    service: Service, budget: Budget, gate: threading.Event
) -> WorkerKill:
    """SIGKILL a worker while it handles an append, a third of the way through.

    A third of the way is KILL_AFTER finished requests or a third of
    MAX_SECONDS, whichever comes first. Each attempt closes ``gate`` so that
    the clients pause and the workers go idle, takes the store's write lock,
    notes the connections the workers have open, and opens ``gate`` again.
    A connection accepted after that waits for the lock, so its append is in
    flight and has written nothing, and its worker is the victim. A
    connection open before is never chosen, because its append may have
    passed the lock before the test took it and be sending its response.
    The lock is released only once the victim has exited.
    """
    kill_at = time.monotonic() + MAX_SECONDS / 3
    while budget.finished < KILL_AFTER and time.monotonic() < kill_at:
        time.sleep(0.05)

    arbiter = service.server.process.pid
    workers = child_pids(arbiter)
    victim = None
    n_attempts = 0
    while victim is None and n_attempts < MAX_LOCK_ATTEMPTS:
        n_attempts += 1
        gate.clear()
        try:
            wait_for_idle_workers(workers, service.port, LOCK_HOLD_SECONDS)
            with service.hold_write_lock():
                open_before = {
                    pid: accepted_connections(pid, service.port) for pid in workers
                }
                gate.set()
                victim = wait_for_new_connection(
                    workers, service.port, open_before, LOCK_HOLD_SECONDS
                )
                if victim is not None:
                    os.kill(victim, signal.SIGKILL)
                    while not process_exited(victim):
                        time.sleep(POLL_SECONDS)
        finally:
            gate.set()

        if victim is None:
            time.sleep(DRAIN_SECONDS)

    deadline = time.monotonic() + RESPAWN_TIMEOUT
    while time.monotonic() < deadline:
        current = child_pids(arbiter)
        if len(current) == len(workers) and victim not in current:
            break
        time.sleep(0.05)

    return WorkerKill(
        victim=victim, workers_after=child_pids(arbiter), n_lock_attempts=n_attempts
    )


def access_statuses(log: str, run_ids: list[str]) -> list[int]:
    """Return the statuses of the access log lines of requests to the runs."""
    paths = tuple(f"/v1/runs/{run_id}" for run_id in run_ids)
    return [
        int(entry["status"])
        for entry in json_lines(log)
        if entry.get("logger") == ACCESS_LOGGER
        and str(entry.get("path", "")).startswith(paths)
    ]


def test_worker_kill_loses_no_epoch(
    service: Service, retry_recorder: RetryRecorder
) -> None:
    url = service.server.url
    clients = [
        DiagnoseClient(
            url,
            timeout=CLIENT_TIMEOUT_SECONDS,
            retries=CLIENT_RETRIES,
            backoff=CLIENT_BACKOFF_SECONDS,
        )
        for _ in range(N_CLIENTS)
    ]
    run_ids = [
        client.create_run(name=f"live-load-{index}", options={"patience": 3})["id"]
        for index, client in enumerate(clients)
    ]

    budget = Budget(MAX_REQUESTS, MAX_SECONDS)
    gate = threading.Event()
    gate.set()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=N_CLIENTS) as pool:
        futures = [
            pool.submit(
                append_until_budget, client, run_id, index, budget, gate, retry_recorder
            )
            for index, (client, run_id) in enumerate(zip(clients, run_ids, strict=True))
        ]
        kill = kill_worker_mid_append(service, budget, gate)
        reports = [future.result() for future in futures]
    elapsed = time.monotonic() - started

    outcomes = [outcome for report in reports for outcome in report.outcomes]
    errors = [outcome.error for outcome in outcomes if outcome.error is not None]
    n_retries = sum(outcome.n_retries for outcome in outcomes)
    n_epochs = sum(len(report.sent) for report in reports)
    statuses = Counter(access_statuses(service.server.log(), run_ids))
    print(
        f"{len(outcomes)} appends of {n_epochs} epochs in {elapsed:.1f} s, "
        f"{n_retries} retries, worker {kill.victim} killed after "
        f"{kill.n_lock_attempts} lock attempt(s), access statuses {dict(statuses)}"
    )
    for message in retry_recorder.messages:
        print(message)

    assert kill.victim is not None, "no worker accepted an append under the lock"
    assert kill.victim not in kill.workers_after
    assert len(kill.workers_after) == WORKERS
    assert service.server.process.poll() is None

    assert len(outcomes) == budget.started
    assert errors == [], "requests that raised after the client's retries"
    # The killed worker's append was in flight, so its client retried it.
    assert n_retries >= 1
    assert not [status for status in statuses if status >= 500]

    for outcome in outcomes:
        if outcome.error is not None:
            continue
        assert set(outcome.inserted).isdisjoint(outcome.unchanged)
        assert sorted(outcome.inserted + outcome.unchanged) == list(outcome.epochs)
        if outcome.n_retries == 0:
            assert outcome.unchanged == (), "an epoch sent once was already stored"

    reader = DiagnoseClient(url, timeout=CLIENT_TIMEOUT_SECONDS)
    for report in reports:
        run: dict[str, Any] = reader.get_run(report.run_id)
        stored = {float(row["epoch"]): row for row in run["epochs"]}
        acknowledged = [
            epoch
            for outcome in report.outcomes
            if outcome.error is None
            for epoch in outcome.epochs
        ]

        assert len(stored) == len(run["epochs"]), "an epoch is stored twice"
        assert run["n_epochs"] == len(run["epochs"])
        assert not set(acknowledged) - set(stored), "acknowledged epochs are missing"
        assert not set(stored) - set(report.sent), "epochs stored that were never sent"
        for epoch, row in stored.items():
            assert row == {"epoch": epoch, **report.sent[epoch]}


def test_lost_response_retry_is_idempotent(
    service: Service, retry_recorder: RetryRecorder
) -> None:
    # The append waits for the lock longer than the client's timeout, so the
    # client retries it while the first attempt is still in a worker. Both
    # attempts then write the same epochs. One inserts them, and the other
    # must find them stored and report them unchanged.
    url = service.server.url
    client = DiagnoseClient(
        url,
        timeout=SHORT_TIMEOUT_SECONDS,
        retries=CLIENT_RETRIES,
        backoff=CLIENT_BACKOFF_SECONDS,
    )
    run_id = client.create_run(name="lost-response")["id"]
    rng = np.random.default_rng(SEED)
    sent = {float(epoch): epoch_metrics(rng, epoch) for epoch in (1, 2, 3)}
    objects = [{"epoch": epoch, **metrics} for epoch, metrics in sent.items()]

    with ThreadPoolExecutor(max_workers=1) as pool:
        with service.hold_write_lock():
            future = pool.submit(client.append_epochs, run_id, objects)
            deadline = time.monotonic() + LOCK_HOLD_SECONDS + SHORT_TIMEOUT_SECONDS
            while not retry_recorder.messages and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
        result = future.result()

    # The first attempt's worker logs its access line after the client has
    # left, possibly after the retry's response.
    deadline = time.monotonic() + LOG_TIMEOUT_SECONDS
    append_statuses = access_statuses(service.server.log(), [run_id])
    while len(append_statuses) < 2 and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        append_statuses = access_statuses(service.server.log(), [run_id])
    run: dict[str, Any] = client.get_run(run_id)
    print(f"result {result}, append statuses {append_statuses}")
    for message in retry_recorder.messages:
        print(message)

    assert retry_recorder.messages, "the client did not time out and retry"
    assert sorted(result["inserted"] + result["unchanged"]) == list(sent)
    assert len(append_statuses) >= 2
    assert set(append_statuses) == {200}
    assert run["epochs"] == [
        {"epoch": epoch, **metrics} for epoch, metrics in sent.items()
    ]
