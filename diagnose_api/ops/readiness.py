"""Readiness probe: ``GET /readyz`` runs the checks registered on the app.

A component that the service needs in order to serve (the run store, for
example) registers a check with ``add_readiness_check(app, "store",
store.ping)``. A check passes when it returns and fails when it raises.
``/readyz`` returns 200 when every check passes, and otherwise 503
problem+json naming each failed check. The response names only the
exception's class; the log line also carries its message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app

from diagnose_api.errors import ServiceUnavailable
from diagnose_api.errors import problem

logger = logging.getLogger(__name__)

READINESS_KEY = "diagnose_api.readiness"

blueprint = Blueprint("readiness", __name__)


@dataclass(frozen=True)
class ReadinessCheck:
    """A named probe that raises when the service cannot serve requests."""

    name: str
    probe: Callable[[], object]


def add_readiness_check(app: Flask, name: str, probe: Callable[[], object]) -> None:
    """Register ``probe`` under ``name`` for ``/readyz`` to run on every call.

    Raises
    ------
    ValueError
        If ``name`` is empty or already registered.
    """
    checks: list[ReadinessCheck] = app.extensions.setdefault(READINESS_KEY, [])
    if not name:
        raise ValueError("name must be a non-empty string, got ''")
    if any(check.name == name for check in checks):
        raise ValueError(f"name must be unique, got {name!r} a second time")
    checks.append(ReadinessCheck(name=name, probe=probe))


def install_readiness(app: Flask) -> None:
    """Create the check list (if no component registered one yet) and ``/readyz``."""
    app.extensions.setdefault(READINESS_KEY, [])
    app.register_blueprint(blueprint)


def run_checks(checks: list[ReadinessCheck]) -> dict[str, str]:
    """Run every check and return ``name -> "ok"`` or the failing exception's class."""
    results: dict[str, str] = {}
    # NOTE: probes run without a timeout of their own. A probe must bound its
    # wait, or a hung dependency holds the worker until gunicorn's timeout.
    for check in checks:
        try:
            check.probe()
        except Exception as error:  # noqa: BLE001 - any failure means not ready
            logger.warning(
                "readiness check %r failed: %s: %s",
                check.name,
                type(error).__name__,
                error,
            )
            results[check.name] = type(error).__name__
            continue
        results[check.name] = "ok"
    return results


@blueprint.get("/readyz")
def readyz() -> Response | dict[str, object]:
    """Return 200 when every readiness check passes, else 503 problem+json."""
    results = run_checks(current_app.extensions[READINESS_KEY])
    failed = {name: result for name, result in results.items() if result != "ok"}
    if not failed:
        return {"status": "ready", "checks": results}
    names = ", ".join(repr(name) for name in failed)
    errors = {
        f"checks.{name}": [f"Failed with {kind}."] for name, kind in failed.items()
    }
    return problem(
        ServiceUnavailable.status,
        "Service not ready",
        f"Readiness check(s) {names} failed; the service cannot serve requests yet.",
        "not-ready",
        errors,
    )
