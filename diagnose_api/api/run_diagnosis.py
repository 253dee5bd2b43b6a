"""Diagnose a live run from its stored epochs and decide whether its loop stops.

The stored epochs become the body ``POST /v1/diagnoses`` would receive
(``history``, ``epochs`` and the run's ``options``) and pass through the same
``DiagnoseRequestSchema`` checks. The stop decision is the diagnosis's
replay of Keras ``EarlyStopping`` with the run's options: the loop should
stop when the replay stopped at or before the latest stored epoch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.result import Diagnosis
from diagnose_api.analysis.result import Status
from diagnose_api.schemas.request import MIN_EPOCHS
from diagnose_api.schemas.request import DiagnoseRequest
from diagnose_api.schemas.request import DiagnoseRequestSchema
from diagnose_api.schemas.runs import RunDiagnosis
from diagnose_api.store import EpochRow
from diagnose_api.store import Run


def history_payload(rows: list[EpochRow], stop_rule: dict[str, Any]) -> dict[str, Any]:
    """Build a ``POST /v1/diagnoses`` body from stored epochs.

    Every metric of any epoch becomes a series, in order of first
    appearance, with null at the epochs that did not log it.
    """
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row.metrics))

    history = {name: [row.metrics.get(name) for row in rows] for name in names}
    return {
        "history": history,
        "epochs": [row.epoch for row in rows],
        "options": stop_rule,
    }


@dataclass(frozen=True)
class DiagnosedRun:
    """A run's stored epochs as a diagnosis request, and what they gave.

    Attributes
    ----------
    request : DiagnoseRequest or None
        The stored epochs and the run's options as ``POST /v1/diagnoses``
        would load them; None while fewer than ``MIN_EPOCHS`` are stored.
    decision : RunDiagnosis
        The stop decision, carrying the diagnosis (None with ``request``).
    """

    request: DiagnoseRequest | None
    decision: RunDiagnosis


def diagnose_run(
    run: Run, rows: list[EpochRow], limits: Mapping[str, Any]
) -> DiagnosedRun:
    """Diagnose the stored epochs of ``run`` with its stop rule.

    Fewer than ``MIN_EPOCHS`` epochs give no request, status
    ``insufficient_data``, no diagnosis and ``should_stop`` False.

    Raises
    ------
    marshmallow.ValidationError
        If the stored epochs and the run's options do not form a valid
        request, for example when ``options.monitor`` names a metric that no
        epoch logged.
    """
    n_epochs = len(rows)
    last_epoch = rows[-1].epoch if rows else None
    if n_epochs < MIN_EPOCHS:
        decision = RunDiagnosis(
            run_id=run.id,
            n_epochs=n_epochs,
            last_epoch=last_epoch,
            status=Status.INSUFFICIENT_DATA,
            should_stop=False,
            stop_reason=None,
            stopped_epoch=None,
            restore_epoch=None,
            message=(
                f"{n_epochs} epoch(s) stored; a diagnosis and a stop decision "
                f"need at least {MIN_EPOCHS}."
            ),
            diagnosis=None,
        )
        return DiagnosedRun(request=None, decision=decision)

    schema = DiagnoseRequestSchema(limits=dict(limits))
    request_data = schema.load(history_payload(rows, run.stop_rule))
    result = diagnose(request_data.history, request_data.options)
    return DiagnosedRun(request=request_data, decision=stop_decision(run, rows, result))


def stop_decision(run: Run, rows: list[EpochRow], result: Diagnosis) -> RunDiagnosis:
    """Decide whether the loop of ``run`` stops, from the diagnosis's Keras replay."""
    n_epochs = len(rows)
    last_epoch = rows[-1].epoch if rows else None
    keras = result.early_stopping.get("keras")
    if keras is None:
        # No stop rule runs without a monitored series. The schema requires
        # a loss series, so this branch only guards against later changes.
        return RunDiagnosis(
            run_id=run.id,
            n_epochs=n_epochs,
            last_epoch=last_epoch,
            status=result.status,
            should_stop=False,
            stop_reason=None,
            stopped_epoch=None,
            restore_epoch=None,
            message="No monitored series; the stop rule cannot run.",
            diagnosis=result,
        )

    stopped_epoch = keras["stopped_epoch"]
    should_stop = stopped_epoch is not None
    return RunDiagnosis(
        run_id=run.id,
        n_epochs=n_epochs,
        last_epoch=last_epoch,
        status=result.status,
        should_stop=should_stop,
        stop_reason=keras["reason"] if should_stop else None,
        stopped_epoch=stopped_epoch,
        restore_epoch=keras["best_epoch"],
        message=keras["message"],
        diagnosis=result,
    )
