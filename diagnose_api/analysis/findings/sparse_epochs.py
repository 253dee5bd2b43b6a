"""``sparse_epochs``: epochs that skip, or validation logged every k epochs.

Rule: a gap is a step between logged epochs larger than 1.5 times the
typical step (``spacing.gap_mask``); validation is sparse when the
validation loss is logged on fewer epochs than the training loss, and its
typical step k between logged epochs is then reported. Gaps are reported so
that a change across them is not read as a jump in the metric.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import Severity
from diagnose_api.analysis.spacing import gap_mask
from diagnose_api.analysis.spacing import typical_spacing

CODE = "sparse_epochs"
MAX_LISTED_GAPS = 20


def detect(ctx: Context) -> Outcome:
    epochs = ctx.epochs
    evidence: dict = {}
    marked: list[float] = []
    if epochs.size >= 2:
        gaps = np.flatnonzero(gap_mask(epochs))
        if gaps.size:
            evidence["typical_step"] = rounded(typical_spacing(epochs))
            evidence["gaps"] = [
                {"from_epoch": float(epochs[i]), "to_epoch": float(epochs[i + 1])}
                for i in gaps[:MAX_LISTED_GAPS]
            ]
            evidence["n_gaps"] = int(gaps.size)
            marked.extend(float(epochs[i + 1]) for i in gaps[:MAX_LISTED_GAPS])
    val, train = ctx.val_loss, ctx.train_loss
    if val is not None and train is not None:
        n_val = int((~val.missing).sum())
        n_train = int((~train.missing).sum())
        if 2 <= n_val < n_train:
            k = typical_spacing(epochs[~val.missing]) / typical_spacing(epochs)
            evidence["validation_every"] = rounded(k, 3)
            evidence["n_validation_epochs"] = n_val
    if not evidence:
        return None
    parts = []
    if "gaps" in evidence:
        first = evidence["gaps"][0]
        parts.append(
            f"{evidence['n_gaps']} gap(s) in the epoch numbers, the first from "
            f"{first['from_epoch']:g} to {first['to_epoch']:g}"
        )
    if "validation_every" in evidence:
        parts.append(f"validation logged every {evidence['validation_every']:g} epochs")
    return Finding(
        code=CODE,
        severity=Severity.INFO,
        epochs=tuple(marked),
        evidence=evidence,
        message="The history has " + " and ".join(parts) + "; changes across gaps "
        "are not read as jumps.",
    )
