"""DiagnoseClient against scripted local HTTP servers and against the service."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import pytest
from runs_support import U_SHAPED
from runs_support import close_store
from runs_support import epoch_objects
from runs_support import make_app
from runs_support import serve_in_thread
from scripted_server import Reply
from scripted_server import problem
from server import free_port

from diagnose_api import create_app
from diagnose_api.client import ApiError
from diagnose_api.client import DiagnoseClient
from diagnose_api.client import TransportError

RUN_ID = "0f3c2a1b9d8e4f7a8b6c5d4e3f2a1b0c"


def fast_client(url: str, **kwargs: Any) -> DiagnoseClient:
    kwargs.setdefault("retries", 3)
    kwargs.setdefault("backoff", 0.01)
    return DiagnoseClient(url, **kwargs)


def test_retries_503_until_success(scripted: Any) -> None:
    unavailable = problem(503, "Service unavailable", "retry later")
    server, url = scripted(unavailable, unavailable, Reply(200, {"id": RUN_ID}))
    assert fast_client(url).get_run(RUN_ID) == {"id": RUN_ID}
    assert len(server.received) == 3
    assert all(item.path == f"/v1/runs/{RUN_ID}" for item in server.received)


def test_dead_port_raises_after_retries(caplog: pytest.LogCaptureFixture) -> None:
    client = fast_client(f"http://127.0.0.1:{free_port()}", retries=2)
    with caplog.at_level(logging.INFO, logger="diagnose_api.client.http"):
        with pytest.raises(
            TransportError, match=r"GET http://127\.0\.0\.1:\d+/v1/runs"
        ):
            client.list_runs()
    retries = [record for record in caplog.records if "retrying" in record.message]
    assert len(retries) == 2
    assert "retry 2 of 2" in retries[-1].message


@pytest.mark.parametrize(
    ("status", "attempts"),
    [(400, 1), (401, 1), (404, 1), (409, 1), (422, 1), (500, 4), (502, 4), (503, 4)],
)
def test_only_5xx_retried(scripted: Any, status: int, attempts: int) -> None:
    server, url = scripted(problem(status, "Failed", f"status {status}"))
    with pytest.raises(ApiError, match=f"{status} Failed: status {status}") as raised:
        fast_client(url).get_diagnosis(RUN_ID)
    assert raised.value.status == status
    assert len(server.received) == attempts


@pytest.mark.parametrize(("status", "attempts"), [(500, 1), (502, 1), (503, 3)])
def test_create_run_retries_only_503(scripted: Any, status: int, attempts: int) -> None:
    server, url = scripted(problem(status, "Failed", "no"))
    with pytest.raises(ApiError, match=f"{status} Failed"):
        fast_client(url, retries=2).create_run(name="x")
    assert len(server.received) == attempts


def test_timeout_retried_when_idempotent(scripted: Any) -> None:
    server, url = scripted(
        Reply(200, {"late": True}, delay=0.5), Reply(200, {"id": RUN_ID})
    )
    assert fast_client(url, timeout=0.1).get_run(RUN_ID) == {"id": RUN_ID}
    assert len(server.received) == 2


def test_timeout_not_retried_on_create(scripted: Any) -> None:
    server, url = scripted(Reply(201, {"id": RUN_ID}, delay=0.5))
    with pytest.raises(TransportError, match="POST .*/v1/runs failed"):
        fast_client(url, timeout=0.1).create_run(name="x")
    assert len(server.received) == 1


def test_api_error_carries_problem(scripted: Any) -> None:
    errors = {"epochs[0].val_loss": ["Epoch 3: val_loss stored 0.65, sent 0.61."]}
    _, url = scripted(problem(409, "Conflict", "Epoch 3 differs.", errors=errors))
    with pytest.raises(ApiError) as raised:
        fast_client(url).append_epochs(RUN_ID, [{"epoch": 3, "val_loss": 0.61}])
    error = raised.value
    assert error.status == 409
    assert error.title == "Conflict"
    assert error.detail == "Epoch 3 differs."
    assert error.errors == errors
    assert error.type == "https://example.test/p"


def test_api_error_from_plain_body(scripted: Any) -> None:
    _, url = scripted(Reply(404, b"<h1>nothing here</h1>", "text/html"))
    with pytest.raises(ApiError) as raised:
        fast_client(url).get_run(RUN_ID)
    assert raised.value.status == 404
    assert raised.value.title == "Not Found"
    assert raised.value.detail == "<h1>nothing here</h1>"
    assert raised.value.errors == {}


def test_sends_key_and_nan_tokens(scripted: Any) -> None:
    server, url = scripted(Reply(200, {"status": "diverged"}))
    history: dict[str, list[float | None]] = {
        "loss": [0.9, math.nan, math.inf],
        "val_loss": [1.0, None, 0.8],
    }
    client = fast_client(url, api_key="secret-key")
    client.diagnose(history, epochs=[1, 2, 3], options={"patience": 2})
    received = server.received[0]
    assert received.method == "POST"
    assert received.path == "/v1/diagnoses"
    assert received.headers["Authorization"] == "Bearer secret-key"
    assert received.headers["Content-Type"] == "application/json"
    assert b"[0.9, NaN, Infinity]" in received.body
    assert json.loads(received.body)["options"] == {"patience": 2}


def test_list_runs_query(scripted: Any) -> None:
    server, url = scripted(Reply(200, {"runs": [], "next_cursor": None}))
    fast_client(url + "/").list_runs(tag="sweep 7", limit=2)
    assert server.received[0].path == "/v1/runs?tag=sweep+7&limit=2"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "127.0.0.1:8000"}, "base_url must be an http"),
        ({"timeout": 0}, "timeout must be > 0"),
        ({"retries": -1}, "retries must be an integer >= 0"),
        ({"retries": 1.5}, "retries must be an integer >= 0"),
        ({"backoff": -0.1}, "backoff must be >= 0"),
    ],
)
def test_client_rejects_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    arguments = {"base_url": "http://127.0.0.1:8000", **kwargs}
    with pytest.raises(ValueError, match=message):
        DiagnoseClient(**arguments)


def test_client_round_trip_on_service(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with serve_in_thread(app) as url:
        client = DiagnoseClient(url)
        run = client.create_run(name="mlp", tags=["a"], options={"patience": 2})
        first = client.append_epochs(run["id"], epoch_objects(U_SHAPED)[0])
        rest = client.append_epochs(run["id"], epoch_objects(U_SHAPED))
        diagnosis = client.get_diagnosis(run["id"])
        page = client.list_runs(tag="a")
        client.delete_run(run["id"])
        with pytest.raises(ApiError) as missing:
            client.get_run(run["id"])
    close_store(app)

    assert first["inserted"] == [1.0]
    assert rest["unchanged"] == [1.0]
    assert diagnosis["should_stop"] is True
    assert diagnosis["stopped_epoch"] == 6
    assert [item["id"] for item in page["runs"]] == [run["id"]]
    assert missing.value.status == 404
    assert "not found" in missing.value.detail


def test_api_key_reaches_runs_routes(tmp_path: Path) -> None:
    key = "live-runs-test-key-0123456789"
    app = create_app(
        {
            "TESTING": True,
            "SQLITE_PATH": str(tmp_path / "runs.sqlite3"),
            "API_KEYS": [key],
        }
    )
    with serve_in_thread(app) as url:
        run = DiagnoseClient(url, api_key=key).create_run(name="keyed")
        with pytest.raises(ApiError) as rejected:
            DiagnoseClient(url, retries=0).get_run(run["id"])
    close_store(app)

    assert rejected.value.status == 401
