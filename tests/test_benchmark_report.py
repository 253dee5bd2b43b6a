"""BENCHMARKS.md rendering: the before-and-after part names the baseline's machine."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from benchmarks.report import render_report

LATEST = Path(__file__).resolve().parents[1] / "benchmarks" / "latest.json"


def results() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(LATEST.read_text())
    return loaded


def baseline_on(cpu_model: str, kernel: str) -> dict[str, Any]:
    baseline = copy.deepcopy(results())
    baseline["machine"].update(
        cpu_model=cpu_model, kernel=kernel, commit="abc1234 (old)", date="then"
    )
    baseline["command"] = "make bench on abc1234"
    baseline["analyzers"] = []
    return baseline


def test_same_machine_baseline_unflagged() -> None:
    current = results()
    machine = current["machine"]
    baseline = baseline_on(machine["cpu_model"], machine["kernel"])
    report = render_report(current, baseline)
    assert "Baseline: commit `abc1234 (old)`, measured then on " in report
    assert "by `make bench on abc1234`" in report
    assert "another machine" not in report


def test_other_machine_baseline_flagged() -> None:
    report = render_report(results(), baseline_on("Some Other CPU", "0.0"))
    assert "Some Other CPU (kernel 0.0)" in report
    assert "**The baseline ran on another machine**" in report


def test_no_baseline_no_comparison() -> None:
    assert "## Before and after" not in render_report(results(), None)
