"""Settings, read from ``DIAGNOSE_``-prefixed environment variables.

``load_settings`` is called by the application factory, never at import, so
tests and the factory's ``config`` argument can override any value.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any


def parse_list(raw: str) -> tuple[str, ...]:
    """Split a comma-separated variable into its non-empty, stripped items."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def setting_list(value: str | Iterable[str]) -> tuple[str, ...]:
    """Return a list setting as a tuple, splitting a string given as an override."""
    if isinstance(value, str):
        return parse_list(value)
    return tuple(value)


# name -> (default, parser). Every setting is documented in the README.
DEFAULTS: dict[str, tuple[Any, Any]] = {
    # Largest request body in bytes (413 above it).
    "MAX_CONTENT_LENGTH": (32 * 1024 * 1024, int),
    # Largest number of epochs (points) in one series.
    "MAX_EPOCHS": (200_000, int),
    # Largest number of series in one history.
    "MAX_SERIES": (64, int),
    # Largest number of runs in one batch request.
    "MAX_BATCH_RUNS": (200, int),
    # Largest number of data records (lines, log entries, metric points)
    # read from one log file. The readers took 3 to 6 s per 50,000 records
    # on the 2-core development machine with a load average near 5, so the
    # default keeps one file to a few seconds of a worker's time.
    "MAX_LOG_ROWS": (50_000, int),
    # Logging level of the service's own loggers.
    "LOG_LEVEL": ("INFO", str.upper),
    # Run store: PostgreSQL URL; when empty, a SQLite file at SQLITE_PATH.
    "DATABASE_URL": ("", str),
    "SQLITE_PATH": ("var/diagnose-api.sqlite3", str),
    # API keys that /v1 routes require (diagnose_api/ops/auth.py). When empty,
    # /v1 routes are open. Comma-separated, each at least 16 characters.
    "API_KEYS": ((), parse_list),
    # Origins (scheme://host[:port]) that browsers may call /v1 from. When
    # empty, no CORS headers are sent. Comma-separated, matched exactly.
    "CORS_ORIGINS": ((), parse_list),
}
PREFIX = "DIAGNOSE_"


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the settings: defaults, then environment variables, then overrides.

    Raises
    ------
    ValueError
        If an environment variable does not parse, naming the variable.
    """
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    for name, (default, parse) in DEFAULTS.items():
        raw = environ.get(PREFIX + name)
        if raw is None:
            settings[name] = default
            continue
        try:
            settings[name] = parse(raw)
        except ValueError as error:
            raise ValueError(
                f"environment variable {PREFIX}{name}={raw!r} is invalid: {error}"
            ) from None
    for name in (
        "MAX_CONTENT_LENGTH",
        "MAX_EPOCHS",
        "MAX_SERIES",
        "MAX_BATCH_RUNS",
        "MAX_LOG_ROWS",
    ):
        if settings[name] <= 0:
            raise ValueError(f"{PREFIX}{name} must be a positive integer")
    settings.update(overrides or {})
    return settings
