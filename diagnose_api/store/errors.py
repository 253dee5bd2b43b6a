"""Exceptions of the run store, all subclasses of ``StoreError``."""

from __future__ import annotations

from diagnose_api.store.records import MetricConflict


class StoreError(Exception):
    """Base class of every error the run store raises on purpose."""


class StoreUnavailable(StoreError):
    """The database cannot be reached, is locked for too long, or failed."""


class RunNotFound(StoreError):
    """No run with the given id exists (it was never created or was deleted)."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id!r} not found")
        self.run_id = run_id


class InvalidCursor(StoreError, ValueError):
    """A pagination cursor that ``list_runs`` did not issue."""

    def __init__(self, cursor: str) -> None:
        super().__init__(
            f"cursor {cursor!r} is invalid: pass the next_cursor of a previous "
            "page unchanged"
        )
        self.cursor = cursor


class EpochConflict(StoreError):
    """An epoch is already stored with other metric values than those sent.

    The request that raised it wrote nothing.

    Attributes
    ----------
    run_id : str
        The run appended to.
    epoch : float
        The lowest conflicting epoch of the request.
    conflicts : tuple of MetricConflict
        For each metric of ``epoch`` that differs, the stored and the sent
        value, sorted by metric name.
    conflicting_epochs : tuple of float
        Every conflicting epoch of the request, ascending; ``epoch`` is the
        first.
    """

    def __init__(
        self,
        run_id: str,
        epoch: float,
        conflicts: tuple[MetricConflict, ...],
        conflicting_epochs: tuple[float, ...],
    ) -> None:
        details = ", ".join(_describe(conflict) for conflict in conflicts)
        super().__init__(
            f"epoch {epoch!r} of run {run_id!r} is already stored with other "
            f"values ({details}); nothing of this request was written"
        )
        self.run_id = run_id
        self.epoch = epoch
        self.conflicts = conflicts
        self.conflicting_epochs = conflicting_epochs


def _describe(conflict: MetricConflict) -> str:
    stored = repr(conflict.stored) if conflict.stored_present else "absent"
    sent = repr(conflict.sent) if conflict.sent_present else "absent"
    return f"{conflict.metric}: stored {stored}, sent {sent}"
