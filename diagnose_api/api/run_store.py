"""The run store of the live-run routes, opened on first use in each process.

gunicorn imports the application in its master and forks the workers, so a
store opened by ``create_app`` would hold the master's connections. The
store is therefore opened by the first request of each process that needs
it, from the ``DATABASE_URL`` and ``SQLITE_PATH`` settings.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

from flask import Flask
from flask import current_app

from diagnose_api.ops.readiness import add_readiness_check
from diagnose_api.store import RunStore
from diagnose_api.store import open_store
from diagnose_api.store.factory import POSTGRES_SCHEMES

STORE_KEY = "diagnose_api.run_store"


class LazyRunStore:
    """Open the run store on first use, once per process.

    Parameters
    ----------
    url : str or None
        PostgreSQL URL; None or empty selects SQLite.
    sqlite_path : pathlib.Path
        SQLite file, used when ``url`` is empty.
    """

    def __init__(self, url: str | None, sqlite_path: Path) -> None:
        self.url = url or None
        self.sqlite_path = sqlite_path
        self._lock = threading.Lock()
        self._store: RunStore | None = None
        self._pid: int | None = None

    def get(self) -> RunStore:
        """Return this process's store, opening it (and migrating) if needed.

        Raises
        ------
        StoreUnavailable
            If the database cannot be opened; the next call tries again.
        """
        pid = os.getpid()
        with self._lock:
            if self._store is None or self._pid != pid:
                # A store inherited through fork is dropped, not closed,
                # because its connections belong to the parent process.
                self._store = open_store(self.url, self.sqlite_path)
                self._pid = pid
            return self._store

    def ping(self) -> None:
        """Open the store if needed and run its trivial query."""
        self.get().ping()

    def close(self) -> None:
        """Close the connections this process opened, if the store is open."""
        with self._lock:
            store, self._store = self._store, None
            owned = self._pid == os.getpid()

        if store is not None and owned:
            store.close()


def install_run_store(app: Flask) -> LazyRunStore:
    """Attach a ``LazyRunStore`` built from the app's settings to ``app``.

    The store's ``ping`` becomes the ``store`` check of ``/readyz``; it opens
    the store first if needed.

    Raises
    ------
    ValueError
        If ``DATABASE_URL`` is set but is not a PostgreSQL URL.
    ImportError
        If ``DATABASE_URL`` is set and psycopg is not installed.
    """
    url = app.config["DATABASE_URL"]
    # Checked here so that a misconfigured service fails at startup rather
    # than on every request.
    if url and not url.startswith(POSTGRES_SCHEMES):
        raise ValueError(
            "DIAGNOSE_DATABASE_URL must start with postgresql:// or be empty to "
            "use SQLite"
        )

    if url and importlib.util.find_spec("psycopg") is None:
        raise ImportError(
            "DIAGNOSE_DATABASE_URL needs psycopg: pip install 'diagnose-api[postgres]'"
        )

    lazy_store = LazyRunStore(url, Path(app.config["SQLITE_PATH"]))
    app.extensions[STORE_KEY] = lazy_store
    add_readiness_check(app, "store", lazy_store.ping)
    return lazy_store


def run_store() -> RunStore:
    """Return the current app's run store, opening it on first use."""
    lazy_store: LazyRunStore = current_app.extensions[STORE_KEY]
    return lazy_store.get()
