"""Load JSON documents and find the line of a value for error messages.

Documents load with the standard ``json`` module, which accepts the ``NaN``
and ``Infinity`` tokens Python writes. Line numbers are looked up only when
a reader reports an error: ``line_of`` parses the text again with the
pure-Python scanner, which records where each object starts.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from typing import Any

from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import shorten

Path = tuple[str | int, ...]


def load_json(text: str, format: str) -> Any:
    """Parse ``text`` as one JSON document, raising IngestError with its line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        got = shorten(error.doc[error.pos : error.pos + 20]) if error.doc else None
        raise IngestError(
            f"valid JSON ({error.msg.lower()})",
            got=got,
            line=error.lineno,
            format=format,
            fix="Send the file as the training library wrote it; if it was "
            "edited, check the brackets, commas and quotes near that line.",
        ) from None


class _Spans:
    """Start offset of every JSON object and array, keyed by ``id``."""

    def __init__(self) -> None:
        self.starts: dict[int, int] = {}
        self.keep: list[Any] = []  # keeps ids unique while the parse runs


class _SpanDecoder(json.JSONDecoder):
    """A JSON decoder that records where each object and array starts."""

    def __init__(self, spans: _Spans) -> None:
        super().__init__()

        # json.decoder.JSONObject and JSONArray are undocumented but have kept
        # their signatures since Python 2.7; the C scanner ignores overrides
        # of parse_object and parse_array, the Python scanner calls them.
        def parse_object(
            s_and_end: tuple[str, int], *args: Any, **kwargs: Any
        ) -> tuple[Any, int]:
            value, end = json.decoder.JSONObject(s_and_end, *args, **kwargs)  # type: ignore[attr-defined]
            spans.starts[id(value)] = s_and_end[1] - 1
            spans.keep.append(value)
            return value, end

        def parse_array(s_and_end: tuple[str, int], scan_once: Any) -> tuple[Any, int]:
            value, end = json.decoder.JSONArray(s_and_end, scan_once)  # type: ignore[attr-defined]
            spans.starts[id(value)] = s_and_end[1] - 1
            spans.keep.append(value)
            return value, end

        self.parse_object = parse_object
        self.parse_array = parse_array
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]


def line_of(text: str, path: Path) -> int | None:
    """Return the 1-based line of the value at ``path`` in the JSON ``text``.

    ``path`` lists the keys and indices from the document root. For a key
    of an object the line of the key itself is returned, so a bad value on
    a line of its own is pointed at exactly. Returns None when ``text`` is
    not valid JSON or the path does not exist.
    """
    spans = _Spans()
    try:
        document = _SpanDecoder(spans).decode(text)
    except json.JSONDecodeError:
        return None
    newlines = [index for index, char in enumerate(text) if char == "\n"]

    def line_at(offset: int) -> int:
        return bisect.bisect_right(newlines, offset) + 1

    node = document
    offset = spans.starts.get(id(node), 0)
    for part in path:
        try:
            child = node[part]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(part, str) and isinstance(node, dict):
            key_offset = text.find(json.dumps(part, ensure_ascii=False), offset)
            if key_offset >= 0:
                offset = key_offset
        child_offset = spans.starts.get(id(child))
        if child_offset is not None:
            offset = child_offset
        node = child
    return line_at(offset)
