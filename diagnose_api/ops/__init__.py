"""Operations: logging, access log, metrics, readiness, API keys and CORS.

``install_ops(app)`` wires all of them into an application; the factory
calls it once, after the request-id hook and before the API blueprints.
"""

from __future__ import annotations

import time

from flask import Flask
from flask import Response
from flask import g
from flask import request

from diagnose_api.ops.auth import install_api_keys
from diagnose_api.ops.cors import install_cors
from diagnose_api.ops.logs import configure_logging
from diagnose_api.ops.logs import log_access
from diagnose_api.ops.metrics import diagnose_with_metrics
from diagnose_api.ops.metrics import install_metrics
from diagnose_api.ops.metrics import record_request
from diagnose_api.ops.readiness import add_readiness_check
from diagnose_api.ops.readiness import install_readiness

__all__ = ["add_readiness_check", "diagnose_with_metrics", "install_ops"]


def install_ops(app: Flask) -> None:
    """Install logging, request timing, API keys, CORS, ``/readyz`` and ``/metrics``.

    Raises
    ------
    ValueError
        If ``API_KEYS`` or ``CORS_ORIGINS`` contains an invalid entry.
    """
    configure_logging(app)

    # Registered before the API-key check so that rejected requests are
    # timed, counted and logged too.
    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def observe_request(response: Response) -> Response:
        started = getattr(g, "request_started", None)
        duration = 0.0 if started is None else time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule is not None else None
        record_request(route, request.method, response.status_code, duration)
        log_access(response, route, duration)
        return response

    install_api_keys(app)
    install_cors(app)
    install_readiness(app)
    install_metrics(app)
