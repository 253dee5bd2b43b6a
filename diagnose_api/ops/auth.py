"""Optional API keys on every ``/v1`` route.

With ``API_KEYS`` empty, the API is open. Otherwise a request to a path
under ``/v1`` must carry one of the keys, either as ``Authorization: Bearer
<key>`` or as ``X-API-Key: <key>``, or it gets 401 problem+json with a
``WWW-Authenticate: Bearer`` challenge (RFC 6750). Health, readiness,
metrics and the documentation stay open, and so do CORS preflight
(``OPTIONS``) requests, which browsers send without credentials. The HTML
pages of live runs check the same keys with ``check_key`` themselves
(``diagnose_api.api.run_pages``).

The presented key is compared with every configured key by
``hmac.compare_digest``, with no early exit, so the response time does not
reveal how much of a key matched or which key it was.
"""

from __future__ import annotations

import enum
import hmac
import logging
from collections.abc import Iterable

from flask import Flask
from flask import Response
from flask import current_app
from flask import request

from diagnose_api.config import setting_list
from diagnose_api.errors import problem

logger = logging.getLogger(__name__)

PROTECTED_PREFIX = "/v1"
KEYS_EXTENSION = "diagnose_api.api_keys"
MIN_KEY_LENGTH = 16
REALM = "diagnose-api"


def validate_keys(keys: Iterable[str]) -> tuple[bytes, ...]:
    """Return the keys as UTF-8 bytes after checking each one.

    Raises
    ------
    ValueError
        If a key is shorter than ``MIN_KEY_LENGTH``, or contains whitespace,
        control or non-ASCII characters. The message gives the key's position,
        never the key.
    """
    encoded = []
    for position, key in enumerate(keys, start=1):
        if len(key) < MIN_KEY_LENGTH:
            raise ValueError(
                f"DIAGNOSE_API_KEYS: key {position} must be at least "
                f"{MIN_KEY_LENGTH} characters, got {len(key)}; use random keys "
                "such as the output of `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`."
            )
        if not (key.isascii() and key.isprintable()) or any(c.isspace() for c in key):
            raise ValueError(
                f"DIAGNOSE_API_KEYS: key {position} must be printable ASCII "
                "without whitespace, because clients send it in a header."
            )
        encoded.append(key.encode("utf-8"))
    return tuple(encoded)


def presented_keys() -> list[bytes]:
    """Return the credentials the request carries: the bearer token and X-API-Key."""
    found = []
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        found.append(token.strip().encode("utf-8"))
    api_key = request.headers.get("X-API-Key", "").strip()
    if api_key:
        found.append(api_key.encode("utf-8"))
    return found


def basic_auth_password() -> list[bytes]:
    """Return the password of an ``Authorization: Basic`` header, if any.

    Browsers send Basic credentials on their own once a user has entered
    them, so HTML pages accept an API key as the Basic password.
    """
    authorization = request.authorization
    if authorization is None or authorization.type != "basic":
        return []
    password = authorization.password or ""
    return [password.encode("utf-8")] if password else []


def matches_any(candidate: bytes, keys: tuple[bytes, ...]) -> bool:
    """Compare ``candidate`` with every key in constant time per key."""
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, key)
    return matched


def is_protected(path: str) -> bool:
    return path == PROTECTED_PREFIX or path.startswith(PROTECTED_PREFIX + "/")


def requires_key() -> bool:
    """Return whether the request's path, or the route it matched, is under /v1."""
    if request.method == "OPTIONS":
        return False
    rule = request.url_rule
    return is_protected(request.path) or (rule is not None and is_protected(rule.rule))


def unauthorized(detail: str, challenge: str) -> Response:
    return problem(
        401,
        "Unauthorized",
        detail,
        "unauthorized",
        headers={"WWW-Authenticate": challenge},
    )


class KeyCheck(enum.Enum):
    """The outcome of checking a request's credentials against the API keys."""

    ACCEPTED = "accepted"
    MISSING = "missing"
    INVALID = "invalid"


def check_key(candidates: list[bytes], keys: tuple[bytes, ...]) -> KeyCheck:
    """Check presented credentials. With no keys configured, every request passes."""
    if not keys:
        return KeyCheck.ACCEPTED
    if any(matches_any(candidate, keys) for candidate in candidates):
        return KeyCheck.ACCEPTED
    if not candidates:
        return KeyCheck.MISSING
    return KeyCheck.INVALID


def configured_keys() -> tuple[bytes, ...]:
    """Return the current app's API keys as ``install_api_keys`` validated them."""
    keys: tuple[bytes, ...] = current_app.extensions.get(KEYS_EXTENSION, ())
    return keys


def install_api_keys(app: Flask) -> None:
    """Require an API key on ``/v1`` routes when ``API_KEYS`` is not empty."""
    keys = validate_keys(setting_list(app.config["API_KEYS"]))
    app.extensions[KEYS_EXTENSION] = keys
    if not keys:
        return

    @app.before_request
    def require_api_key() -> Response | None:
        if not requires_key():
            return None
        outcome = check_key(presented_keys(), keys)
        if outcome is KeyCheck.ACCEPTED:
            return None
        if outcome is KeyCheck.MISSING:
            logger.info("request rejected: no API key on %s", request.path)
            return unauthorized(
                "This route requires an API key; send 'Authorization: Bearer "
                "<key>' or 'X-API-Key: <key>'.",
                f'Bearer realm="{REALM}"',
            )
        logger.info("request rejected: invalid API key on %s", request.path)
        return unauthorized(
            "The API key is not valid; check DIAGNOSE_API_KEYS on the server "
            "and the key the client sends.",
            f'Bearer realm="{REALM}", error="invalid_token"',
        )
