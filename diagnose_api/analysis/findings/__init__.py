"""Finding detectors, one module per stable finding code.

``DETECTORS`` runs in this order; the order only sets the order of the
findings in a response (status.py decides which ones matter most).
"""

from __future__ import annotations

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.findings import accuracy_constant
from diagnose_api.analysis.findings import accuracy_not_meaningful
from diagnose_api.analysis.findings import chance_level
from diagnose_api.analysis.findings import double_descent_suspected
from diagnose_api.analysis.findings import generalization_gap_growing
from diagnose_api.analysis.findings import generalization_gap_large
from diagnose_api.analysis.findings import loss_accuracy_disagreement
from diagnose_api.analysis.findings import loss_spike
from diagnose_api.analysis.findings import lr_schedule_step
from diagnose_api.analysis.findings import memorization
from diagnose_api.analysis.findings import non_finite
from diagnose_api.analysis.findings import not_learning
from diagnose_api.analysis.findings import plateau
from diagnose_api.analysis.findings import sparse_epochs
from diagnose_api.analysis.findings import still_improving
from diagnose_api.analysis.findings import training_loss_rising
from diagnose_api.analysis.findings import val_accuracy_declining
from diagnose_api.analysis.findings import val_below_train
from diagnose_api.analysis.findings import val_loss_rising
from diagnose_api.analysis.findings import val_noisy
from diagnose_api.analysis.findings.base import Detector
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import SkippedCheck

MODULES = (
    non_finite,
    val_loss_rising,
    generalization_gap_growing,
    generalization_gap_large,
    val_accuracy_declining,
    memorization,
    loss_accuracy_disagreement,
    double_descent_suspected,
    training_loss_rising,
    loss_spike,
    val_noisy,
    not_learning,
    chance_level,
    accuracy_constant,
    accuracy_not_meaningful,
    plateau,
    still_improving,
    val_below_train,
    lr_schedule_step,
    sparse_epochs,
)
DETECTORS: dict[str, Detector] = {module.CODE: module.detect for module in MODULES}
FINDING_CODES = tuple(DETECTORS)


def detect_all(ctx: Context) -> tuple[list[Finding], list[SkippedCheck]]:
    """Run every detector; return the findings and the checks that could not run."""
    findings: list[Finding] = []
    skipped: list[SkippedCheck] = []
    for detect in DETECTORS.values():
        outcome = detect(ctx)
        if isinstance(outcome, Finding):
            findings.append(outcome)
        elif isinstance(outcome, SkippedCheck):
            skipped.append(outcome)
    return findings, skipped
