"""Pick the reader for a log and run it.

Detection order, first match wins (each reader's ``detect`` documents
its rule):

1. ``tensorboard``: binary event file (``brain.Event:`` in the first
   record, or ``tfevents`` in the file name);
2. ``hf_trainer_state``: JSON object with ``"log_history"``;
3. ``mlflow_json``: JSON with ``"value"`` and ``"timestamp"``;
4. ``jsonl``: first line is a complete JSON object with an epoch, a step
   or a known metric name;
5. ``lightning_csv``: CSV header with ``epoch`` and ``step`` columns;
6. ``keras_csv``: CSV header starting with ``epoch``;
7. ``hf_model_card``: markdown table with ``Epoch`` and a loss column;
8. ``keras_console``: a Keras progress bar, or an ``Epoch n/m`` header
   line and a Keras metric line;
9. ``pytorch_console``: a line with an epoch marker and metric pairs.

The JSON and CSV readers come before the console readers because console
patterns also match inside them (a JSON line may contain ``"epoch": 3``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from diagnose_api.ingest import hf_model_card
from diagnose_api.ingest import hf_trainer_state
from diagnose_api.ingest import jsonl
from diagnose_api.ingest import keras_console
from diagnose_api.ingest import keras_csv
from diagnose_api.ingest import lightning_csv
from diagnose_api.ingest import mlflow_json
from diagnose_api.ingest import pytorch_console
from diagnose_api.ingest import tensorboard
from diagnose_api.ingest.limits import DEFAULT_MAX_BYTES
from diagnose_api.ingest.limits import DEFAULT_MAX_ROWS
from diagnose_api.ingest.limits import check_limits
from diagnose_api.ingest.limits import check_size
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.parsed import shorten
from diagnose_api.ingest.text import decode

TEXT_READERS: tuple[ModuleType, ...] = (
    hf_trainer_state,
    mlflow_json,
    jsonl,
    lightning_csv,
    keras_csv,
    hf_model_card,
    keras_console,
    pytorch_console,
)
FORMATS: tuple[str, ...] = (tensorboard.NAME,) + tuple(
    reader.NAME for reader in TEXT_READERS
)
_TEXT_READERS_BY_NAME: dict[str, ModuleType] = {
    reader.NAME: reader for reader in TEXT_READERS
}


def _as_bytes(data: bytes | str) -> bytes | None:
    return data if isinstance(data, bytes) else None


def detect_format(data: bytes | str, *, filename: str | None = None) -> str:
    """Return the name of the first format in ``FORMATS`` order that matches.

    Parameters
    ----------
    data : bytes or str
        The log, or its first part: detection reads at most the first
        2,000 lines or 256 KiB.
    filename : str, optional
        The file's name; only ``tfevents`` in it is used, to recognize
        TensorBoard event files.

    Raises
    ------
    IngestError
        When no format matches, listing the formats.
    """
    raw = _as_bytes(data)
    if raw is not None and tensorboard.detect(raw, filename):
        return tensorboard.NAME
    text = decode(data)
    for reader in TEXT_READERS:
        if reader.detect(text):
            return str(reader.NAME)
    raise IngestError(
        "a log in one of the formats " + ", ".join(FORMATS),
        got=shorten(text.lstrip()[:40]) if text.strip() else "empty input",
        fix="Pass format= with the name of the logger that wrote the file, or "
        "send the file the logger wrote unchanged.",
    )


def read_log(
    data: bytes | str,
    *,
    format: str | None = None,
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> ParsedLog:
    """Read a training log into a ParsedLog.

    Parameters
    ----------
    data : bytes or str
        The file's content. TensorBoard event files must be bytes.
    format : str, optional
        One of ``FORMATS``; detected with ``detect_format`` when None.
    filename : str, optional
        The file's name, used to recognize TensorBoard event files.
    max_bytes : int
        Largest accepted input, in bytes of its UTF-8 encoding for text.
        Default ``DEFAULT_MAX_BYTES`` (64 MiB).
    max_rows : int
        Largest accepted number of data records (lines, log entries,
        metric points). Default ``DEFAULT_MAX_ROWS`` (1,000,000).

    Raises
    ------
    IngestError
        When the input is over a limit, its format is unknown or cannot be
        detected, or the reader finds it malformed.
    ValueError
        When a limit is not a positive integer.
    """
    check_limits(max_bytes, max_rows)
    n_bytes = len(data) if isinstance(data, bytes) else _utf8_length(data, max_bytes)
    check_size(n_bytes, max_bytes)
    if format is None:
        format = detect_format(data, filename=filename)

    if format == tensorboard.NAME:
        raw = _as_bytes(data)
        if raw is None:
            raise IngestError(
                "the event file's bytes",
                got="text",
                format=tensorboard.NAME,
                fix="Send the events.out.tfevents.* file as binary data.",
            )
        return tensorboard.read(raw, max_rows=max_rows)
    reader = _TEXT_READERS_BY_NAME.get(format)
    if reader is None:
        raise IngestError(
            "format to be one of " + ", ".join(FORMATS),
            got=repr(format),
            fix="Pass one of those names, or leave format out to detect it.",
        )
    read: Callable[..., ParsedLog] = reader.read
    return read(decode(data, format), max_rows=max_rows)


def _utf8_length(text: str, max_bytes: int) -> int:
    """Return the UTF-8 size of ``text``, or its length when that is surely under.

    A character takes at most 4 bytes in UTF-8, so text of at most
    ``max_bytes / 4`` characters is within the limit without encoding it.
    """
    if len(text) * 4 <= max_bytes:
        return len(text)
    return len(text.encode("utf-8", errors="surrogatepass"))
