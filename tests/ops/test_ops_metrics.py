"""Prometheus metrics: counters by route template, and the sum over gunicorn workers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from ops_support import OVERFIT_HISTORY
from ops_support import child_pids
from ops_support import http_call
from ops_support import json_lines
from ops_support import post_history
from prometheus_client.parser import text_string_to_metric_families
from server import Server
from server import start_server

N_DIAGNOSES = 24
N_NOT_FOUND = 6


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Map (sample name, labels) to value for every sample of an exposition."""
    values = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            values[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return values


def value(exposition: str, name: str, **labels: str) -> float:
    return samples(exposition).get((name, frozenset(labels.items())), 0.0)


def scrape(client: FlaskClient) -> str:
    return client.get("/metrics").get_data(as_text=True)


def test_metrics_content_type(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"


def test_request_counted_by_route_template(client: FlaskClient) -> None:
    before = scrape(client)
    client.post(
        "/v1/diagnoses",
        data=json.dumps({"history": OVERFIT_HISTORY}),
        content_type="application/json",
    )
    after = scrape(client)
    labels = {"route": "/v1/diagnoses", "method": "POST", "status": "200"}
    counted = value(after, "http_requests_total", **labels) - value(
        before, "http_requests_total", **labels
    )
    timed = value(
        after,
        "http_request_duration_seconds_count",
        route="/v1/diagnoses",
        method="POST",
    ) - value(
        before,
        "http_request_duration_seconds_count",
        route="/v1/diagnoses",
        method="POST",
    )
    assert counted == 1
    assert timed == 1


def test_diagnosis_counted_by_status(client: FlaskClient) -> None:
    before = scrape(client)
    client.post(
        "/v1/diagnoses",
        data=json.dumps({"history": OVERFIT_HISTORY}),
        content_type="application/json",
    )
    after = scrape(client)
    diagnosed = value(after, "diagnoses_total", status="overfitting") - value(
        before, "diagnoses_total", status="overfitting"
    )
    analysed = value(after, "diagnosis_analysis_seconds_count") - value(
        before, "diagnosis_analysis_seconds_count"
    )
    assert diagnosed == 1
    assert analysed == 1


def test_rejected_request_not_counted_as_diagnosis(client: FlaskClient) -> None:
    before = scrape(client)
    client.post("/v1/diagnoses", data="{", content_type="application/json")
    after = scrape(client)
    assert value(after, "diagnosis_analysis_seconds_count") == value(
        before, "diagnosis_analysis_seconds_count"
    )
    assert (
        value(
            after,
            "http_requests_total",
            route="/v1/diagnoses",
            method="POST",
            status="400",
        )
        == value(
            before,
            "http_requests_total",
            route="/v1/diagnoses",
            method="POST",
            status="400",
        )
        + 1
    )


@pytest.mark.parametrize(
    ("method", "path", "labels"),
    [
        (
            "GET",
            "/random/scanner/path",
            {"route": "unmatched", "method": "GET", "status": "404"},
        ),
        (
            "BREW",
            "/v1/diagnoses",
            {"route": "unmatched", "method": "other", "status": "405"},
        ),
    ],
)
def test_unbounded_labels_collapsed(
    client: FlaskClient, method: str, path: str, labels: dict[str, str]
) -> None:
    before = scrape(client)
    client.open(path, method=method)
    after = scrape(client)
    assert (
        value(after, "http_requests_total", **labels)
        == value(before, "http_requests_total", **labels) + 1
    )
    assert "scanner" not in after


@pytest.fixture(scope="module")
def metrics_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("prometheus")
    # A file left by an earlier run; gunicorn.conf.py must delete it at start.
    (directory / "counter_999999.db").write_bytes(b"stale")
    return directory


@pytest.fixture(scope="module")
def two_workers(
    tmp_path_factory: pytest.TempPathFactory, metrics_dir: Path
) -> Iterator[Server]:
    running = start_server(
        tmp_path_factory.mktemp("gunicorn-metrics"),
        env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
        workers=2,
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def traffic(two_workers: Server) -> list[str]:
    """Send the test traffic once; return the request ids of the diagnoses."""
    request_ids = []
    for i in range(N_DIAGNOSES):
        request_id = f"metrics-{i}"
        response = post_history(
            two_workers.url, OVERFIT_HISTORY, **{"X-Request-ID": request_id}
        )
        assert response.status == 200
        request_ids.append(request_id)
    for _ in range(N_NOT_FOUND):
        assert http_call(two_workers.url + "/no/such/route").status == 404
    return request_ids


def test_stale_metrics_file_removed(two_workers: Server, metrics_dir: Path) -> None:
    assert not (metrics_dir / "counter_999999.db").exists()


def test_every_scrape_sums_all_workers(two_workers: Server, traffic: list[str]) -> None:
    # Each scrape lands on either worker; each must report the whole server.
    for _ in range(6):
        exposition = http_call(two_workers.url + "/metrics").body.decode()
        assert (
            value(
                exposition,
                "http_requests_total",
                route="/v1/diagnoses",
                method="POST",
                status="200",
            )
            == N_DIAGNOSES
        )
        assert value(exposition, "diagnoses_total", status="overfitting") == N_DIAGNOSES
        assert value(exposition, "diagnosis_analysis_seconds_count") == N_DIAGNOSES
        assert (
            value(
                exposition,
                "http_requests_total",
                route="unmatched",
                method="GET",
                status="404",
            )
            == N_NOT_FOUND
        )


def test_value_files_per_worker(
    two_workers: Server, traffic: list[str], metrics_dir: Path
) -> None:
    workers = child_pids(two_workers.process.pid)
    files = {path.name for path in metrics_dir.glob("*.db")}
    assert len(workers) == 2
    assert any(str(pid) in name for pid in workers for name in files)


def test_one_json_access_line_per_request(
    two_workers: Server, traffic: list[str]
) -> None:
    entries = json_lines(two_workers.log())
    access = [e for e in entries if e["logger"] == "diagnose_api.access"]
    by_id = {}
    for entry in access:
        by_id.setdefault(entry["request_id"], []).append(entry)
    for request_id in traffic:
        assert len(by_id[request_id]) == 1
        assert by_id[request_id][0]["route"] == "/v1/diagnoses"
    # gunicorn's own access log is off: no line in its combined format.
    assert '"POST /v1/diagnoses HTTP/1.1"' not in two_workers.log()
