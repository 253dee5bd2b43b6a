"""Readers that turn the files training stacks write into one neutral form.

``read_log`` reads a log given as bytes or text, and detects its format
unless one is named. ``read_path`` reads a file or a training output
folder from disk. Both return a ``ParsedLog`` and raise ``IngestError``
(a ``ValueError``) naming the line and the fix for input they cannot read.
"""

from __future__ import annotations

from diagnose_api.ingest.detection import FORMATS
from diagnose_api.ingest.detection import detect_format
from diagnose_api.ingest.detection import read_log
from diagnose_api.ingest.limits import DEFAULT_MAX_BYTES
from diagnose_api.ingest.limits import DEFAULT_MAX_ROWS
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.paths import read_path

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "FORMATS",
    "IngestError",
    "ParsedLog",
    "detect_format",
    "read_log",
    "read_path",
]
