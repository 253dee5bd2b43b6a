"""Request bodies parse to what Python's json module reads, through orjson or not."""

from __future__ import annotations

import json

import pytest

from diagnose_api.api.body import parse_json
from diagnose_api.errors import InvalidBody

BODIES = [
    '{"history": {"loss": [1.0, 0.5, 0.25], "val_loss": [1, 2, 3]}}',
    '{"history": {"loss": [1.0, NaN, Infinity, -Infinity, null]}}',
    '[1, 2.5e-3, -0.0, 1E5, 0.1e1, true, false, null, "text", {"a": {}}]',
    '{"duplicate": 1, "duplicate": 2}',
    '{"lone_surrogate": "\\ud800"}',
    '{"beyond_double": 1e400}',
    '  {"padded": [18446744073709551615, -9223372036854775808]}  ',
]


@pytest.mark.parametrize("text", BODIES)
def test_parse_equals_json_module(text: str) -> None:
    # repr, because NaN != NaN
    assert repr(parse_json(text.encode("utf-8"))) == repr(json.loads(text))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"   ", "body is empty"),
        (b'{"loss": [1.0,', "not valid JSON: Expecting value at line 1, column 15"),
        (b"\xff{}", "not UTF-8"),
    ],
)
def test_invalid_body_error_names_cause(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidBody, match=message):
        parse_json(raw)
