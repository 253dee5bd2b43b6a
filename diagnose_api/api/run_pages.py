"""The report page of a live run, which updates as epochs arrive.

``GET /runs/<run_id>`` shows the run, its stop decision and the report of
its stored epochs (``_report.html``). ``GET /runs/<run_id>/live`` renders
the part of that page that changes with each epoch: ``static/live-report.js``
fetches it every ``refresh`` seconds and swaps it in, and stops when the run
is deleted. Without JavaScript, a ``<meta http-equiv="refresh">`` reloads
the whole page instead, until the run's 404 page, which does not refresh.

The pages show stored runs, so when ``DIAGNOSE_API_KEYS`` is set they need
a key as the ``/v1`` routes do. They accept it as a bearer token, as
``X-API-Key``, or as the password of HTTP Basic authentication. Browsers ask
the user for Basic credentials and then resend them with every request to
the page. Errors are HTML pages.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint
from flask import Response
from flask import g
from flask import render_template
from flask import request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from diagnose_api import __version__
from diagnose_api.api.report import report_context
from diagnose_api.api.runs import RETRY_AFTER_SECONDS
from diagnose_api.api.runs import diagnose_stored
from diagnose_api.api.runs import load_run
from diagnose_api.errors import ApiError
from diagnose_api.errors import Conflict
from diagnose_api.errors import flatten_messages
from diagnose_api.errors import log_invalid
from diagnose_api.errors import log_rejected
from diagnose_api.ops.auth import REALM
from diagnose_api.ops.auth import KeyCheck
from diagnose_api.ops.auth import basic_auth_password
from diagnose_api.ops.auth import check_key
from diagnose_api.ops.auth import configured_keys
from diagnose_api.ops.auth import presented_keys
from diagnose_api.schemas.request import MIN_EPOCHS
from diagnose_api.schemas.runs import DEFAULT_REFRESH_SECONDS
from diagnose_api.schemas.runs import RunReportQuerySchema
from diagnose_api.store import EpochRow
from diagnose_api.store import Run
from diagnose_api.store import StoreUnavailable

logger = logging.getLogger(__name__)

blueprint = Blueprint("run_pages", __name__)
run_report_query_schema = RunReportQuerySchema()

# As the report page's policy, plus this service's own script and its
# requests for the live part of the page.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "script-src 'self'; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# A browser may keep a page but must revalidate it before showing it again
# (no-cache), so that it never shows an outdated run. Shared caches must not
# keep it (private), because it may show runs that need an API key.
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "private, no-cache",
}


@blueprint.before_request
def require_page_key() -> Response | None:
    """Reject a request without a valid API key when keys are configured."""
    outcome = check_key(presented_keys() + basic_auth_password(), configured_keys())
    if outcome is KeyCheck.ACCEPTED:
        return None

    logger.info("request rejected: %s API key on %s", outcome.value, request.path)
    challenge = f'Basic realm="{REALM}", charset="UTF-8"'
    if outcome is KeyCheck.MISSING:
        detail = (
            "This page shows stored runs and requires an API key. Enter any "
            "user name and an API key as the password when the browser asks."
        )
    else:
        detail = (
            "The API key is not valid; check DIAGNOSE_API_KEYS on the server "
            "and the key you entered."
        )
    return error_page(401, "API key required", detail, {"WWW-Authenticate": challenge})


@blueprint.get("/runs/<run_id>")
def run_report(run_id: str) -> tuple[str, int, dict[str, str]]:
    """Show a live run's report, updating every ``refresh`` seconds."""
    query = run_report_query_schema.load(request.args.to_dict())
    run, rows = load_run(run_id)
    page = render_template(
        "run.html",
        refresh_seconds=query["refresh"],
        default_refresh_seconds=DEFAULT_REFRESH_SECONDS,
        live_etag=live_etag(run, rows),
        **live_context(run, rows),
    )
    return page, 200, PAGE_HEADERS


@blueprint.get("/runs/<run_id>/live")
def live_report(run_id: str) -> Response:
    """Render the part of a run's page that changes as epochs arrive.

    The response carries an ETag, and a request whose ``If-None-Match``
    matches it gets 304 without a diagnosis being run.
    """
    run, rows = load_run(run_id)
    etag = live_etag(run, rows)
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304, headers=PAGE_HEADERS)
    else:
        page = render_template("_run_live.html", **live_context(run, rows))
        response = Response(page, mimetype="text/html", headers=PAGE_HEADERS)
    response.set_etag(etag)
    return response


def live_etag(run: Run, rows: list[EpochRow]) -> str:
    """Return the entity tag of a run's live report.

    A run's stored epochs only grow: an append either adds epochs or
    changes nothing, and no route removes a single epoch. So the number
    of epochs identifies the report. The service version makes a new
    release render it anew.
    """
    return f"{run.id}-{len(rows)}-{__version__}"


def live_context(run: Run, rows: list[EpochRow]) -> dict[str, Any]:
    """Build the variables of ``_run_live.html`` from a run's stored epochs.

    ``decision`` is the stop decision, or None when the epochs cannot be
    diagnosed, and then ``problem`` contains the reason. ``page_title`` starts with
    the status. ``diagnosis`` and ``plot``
    are those of ``report_context``, present once enough epochs are stored.
    """
    context: dict[str, Any] = {
        "run": run,
        "page_title": f"cannot be diagnosed: {run.name or run.id}",
        "n_epochs": len(rows),
        "last_epoch": rows[-1].epoch if rows else None,
        "min_epochs": MIN_EPOCHS,
        "decision": None,
        "problem": None,
    }
    try:
        diagnosed = diagnose_stored(run, rows)
    except Conflict as conflict:
        # More epochs may resolve it (a monitored metric logged later), so
        # the page shows the problem and keeps updating.
        context["problem"] = conflict.detail
        return context

    context["decision"] = diagnosed.decision
    context["page_title"] = f"{diagnosed.decision.status.value}: {run.name or run.id}"
    if diagnosed.request is not None:
        options = diagnosed.request.options
        context.update(
            report_context(
                diagnosed.request.history,
                diagnosed.decision.diagnosis,
                smoothing=options.smoothing,
            )
        )
    return context


def error_page(
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    """Render an error as an HTML page with the page headers."""
    page = render_template(
        "error.html",
        title=title,
        detail=detail,
        errors=errors or {},
        request_id=getattr(g, "request_id", None),
    )
    response = Response(page, status=status, mimetype="text/html")
    response.headers.update(PAGE_HEADERS)
    response.headers.update(headers or {})
    return response


@blueprint.errorhandler(ApiError)
def handle_api_error(error: ApiError) -> Response:
    log_rejected(error)
    return error_page(error.status, error.title, error.detail, errors=error.errors)


@blueprint.errorhandler(ValidationError)
def handle_validation_error(error: ValidationError) -> Response:
    errors = flatten_messages(error.messages)
    log_invalid(errors)
    return error_page(
        422,
        "Invalid query parameter",
        "The page's address has an invalid query parameter; fix or remove it.",
        errors=errors,
    )


@blueprint.errorhandler(StoreUnavailable)
def handle_store_unavailable(error: StoreUnavailable) -> Response:
    # The message names the database file or server, so it goes to the log only.
    logger.warning(
        "run store unavailable on %s %s: %s", request.method, request.path, error
    )
    return error_page(
        503,
        "Service unavailable",
        "The run store is unavailable; reload the page later.",
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@blueprint.errorhandler(HTTPException)
def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    logger.info(
        "request rejected: %s %s -> %d %s",
        request.method,
        request.path,
        status,
        error.name,
    )
    return error_page(status, error.name, error.description or error.name)


@blueprint.errorhandler(Exception)
def handle_unexpected(error: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(
        500,
        "Internal server error",
        "The service failed to render this page; the error is logged with its "
        "request id.",
    )
