"""Reading request bodies: content type, JSON with NaN tokens, size."""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import request

from diagnose_api.errors import InvalidBody
from diagnose_api.errors import UnsupportedMediaType


def is_json_mimetype(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith("+json")


def json_body() -> Any:
    """Parse the request body as JSON, accepting the NaN and Infinity tokens.

    Python's ``json`` module, which ``requests.post(url, json=...)`` uses,
    writes NaN and Infinity for non-finite floats; they are accepted here.

    Raises
    ------
    UnsupportedMediaType
        If the content type is not JSON.
    InvalidBody
        If the body is empty, not UTF-8, or not JSON, with the line and column.
    """
    mimetype = request.mimetype
    if not is_json_mimetype(mimetype):
        shown = mimetype or "none"
        raise UnsupportedMediaType(
            f"Content-Type {shown!r} is not supported here; send the history as "
            "JSON with 'Content-Type: application/json'."
        )
    return parse_json(request.get_data(cache=True))


def parse_json(raw: bytes) -> Any:
    """Parse a request body as JSON, accepting the NaN and Infinity tokens.

    orjson parses first: about 5 times faster than ``json`` on a body of
    4 x 100,000 floats, and it reads the bytes without decoding them to a
    str. It rejects the NaN and Infinity tokens, lone surrogates and floats
    beyond the double range. Such a body, or an invalid one, is parsed again
    by ``json``, which accepts those three and locates the error.

    NOTE: orjson reads an integer beyond the 64-bit range as a float, where
    ``json`` keeps a Python int. A history value converts to the same float
    either way; an option or step that large fails validation as a float.

    Raises
    ------
    InvalidBody
        If the body is empty, not UTF-8, or not JSON, with the line and column.
    """
    if not raw.strip():
        raise InvalidBody("The request body is empty; send a JSON object.")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidBody(
            f"The body is not UTF-8 (invalid byte at offset {error.start})."
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidBody(
            f"The body is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}."
        ) from None
    except RecursionError:
        raise InvalidBody("The body nests JSON too deeply.") from None
