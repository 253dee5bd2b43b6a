"""Argument checks shared by the store backends.

Each check raises ``ValueError`` (or ``TypeError`` for a wrong type) naming
the parameter, the constraint and the value received, before any database
work starts.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from typing import Any

from diagnose_api.store.encoding import decode_document
from diagnose_api.store.encoding import encode_document
from diagnose_api.store.records import EpochRow
from diagnose_api.store.records import Run

MAX_PAGE_SIZE = 1000


def new_run(*, name: str | None, tags: list[str], stop_rule: dict[str, Any]) -> Run:
    """Check the arguments of ``create_run`` and build the run to insert.

    The id is ``uuid.uuid4().hex`` and ``created_at`` the current UTC time.
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string or None, got {name!r}")

    check_tags(tags)

    if not isinstance(stop_rule, dict):
        raise TypeError(f"stop_rule must be a dict, got {stop_rule!r}")

    try:
        encoded = encode_document(stop_rule)
    except ValueError as exc:
        raise ValueError(f"stop_rule must be strict JSON: {exc}") from exc

    # The returned run contains the stop rule as get_run will read it back, so
    # a tuple in it is already a list.
    return Run(
        id=uuid.uuid4().hex,
        name=name,
        tags=tuple(tags),
        stop_rule=decode_document(encoded),
        created_at=datetime.now(UTC),
    )


def check_tags(tags: list[str]) -> None:
    """Require a list of distinct non-empty strings."""
    if not isinstance(tags, list):
        raise TypeError(f"tags must be a list of strings, got {tags!r}")

    seen: set[str] = set()
    for tag in tags:
        check_tag(tag)
        if tag in seen:
            raise ValueError(f"tags must be distinct, got {tag!r} twice")
        seen.add(tag)


def check_tag(tag: object) -> None:
    """Require a non-empty string."""
    if not isinstance(tag, str) or not tag:
        raise ValueError(f"tag must be a non-empty string, got {tag!r}")


def check_limit(limit: object) -> int:
    """Require an integer page size from 1 to ``MAX_PAGE_SIZE``."""
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"limit must be an integer, got {limit!r}")

    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")

    return limit


def sorted_rows(rows: Sequence[EpochRow]) -> list[EpochRow]:
    """Return the rows of one append sorted by epoch.

    Writing in epoch order makes concurrent PostgreSQL transactions take row
    locks in the same order, so that overlapping appends wait instead of
    deadlocking.

    Raises
    ------
    TypeError
        If an item is not an ``EpochRow``.
    ValueError
        If one epoch occurs twice in ``rows``.
    """
    for row in rows:
        if not isinstance(row, EpochRow):
            raise TypeError(f"rows must contain EpochRow items, got {row!r}")

    ordered = sorted(rows, key=lambda row: row.epoch)
    for previous, row in itertools.pairwise(ordered):
        if previous.epoch == row.epoch:
            raise ValueError(f"rows must have distinct epochs, got {row.epoch!r} twice")

    return ordered
