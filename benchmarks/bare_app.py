"""The stack's own limit: a Flask endpoint that only parses a JSON body and echoes it.

Served with the project's gunicorn.conf.py, it shows what Flask, gunicorn and
JSON parsing cost on this machine without any validation or analysis, so
that the service's throughput can be read as a fraction of it.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask import Response
from flask import request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/diagnoses")
    def echo() -> Response:
        payload: Any = json.loads(request.get_data())
        return app.response_class(json.dumps(payload), mimetype="application/json")

    return app
