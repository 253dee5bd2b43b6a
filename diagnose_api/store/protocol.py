"""The interface every run store backend implements."""

from __future__ import annotations

from typing import Any
from typing import Protocol

from diagnose_api.store.records import AppendResult
from diagnose_api.store.records import EpochRow
from diagnose_api.store.records import Run
from diagnose_api.store.records import RunPage


class RunStore(Protocol):
    """Storage of live runs and their epochs.

    Implementations are safe to share between threads and survive a fork:
    each process opens its own connections on first use. Every method may
    raise ``StoreUnavailable`` when the database cannot be reached or stays
    locked past the backend's timeout.

    Attributes
    ----------
    migrations_applied : tuple of int
        Versions of the schema migrations that opening this store applied;
        empty when the schema was already current.
    """

    migrations_applied: tuple[int, ...]

    def create_run(
        self, *, name: str | None, tags: list[str], stop_rule: dict[str, Any]
    ) -> Run:
        """Insert a new run with a random id and the current UTC time.

        Raises
        ------
        ValueError or TypeError
            If ``tags`` is not a list of distinct non-empty strings, or
            ``stop_rule`` is not a dict serializable as strict JSON.
        """
        ...

    def get_run(self, run_id: str) -> Run | None:
        """Return the run, or None if no run has this id."""
        ...

    def list_runs(
        self, *, tag: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> RunPage:
        """Return one page of runs, newest first.

        Runs are ordered by ``(created_at, id)`` descending. With ``tag``,
        only runs carrying that tag are listed. Pass a page's
        ``next_cursor`` as ``cursor`` to fetch the following page.

        Raises
        ------
        ValueError
            If ``limit`` is outside 1 to 1000, or ``tag`` is empty.
        InvalidCursor
            If ``cursor`` was not issued by ``list_runs``.
        """
        ...

    def delete_run(self, run_id: str) -> bool:
        """Delete the run and its epochs; return False if it did not exist."""
        ...

    def append_epochs(self, run_id: str, rows: list[EpochRow]) -> AppendResult:
        """Store the rows in one transaction, idempotently by epoch.

        Epochs may arrive in any order across and within calls. An epoch not
        yet stored is inserted. An epoch stored with equal metrics (same
        names; NaN equals NaN) is reported unchanged and not written again.

        Raises
        ------
        RunNotFound
            If the run does not exist.
        EpochConflict
            If an epoch is stored with other metrics; nothing of the request
            is written.
        ValueError
            If one epoch occurs twice in ``rows``.
        """
        ...

    def get_epochs(self, run_id: str) -> list[EpochRow]:
        """Return all stored epochs of the run in ascending epoch order.

        Raises
        ------
        RunNotFound
            If the run does not exist.
        """
        ...

    def ping(self) -> None:
        """Run a trivial query; raise ``StoreUnavailable`` if it fails."""
        ...

    def close(self) -> None:
        """Close the connections this process opened; the store may reopen."""
        ...
