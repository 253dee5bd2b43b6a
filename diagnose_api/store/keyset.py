"""Keyset pagination of runs: the sort key and its opaque cursor.

Runs are listed by ``(created_at, id)`` descending. A cursor carries the key
of the last run of a page, and the next page contains the runs whose key is
strictly smaller. Runs created or deleted between two calls therefore do
not shift a page the way an offset would. The cursor is URL-safe base64 of the JSON
array ``[created_at in microseconds since 1970-01-01 UTC, id]``, without
padding; clients treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from diagnose_api.store.errors import InvalidCursor
from diagnose_api.store.records import Run

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Keyset:
    """Sort key of one run: its creation time, then its id."""

    created_at: datetime
    run_id: str


def to_microseconds(moment: datetime) -> int:
    """Convert an aware datetime to whole microseconds since the Unix epoch."""
    return (moment - UNIX_EPOCH) // ONE_MICROSECOND


def from_microseconds(microseconds: int) -> datetime:
    """Convert microseconds since the Unix epoch to an aware UTC datetime."""
    return UNIX_EPOCH + timedelta(microseconds=microseconds)


def encode_cursor(run: Run) -> str:
    """Return the cursor that continues a listing after ``run``."""
    payload = json.dumps([to_microseconds(run.created_at), run.id])
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


MIN_MICROSECONDS = to_microseconds(datetime.min.replace(tzinfo=UTC))
MAX_MICROSECONDS = to_microseconds(datetime.max.replace(tzinfo=UTC))


def decode_cursor(cursor: str) -> Keyset:
    """Read the key out of a cursor made by ``encode_cursor``.

    Raises
    ------
    InvalidCursor
        If the cursor was not made by ``encode_cursor``.
    """
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (UnicodeError, binascii.Error, ValueError) as exc:
        raise InvalidCursor(cursor) from exc

    if not _is_key(payload):
        raise InvalidCursor(cursor)

    microseconds, run_id = payload
    return Keyset(created_at=from_microseconds(microseconds), run_id=run_id)


def _is_key(payload: object) -> bool:
    if not isinstance(payload, list) or len(payload) != 2:
        return False

    microseconds, run_id = payload
    if isinstance(microseconds, bool) or not isinstance(microseconds, int):
        return False

    if not MIN_MICROSECONDS <= microseconds <= MAX_MICROSECONDS:
        return False

    return isinstance(run_id, str)
