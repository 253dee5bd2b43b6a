"""Prometheus metrics of requests and diagnoses, served at ``/metrics``.

Under gunicorn every worker is its own process. When the environment
variable ``PROMETHEUS_MULTIPROC_DIR`` names a directory, prometheus_client
keeps each worker's values in files there and ``/metrics`` adds them up, so
every scrape reports the whole server, whichever worker handles it.
gunicorn.conf.py empties that directory at start and marks exited workers
dead. Without the variable, ``/metrics`` reports this process alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess

from diagnose_api.analysis.context import Options
from diagnose_api.analysis.history import History
from diagnose_api.analysis.result import Diagnosis

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
MULTIPROCESS_KEY = "diagnose_api.metrics_multiprocess"
# Route label of requests that matched no route (404 and 405), so that
# scanners probing random paths cannot create one label value per path.
UNMATCHED_ROUTE = "unmatched"
# Methods kept as label values; anything else is counted as "other".
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ANALYSIS_BUCKETS = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0
)  # fmt: skip

http_requests = Counter(
    "http_requests",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
http_request_duration = Histogram(
    "http_request_duration_seconds",
    "Time from the start of request handling to the finished response.",
    ["route", "method"],
)
diagnoses = Counter(
    "diagnoses",
    "Diagnoses computed, by the diagnosed status.",
    ["status"],
)
diagnosis_analysis_duration = Histogram(
    "diagnosis_analysis_seconds",
    "Time spent in the analysis of one history, without parsing or serializing.",
    buckets=ANALYSIS_BUCKETS,
)

blueprint = Blueprint("metrics", __name__)


def install_metrics(app: Flask) -> None:
    """Register ``/metrics`` and record whether values are shared across processes."""
    directory = os.environ.get(MULTIPROCESS_ENV)
    if directory:
        os.makedirs(directory, exist_ok=True)
    app.extensions[MULTIPROCESS_KEY] = bool(directory)
    app.register_blueprint(blueprint)


def record_request(
    route: str | None, method: str, status: int, duration: float
) -> None:
    """Count one finished request and observe its duration in seconds."""
    route_label = route or UNMATCHED_ROUTE
    method_label = method if method in KNOWN_METHODS else "other"
    http_requests.labels(route_label, method_label, str(status)).inc()
    http_request_duration.labels(route_label, method_label).observe(duration)


def diagnose_with_metrics(
    diagnose: Callable[[History, Options], Diagnosis],
    history: History,
    options: Options,
) -> Diagnosis:
    """Call ``diagnose(history, options)``, time it and count its status."""
    started = time.perf_counter()
    result = diagnose(history, options)
    diagnosis_analysis_duration.observe(time.perf_counter() - started)
    diagnoses.labels(result.status.value).inc()
    return result


def exposition(multiprocess_mode: bool) -> bytes:
    """Return every metric in the Prometheus text format."""
    if not multiprocess_mode:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


@blueprint.get("/metrics")
def metrics() -> Response:
    """Serve the metrics for Prometheus to scrape."""
    body = exposition(current_app.extensions[MULTIPROCESS_KEY])
    return Response(body, content_type=CONTENT_TYPE_LATEST)
