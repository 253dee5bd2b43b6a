"""LiveRunReporter: failures never raise, warn once, and unsent epochs wait."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from runs_support import U_SHAPED
from runs_support import epoch_objects
from scripted_server import Reply
from scripted_server import ScriptedServer
from scripted_server import problem

from diagnose_api.client import DiagnoseClient
from diagnose_api.client.live import DiagnoseServiceWarning
from diagnose_api.client.live import LiveRunReporter
from diagnose_api.client.live import scalar_metrics

RUN_ID = "0f3c2a1b9d8e4f7a8b6c5d4e3f2a1b0c"
Start = Callable[..., tuple[ScriptedServer, str]]
DIAGNOSIS = {
    "should_stop": False,
    "stop_reason": None,
    "stopped_epoch": None,
    "restore_epoch": 2.0,
    "status": "healthy",
    "message": "not stopped",
}


def make_reporter(url: str, options: dict[str, Any] | None = None) -> LiveRunReporter:
    client = DiagnoseClient(url, timeout=2.0, retries=1, backoff=0.01)
    return LiveRunReporter(client, name="test", tags=[], options=options or {})


def service_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [
        str(item.message)
        for item in caught
        if issubclass(item.category, DiagnoseServiceWarning)
    ]


def test_failing_service_skips_epochs(scripted: Start) -> None:
    server, url = scripted(problem(503, "Service unavailable", "down"))
    reporter = make_reporter(url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reporter.start()
        advice = [
            reporter.report(epoch, {"loss": 1.0 / epoch}) for epoch in range(1, 8)
        ]

    assert advice == [None] * 7
    # One failed create at start, then attempts at epochs 2 and 5: after
    # the k-th failure the next 2**(k-1) epochs are skipped. Each attempt is
    # one request and one retry.
    assert len(server.received) == 6
    assert len(service_warnings(caught)) == 1
    assert reporter.run_id is None


def test_unsent_epochs_sent_together(scripted: Start) -> None:
    unavailable = problem(503, "Service unavailable", "down")
    server, url = scripted(
        unavailable,
        unavailable,
        Reply(201, {"id": RUN_ID}),
        Reply(200, {"run_id": RUN_ID, "inserted": [1.0, 2.0], "unchanged": []}),
        Reply(200, DIAGNOSIS),
    )
    reporter = make_reporter(url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reporter.start()
        first = reporter.report(1, {"loss": 0.9})
        second = reporter.report(2, {"loss": 0.8})

    append = server.received[3]
    assert first is None
    assert second is not None
    assert second.epoch == 2.0
    assert second.restore_epoch == 2.0
    assert append.path == f"/v1/runs/{RUN_ID}/epochs"
    assert json.loads(append.body) == {
        "epochs": [{"epoch": 1.0, "loss": 0.9}, {"epoch": 2.0, "loss": 0.8}]
    }
    assert len(service_warnings(caught)) == 1


def test_undiagnosable_run_keeps_reporting(live_service_url: str) -> None:
    reporter = make_reporter(live_service_url, {"monitor": "val_accuracy"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reporter.start()
        advice = [reporter.report(row["epoch"], row) for row in epoch_objects(U_SHAPED)]

    stored = DiagnoseClient(live_service_url).get_run(str(reporter.run_id))
    messages = service_warnings(caught)
    # Under 3 epochs the service does not diagnose, so the rule is not read.
    assert [item.status for item in advice[:2] if item is not None] == [
        "insufficient_data",
        "insufficient_data",
    ]
    assert advice[2:] == [None] * 8
    assert stored["n_epochs"] == 10
    assert len(messages) == 1
    assert "cannot diagnose run" in messages[0]
    assert "'val_accuracy' is not a series" in messages[0]


def test_rejected_create_turns_reporting_off(live_service_url: str) -> None:
    reporter = make_reporter(live_service_url, {"patience": -1})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reporter.start()
        advice = reporter.report(1, {"loss": 0.5})

    messages = service_warnings(caught)
    assert advice is None
    assert reporter.run_id is None
    assert len(messages) == 1
    assert "422 Request failed validation" in messages[0]


def test_warning_as_error_does_not_raise(caplog: pytest.LogCaptureFixture) -> None:
    reporter = make_reporter("http://127.0.0.1:9")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reporter.start()
    assert "diagnose-api at http://127.0.0.1:9 failed" in caplog.text


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ({"loss": 0.5, "val_loss": 1}, {"loss": 0.5, "val_loss": 1.0}),
        ({"loss": float("nan")}, {"loss": float("nan")}),
        ({"loss": "0.5", "flag": True, "epoch": 3, "step": 9}, {}),
        ({"loss": [0.5, 0.4], "lr": None}, {}),
    ],
)
def test_scalar_metrics(metrics: dict[str, Any], expected: dict[str, float]) -> None:
    assert json.dumps(scalar_metrics(metrics)) == json.dumps(expected)
