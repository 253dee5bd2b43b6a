"""Liveness probe."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> dict[str, str]:
    """Return 200 while the process serves requests."""
    return {"status": "ok"}
