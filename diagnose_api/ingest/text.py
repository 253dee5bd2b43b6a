"""Turn uploaded bytes into text lines as a terminal would have shown them."""

from __future__ import annotations

import codecs
import re

from diagnose_api.ingest.parsed import IngestError

# ECMA-48 control sequences: colors and cursor moves (Keras 3 prints bold
# step counts and colored progress bars).
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def decode(data: bytes | str, format: str | None = None) -> str:
    """Decode ``data`` as UTF-8, or UTF-16 when it starts with a UTF-16 BOM.

    A UTF-8 byte-order mark is dropped. Windows PowerShell writes UTF-16
    with a BOM when output is redirected to a file.

    Raises
    ------
    IngestError
        When the bytes are not valid UTF-8, naming the line of the first
        invalid byte.
    """
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise IngestError(
                "UTF-16 text after the UTF-16 byte-order mark",
                got=f"an invalid byte sequence at byte {error.start}",
                format=format,
                fix="Save the log again as UTF-8 text.",
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise IngestError(
            "UTF-8 text",
            got=f"byte 0x{data[error.start]:02x}",
            line=line,
            format=format,
            fix="Save the log as UTF-8 text, or send the file a logger wrote "
            "unchanged.",
        ) from None


def render_line(raw: str) -> str:
    """Return what a terminal shows for one line with ``\\r`` and ``\\b`` in it.

    Progress bars redraw a line by moving the cursor: ``\\r`` to the start,
    ``\\b`` one column back. Each later character overwrites the one under
    the cursor; text past the cursor stays, as on a terminal. ANSI escape
    sequences are removed first.
    """
    raw = _ANSI_ESCAPE.sub("", raw)
    if "\r" not in raw and "\b" not in raw:
        return raw
    screen: list[str] = []
    cursor = 0
    for char in raw:
        if char == "\r":
            cursor = 0
        elif char == "\b":
            cursor = max(cursor - 1, 0)
        elif cursor < len(screen):
            screen[cursor] = char
            cursor += 1
        else:
            screen.append(char)
            cursor += 1
    return "".join(screen)


def terminal_lines(text: str) -> list[str]:
    """Split ``text`` into the lines a terminal would show, in order.

    ``\\r\\n`` counts as one line break, a lone ``\\r`` redraws its line.
    """
    return [render_line(line) for line in text.replace("\r\n", "\n").split("\n")]
