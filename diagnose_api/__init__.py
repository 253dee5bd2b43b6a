"""diagnose-api: diagnoses from a training history whether a model is overfitting."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask import g
from flask import request
from flask.json.provider import DefaultJSONProvider

__version__ = "0.1.0"


class StrictJSONProvider(DefaultJSONProvider):
    """JSON responses without NaN or Infinity tokens (strict RFC 8259)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the Flask application.

    Settings come from defaults, then ``DIAGNOSE_*`` environment variables,
    then ``config`` (tests use it to override anything).
    """
    from diagnose_api.api import batch
    from diagnose_api.api import diagnoses
    from diagnose_api.api import docs
    from diagnose_api.api import health
    from diagnose_api.api import report
    from diagnose_api.config import load_settings
    from diagnose_api.errors import register_error_handlers
    from diagnose_api.ops import install_ops

    app = Flask(__name__)
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.json.sort_keys = False
    app.config.update(load_settings(overrides=config))
    logging.getLogger("diagnose_api").setLevel(app.config["LOG_LEVEL"])

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        valid = 0 < len(incoming) <= 128 and incoming.isprintable()
        g.request_id = incoming if valid else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response: Any) -> Any:
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        return response

    register_error_handlers(app)
    install_ops(app)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(diagnoses.blueprint)
    app.register_blueprint(batch.blueprint)
    app.register_blueprint(docs.blueprint)
    app.register_blueprint(report.blueprint)

    # Live runs: the store opens on first use in each worker process.
    from diagnose_api.api import run_pages
    from diagnose_api.api import runs
    from diagnose_api.api.run_store import install_run_store

    install_run_store(app)
    app.register_blueprint(runs.blueprint)
    app.register_blueprint(run_pages.blueprint)
    return app
