"""Validate real responses against the committed openapi.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openapi_core import Config
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "openapi.yaml"


def load_openapi() -> OpenAPI:
    """Load the committed document, decoding problem+json like JSON."""
    # openapi-core decodes only application/json by default.
    config = Config(
        extra_media_type_deserializers={"application/problem+json": json.loads}
    )
    return OpenAPI.from_file_path(str(COMMITTED), config=config)


def check_response(openapi: OpenAPI, response: Any) -> None:
    """Validate a response against the operation its request's path and method name."""
    original = response.request
    request = EnvironBuilder(
        method=original.method, path=original.path, base_url="http://localhost"
    ).get_request()
    openapi.validate_response(
        WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
    )
