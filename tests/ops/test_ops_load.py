"""Bounded load on localhost while one gunicorn worker is killed: no request lost.

Eight client threads post diagnoses for at most MAX_SECONDS or MAX_REQUESTS
requests in total. A third of the way through, one worker gets SIGKILL; the arbiter starts a replacement. A client retries a request
once on a connection error (the killed worker's request in flight), which
is safe because a diagnosis stores nothing. Every request must end in 200.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from ops_support import OVERFIT_HISTORY
from ops_support import Budget
from ops_support import child_pids
from server import Server
from server import start_server

N_CLIENTS = 8
MAX_REQUESTS = 1500
MAX_SECONDS = 15.0
KILL_AFTER = MAX_REQUESTS // 3
RESPAWN_TIMEOUT = 30.0
BODY = json.dumps({"history": OVERFIT_HISTORY}).encode()


@dataclass(frozen=True)
class Outcome:
    """How one request ended: its final status (0 when no response came) and retries."""

    status: int
    retried: bool


def post_once(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            "/v1/diagnoses",
            body=BODY,
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        payload = response.read()
        if response.status == 200:
            assert json.loads(payload)["status"] == "overfitting"
        return response.status
    finally:
        connection.close()


def post_with_retry(port: int) -> Outcome:
    try:
        return Outcome(status=post_once(port), retried=False)
    except (ConnectionError, http.client.HTTPException):
        pass
    try:
        return Outcome(status=post_once(port), retried=True)
    except (ConnectionError, http.client.HTTPException):
        return Outcome(status=0, retried=True)


def client_loop(port: int, budget: Budget) -> list[Outcome]:
    outcomes = []
    while budget.take():
        outcomes.append(post_with_retry(port))
        budget.done()
    return outcomes


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(
        tmp_path, env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}, workers=2
    )
    yield running
    running.stop()


def kill_one_worker(server: Server, budget: Budget) -> tuple[int, list[int]]:
    """SIGKILL a worker a third of the way through the budget; wait for its replacement.

    A third of the way is KILL_AFTER finished requests or a third of
    MAX_SECONDS, whichever comes first, so that the kill lands mid-run on
    a slow machine too.
    """
    kill_at = time.monotonic() + MAX_SECONDS / 3
    while budget.finished < KILL_AFTER and time.monotonic() < kill_at:
        time.sleep(0.05)
    workers = child_pids(server.process.pid)
    victim = workers[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + RESPAWN_TIMEOUT
    while time.monotonic() < deadline:
        current = child_pids(server.process.pid)
        if len(current) == len(workers) and victim not in current:
            return victim, current
        time.sleep(0.05)
    return victim, child_pids(server.process.pid)


def test_worker_kill_loses_no_request(server: Server) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    budget = Budget(MAX_REQUESTS, MAX_SECONDS)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=N_CLIENTS) as pool:
        futures = [pool.submit(client_loop, port, budget) for _ in range(N_CLIENTS)]
        victim, workers_after = kill_one_worker(server, budget)
        outcomes = [outcome for future in futures for outcome in future.result()]
    elapsed = time.monotonic() - started

    statuses = Counter(outcome.status for outcome in outcomes)
    retries = sum(outcome.retried for outcome in outcomes)
    print(
        f"{len(outcomes)} requests in {elapsed:.1f} s "
        f"({len(outcomes) / elapsed:.0f}/s), statuses {dict(statuses)}, {retries} retried"
    )
    assert len(outcomes) == budget.started
    assert victim not in workers_after
    assert len(workers_after) == 2
    assert statuses[0] == 0, "requests unanswered after one retry"
    assert not [status for status in statuses if status >= 500]
    assert set(statuses) == {200}
    assert server.process.poll() is None
