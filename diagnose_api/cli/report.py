"""The terminal report of one diagnosed log file."""

from __future__ import annotations

import math
import textwrap
from typing import Any

from diagnose_api.analysis.history import History
from diagnose_api.analysis.result import Diagnosis
from diagnose_api.analysis.roles import Role
from diagnose_api.analysis.roles import assign_roles
from diagnose_api.cli.plot import Curve
from diagnose_api.cli.plot import plot_curves

WIDTH = 88
INDENT = "  "
LABEL_WIDTH = 12
CURVE_MARKERS = ((Role.TRAIN_LOSS, "t"), (Role.VAL_LOSS, "v"))


def render_report(
    path: str, format: str, history: History, diagnosis: Diagnosis
) -> str:
    """Write the report of one file: verdict, plot, findings, recommendations."""
    lines = [f"{path} ({format}, {diagnosis.n_epochs} epochs)"]
    lines.extend(_summary(diagnosis))
    plot = plot_curves(_curves(history))
    if plot:
        lines.append("")
        lines.append(INDENT + "loss curves")
        lines.extend(INDENT * 2 + line for line in plot)
    lines.extend(_findings(diagnosis))
    lines.extend(_recommendations(diagnosis))
    lines.extend(_skipped(diagnosis))
    lines.extend(_notes(diagnosis))
    return "\n".join(lines) + "\n"


def _field(label: str, value: str) -> str:
    return f"{INDENT}{label:<{LABEL_WIDTH}}{value}"


def _epoch(epoch: float, step: int | None) -> str:
    text = f"epoch {epoch:g}"
    return text if step is None else f"{text} (step {step})"


def _summary(diagnosis: Diagnosis) -> list[str]:
    risk = diagnosis.risk
    lines = [
        _field("status", diagnosis.status.value),
        _field("risk", f"{risk.score:g}/100 ({risk.level})"),
    ]
    if diagnosis.best_epoch is not None:
        best = _epoch(diagnosis.best_epoch, diagnosis.best_step)
        if diagnosis.best_value is not None and math.isfinite(diagnosis.best_value):
            best += f", {diagnosis.monitor} {diagnosis.best_value:.4g}"
        lines.append(_field("best", best))
    divergence = diagnosis.divergence
    if divergence is None:
        lines.append(_field("divergence", "none found"))
    else:
        lines.append(
            _field(
                "divergence",
                f"{_epoch(divergence.epoch, divergence.step)}, confidence "
                f"{divergence.confidence:g} ({divergence.method})",
            )
        )
    return lines


def _curves(history: History) -> list[Curve]:
    roles = assign_roles(list(history.series))
    curves = []
    for role, marker in CURVE_MARKERS:
        name = roles.get(role)
        if name is None:
            continue
        series = history.series[name]
        values = [
            math.nan if missing else float(value)
            for value, missing in zip(series.values, series.missing)
        ]
        curves.append(Curve(name, marker, [float(x) for x in history.epochs], values))
    return curves


def _wrapped(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  "
    )


def _findings(diagnosis: Diagnosis) -> list[str]:
    if not diagnosis.findings:
        return ["", INDENT + "findings: none"]
    lines = ["", INDENT + "findings"]
    for finding in diagnosis.findings:
        text = f"[{finding.severity.value}] {finding.code}: {finding.message}"
        lines.extend(_wrapped(text, INDENT * 2))
    return lines


def _recommendations(diagnosis: Diagnosis) -> list[str]:
    if not diagnosis.recommendations:
        return ["", INDENT + "recommendations: none"]
    lines = ["", INDENT + "recommendations"]
    for number, recommendation in enumerate(diagnosis.recommendations, start=1):
        text = f"{number}. {recommendation.action}: {recommendation.rationale}"
        lines.extend(_wrapped(text, INDENT * 2))
        for name, value in recommendation.parameters.items():
            lines.extend(_wrapped(f"{name}: {_parameter(value)}", INDENT * 4))
    return lines


def _parameter(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}={_parameter(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_parameter(item) for item in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _skipped(diagnosis: Diagnosis) -> list[str]:
    if not diagnosis.skipped_checks:
        return []
    names = ", ".join(skipped.check for skipped in diagnosis.skipped_checks)
    return ["", *_wrapped(f"checks that could not run: {names}", INDENT)]


def _notes(diagnosis: Diagnosis) -> list[str]:
    if not diagnosis.notes:
        return []
    lines = ["", INDENT + "notes"]
    for note in diagnosis.notes:
        lines.extend(_wrapped(f"- {note}", INDENT * 2))
    return lines
