"""CORS for browser clients, off unless ``CORS_ORIGINS`` lists origins.

flask-cors responds to preflight requests, checks the requested method and
headers, and sets ``Vary: Origin``, so this module only configures it.
flask-cors treats an origin containing characters such as ``*`` or ``^`` as
a regular expression, so ``validate_origins`` accepts only plain
``scheme://host[:port]`` origins, and flask-cors then compares them with the
request's ``Origin`` header as exact, case-insensitive strings.
Credentials travel in headers, not cookies, so credentialed CORS stays off.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask
from flask_cors import CORS

from diagnose_api.config import setting_list

# Paths browsers may call cross-origin: the API and its OpenAPI document.
CORS_RESOURCES = (r"/v1/*", "/openapi.yaml")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "X-API-Key", "X-Request-ID")
EXPOSED_HEADERS = ("X-Request-ID", "WWW-Authenticate")
ALLOWED_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
PREFLIGHT_MAX_AGE = 600
PATTERN_CHARACTERS = frozenset("*?^$[](){}|\\+")


def validate_origins(origins: Iterable[str]) -> tuple[str, ...]:
    """Return the origins after checking that each is ``scheme://host[:port]``.

    Raises
    ------
    ValueError
        If an origin has another scheme than http or https, has a path,
        query or fragment, or contains a pattern character such as ``*``.
    """
    checked = []
    for origin in origins:
        parts = urlsplit(origin)
        plain = not PATTERN_CHARACTERS.intersection(origin)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.path
            or parts.query
            or parts.fragment
            or not plain
        ):
            raise ValueError(
                f"DIAGNOSE_CORS_ORIGINS: {origin!r} is not an origin; list exact "
                "origins such as https://dashboard.example.com or "
                "http://localhost:3000, without paths or wildcards."
            )
        checked.append(origin)
    return tuple(checked)


def install_cors(app: Flask) -> None:
    """Allow the listed origins to call the API, when ``CORS_ORIGINS`` is set."""
    origins = validate_origins(setting_list(app.config["CORS_ORIGINS"]))
    if not origins:
        return
    options = {
        "origins": list(origins),
        "methods": list(ALLOWED_METHODS),
        "allow_headers": list(ALLOWED_HEADERS),
        "expose_headers": list(EXPOSED_HEADERS),
        "max_age": PREFLIGHT_MAX_AGE,
        "supports_credentials": False,
        "always_send": False,
    }
    CORS(app, resources={resource: options for resource in CORS_RESOURCES})
