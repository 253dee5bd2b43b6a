"""Storage of live runs: SQLite by default, PostgreSQL given a URL.

A training loop creates a run, appends epochs to it one request at a time,
and requests a diagnosis of what is stored. ``open_store`` returns a
``RunStore``. Its methods take and return the frozen records below and raise
subclasses of ``StoreError``.

Appends are idempotent by epoch: resending an epoch with the same metrics is
reported unchanged, and resending it with other values raises
``EpochConflict`` without writing anything of the request.

Example::

    store = open_store(None, Path("var/runs.sqlite3"))
    run = store.create_run(name="mnist", tags=["cnn"], stop_rule={"patience": 3})
    row = EpochRow(epoch=1, metrics={"loss": 0.52, "val_loss": 0.41})
    store.append_epochs(run.id, [row])  # AppendResult(inserted=[1.0], unchanged=[])
    store.append_epochs(run.id, [row])  # AppendResult(inserted=[], unchanged=[1.0])
    store.get_epochs(run.id)            # [EpochRow(epoch=1.0, metrics={...})]
"""

from diagnose_api.store.errors import EpochConflict
from diagnose_api.store.errors import InvalidCursor
from diagnose_api.store.errors import RunNotFound
from diagnose_api.store.errors import StoreError
from diagnose_api.store.errors import StoreUnavailable
from diagnose_api.store.factory import open_store
from diagnose_api.store.protocol import RunStore
from diagnose_api.store.records import AppendResult
from diagnose_api.store.records import EpochRow
from diagnose_api.store.records import MetricConflict
from diagnose_api.store.records import Run
from diagnose_api.store.records import RunPage

__all__ = [
    "AppendResult",
    "EpochConflict",
    "EpochRow",
    "InvalidCursor",
    "MetricConflict",
    "Run",
    "RunNotFound",
    "RunPage",
    "RunStore",
    "StoreError",
    "StoreUnavailable",
    "open_store",
]
