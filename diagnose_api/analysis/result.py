"""Immutable result types of a diagnosis.

Epochs in every result are in the client's own numbering (floats, since
Hugging Face Trainer logs 0.99, 1.98, ...). Steps are the optimizer steps
of those epochs when the history has them, else None. Values that could not
be computed are None, never NaN, so that every result serializes to strict
JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from enum import Enum
from typing import Any


class Status(str, Enum):
    """The verdict on a run, in the precedence order documented in status.py."""

    OVERFITTING = "overfitting"
    UNDERFITTING = "underfitting"
    UNSTABLE = "unstable"
    DIVERGED = "diverged"
    HEALTHY = "healthy"
    INSUFFICIENT_DATA = "insufficient_data"


class Severity(str, Enum):
    """How much a finding matters, from informational to critical."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Finding:
    """One detected phenomenon, with the numbers that support it."""

    code: str
    severity: Severity
    epochs: tuple[float, ...]
    evidence: dict[str, Any]
    message: str


@dataclass(frozen=True)
class SkippedCheck:
    """A check that could not run on this history, and why."""

    check: str
    reason: str


@dataclass(frozen=True)
class RiskFactor:
    """One term of the risk score: the measured value and the points it adds."""

    name: str
    value: float | None
    contribution: float
    description: str


@dataclass(frozen=True)
class Risk:
    score: float
    level: str
    factors: tuple[RiskFactor, ...]


@dataclass(frozen=True)
class Divergence:
    """The epoch at which training and validation curves part for good."""

    epoch: float
    confidence: float
    method: str
    p_value: float | None
    slope_before: float | None
    slope_after: float | None
    step: int | None = None


@dataclass(frozen=True)
class Trend:
    """Direction of one series over its recent window."""

    series: str
    window_start: float
    window_end: float
    n_points: int
    slope: float | None
    p_value: float | None
    direction: str


@dataclass(frozen=True)
class GapPoint:
    epoch: float
    loss_gap: float | None
    loss_ratio: float | None
    accuracy_gap: float | None


@dataclass(frozen=True)
class Gap:
    """Generalization gap: validation minus training loss, and the accuracy gap."""

    at_best: GapPoint | None
    at_end: GapPoint | None
    trend: Trend | None


@dataclass(frozen=True)
class Recommendation:
    action: str
    priority: int
    rationale: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Diagnosis:
    """Everything the service returns about one history."""

    status: Status
    summary: str
    risk: Risk
    monitor: str | None
    mode: str | None
    best_epoch: float | None
    best_value: float | None
    divergence: Divergence | None
    early_stopping: dict[str, Any]
    trends: tuple[Trend, ...]
    gap: Gap
    findings: tuple[Finding, ...]
    recommendations: tuple[Recommendation, ...]
    roles: dict[str, str]
    n_epochs: int
    first_epoch: float
    last_epoch: float
    skipped_checks: tuple[SkippedCheck, ...]
    projection: Any = None
    notes: tuple[str, ...] = ()
    best_step: int | None = None
