"""Size limits that every reader enforces before and while it reads.

The defaults bound the work one request can cause: 64 MiB of input and
1,000,000 data records (CSV data lines, JSON lines, ``log_history``
entries, MLflow metric points, TensorBoard scalar events, console lines
that carry metrics). Callers such as the HTTP layer pass tighter limits.
"""

from __future__ import annotations

from diagnose_api.ingest.parsed import IngestError

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_ROWS = 1_000_000


def check_limits(max_bytes: int, max_rows: int) -> None:
    """Raise ValueError when a limit is not a positive integer."""
    for name, value in (("max_bytes", max_bytes), ("max_rows", max_rows)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_size(n_bytes: int, max_bytes: int) -> None:
    """Raise IngestError when the input is larger than ``max_bytes``."""
    if n_bytes > max_bytes:
        raise IngestError(
            f"at most {max_bytes:,} bytes",
            got=f"{n_bytes:,} bytes",
            fix="Send a smaller log, for example one value per epoch instead "
            "of one per step, or raise max_bytes.",
        )


class RowCounter:
    """Count data records and raise IngestError past ``max_rows``."""

    def __init__(self, max_rows: int, format: str) -> None:
        self.max_rows = max_rows
        self.format = format
        self.count = 0

    def add(self, line: int | None, n: int = 1) -> None:
        """Count ``n`` more records, read at ``line``."""
        self.count += n
        if self.count > self.max_rows:
            raise IngestError(
                f"at most {self.max_rows:,} data records",
                got=f"more ({self.count:,} so far)",
                line=line,
                format=self.format,
                fix="Log fewer points, for example one per epoch instead of "
                "one per step, or raise max_rows.",
            )
