"""JSON log lines on stdout, and one access line per request.

Every record of the ``diagnose_api`` loggers becomes one JSON object on one
line, with the request id of the request it was logged in. The access line,
on the ``diagnose_api.access`` logger, carries the request id, method, route
template, status, duration and client address. It never carries the body,
the query string or any header value, so history values and API keys stay
out of the logs.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import TextIO

from flask import Flask
from flask import Response
from flask import g
from flask import has_request_context
from flask import request
from flask.logging import default_handler

PACKAGE_LOGGER = "diagnose_api"
ACCESS_LOGGER = "diagnose_api.access"
# Attribute that marks the handler this module installed, so that calling
# the application factory again does not add a second one.
HANDLER_MARK = "_diagnose_api_stdout"

access_logger = logging.getLogger(ACCESS_LOGGER)


class StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes to the current ``sys.stdout`` on each record.

    Resolving the stream per record keeps the handler valid when ``sys.stdout``
    is replaced after the application starts (test capture, reloaders).
    """

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, value: TextIO) -> None:
        # StreamHandler.__init__ assigns a stream; the current sys.stdout wins.
        pass


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` to records logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", None)
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, fields.

    Fields passed as ``extra={"fields": {...}}`` are merged into the object.
    A traceback, when the record has one, goes into ``exception``.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(app: Flask) -> None:
    """Send the ``diagnose_api`` loggers to stdout as JSON lines.

    The handler is installed once per process, and the package logger does
    not propagate, so gunicorn's handlers (on the ``gunicorn.*`` loggers) and
    any root handler never print these records a second time. Flask's default
    handler is removed because the application logger shares the package
    logger's name.
    """
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.removeHandler(default_handler)
    if not any(getattr(handler, HANDLER_MARK, False) for handler in logger.handlers):
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        setattr(handler, HANDLER_MARK, True)
        logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(app.config["LOG_LEVEL"])


def log_access(response: Response, route: str | None, duration: float) -> None:
    """Log one access line for a finished request."""
    access_logger.info(
        "%s %s %d",
        request.method,
        route or request.path,
        response.status_code,
        extra={
            "fields": {
                "method": request.method,
                "route": route,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration * 1000.0, 3),
                # NOTE: Behind a proxy this is the proxy's address.
                "remote_addr": request.remote_addr,
            }
        },
    )
