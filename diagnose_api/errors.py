"""Errors as ``application/problem+json`` (RFC 9457) and their Flask handlers.

Every error response has ``type``, ``title``, ``status`` and ``detail``;
validation errors add ``errors``, a map from field path
(``history.val_loss[7]``) to messages. No response carries a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask import Response
from flask import g
from flask import json
from flask import request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://diagnose-api.dev/problems/"


class ApiError(Exception):
    """Base class of the errors the service reports to clients."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class InvalidBody(ApiError):
    status = 400
    title = "Request body is not valid JSON"
    slug = "invalid-body"


class UnsupportedMediaType(ApiError):
    status = 415
    title = "Unsupported media type"
    slug = "unsupported-media-type"


class ValidationFailed(ApiError):
    status = 422
    title = "Request failed validation"
    slug = "validation-failed"


class NotFound(ApiError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(ApiError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class ServiceUnavailable(ApiError):
    status = 503
    title = "Service unavailable"
    slug = "service-unavailable"


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested error messages into ``path -> messages``.

    Integer keys (list positions) become ``[i]``; other keys join with dots.
    """
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": list(messages)}
        flat: dict[str, list[str]] = {}
        for item in messages:
            flat.update(flatten_messages(item, prefix))
        return flat
    if isinstance(messages, dict):
        flat = {}
        for key, value in messages.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "_schema":
                path = prefix or "_schema"
            elif prefix:
                path = (
                    f"{prefix}.{key}" if not str(key).startswith("[") else prefix + key
                )
            else:
                path = str(key)
            for sub_path, sub_messages in flatten_messages(value, path).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
        return flat
    return {prefix or "_schema": [str(messages)]}


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    response = Response(
        json.dumps(body), status=status, mimetype=PROBLEM_JSON, headers=headers
    )
    return response


def summarize(errors: dict[str, list[str]]) -> str:
    """Build the ``detail`` sentence, naming the first invalid field."""
    path, messages = next(iter(errors.items()))
    more = len(errors) - 1
    tail = f" ({more} more field(s) in 'errors')" if more else ""
    if path == "_schema":
        return f"{messages[0]}{tail}"
    return f"{path}: {messages[0]}{tail}"


def log_rejected(error: ApiError) -> None:
    """Log one line for a request that an ApiError rejected."""
    logger.info(
        "request rejected: %s %s -> %d %s",
        request.method,
        request.path,
        error.status,
        error.detail,
    )


def log_invalid(errors: dict[str, list[str]]) -> None:
    """Log one line for a request that failed validation, naming the fields only."""
    logger.info(
        "request failed validation: %s %s fields=%s",
        request.method,
        request.path,
        sorted(errors),
    )


def register_error_handlers(app: Flask) -> None:
    """Install the handlers that turn every error into problem+json."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        log_rejected(error)
        return problem(
            error.status, error.title, error.detail, error.slug, error.errors
        )

    @app.errorhandler(ValidationError)
    def handle_validation_error(error: ValidationError) -> Response:
        errors = flatten_messages(error.messages)
        log_invalid(errors)
        return problem(
            422,
            ValidationFailed.title,
            summarize(errors),
            ValidationFailed.slug,
            errors,
        )

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Response:
        status = error.code or 500
        detail = error.description or error.name
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            detail = (
                f"The request body exceeds the limit of {limit} bytes; send a "
                "shorter history or raise DIAGNOSE_MAX_CONTENT_LENGTH."
            )
        headers = None
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            headers = {"Allow": ", ".join(error.valid_methods)}
        slug = error.name.lower().replace(" ", "-")
        logger.info(
            "request rejected: %s %s -> %d %s",
            request.method,
            request.path,
            status,
            error.name,
        )
        return problem(status, error.name, detail, slug, headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        logger.exception(
            "unhandled error on %s %s request_id=%s",
            request.method,
            request.path,
            getattr(g, "request_id", None),
        )
        return problem(
            500,
            "Internal server error",
            "The service failed to process this request; the error is logged "
            "with its request id.",
            "internal-error",
        )
