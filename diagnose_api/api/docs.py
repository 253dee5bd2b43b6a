"""The OpenAPI document and an offline Swagger UI page."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask import send_from_directory

from diagnose_api.openapi import spec_yaml

blueprint = Blueprint("docs", __name__)
SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_FILES = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"}
)


@blueprint.get("/openapi.yaml")
def openapi_yaml() -> Response:
    """Serve the OpenAPI 3.1 document generated from the schemas."""
    text = current_app.extensions.get("diagnose_api.openapi")
    if text is None:
        text = spec_yaml()
        current_app.extensions["diagnose_api.openapi"] = text
    return Response(text, mimetype="application/yaml")


@blueprint.get("/docs")
def docs() -> str:
    """Serve Swagger UI from files shipped in the package (no CDN)."""
    return render_template("docs.html")


@blueprint.get("/docs/assets/<name>")
def docs_asset(name: str) -> Response:
    if name not in SWAGGER_FILES:
        abort(404)
    return send_from_directory(SWAGGER_DIR, name, max_age=3600)
