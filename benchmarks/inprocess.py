"""``diagnose()`` in process: median time and peak memory per history size."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from benchmarks.histories import history_of
from benchmarks.timing import Timing
from benchmarks.timing import time_call
from diagnose_api.analysis.diagnose import diagnose

ROOT = Path(__file__).resolve().parents[1]
MB = 1e6


@dataclass(frozen=True)
class InProcessResult:
    """Time and memory of ``diagnose()`` on one history size."""

    n_points: int
    timing: Timing
    traced_peak_mb: float
    process_ready_mb: float
    process_peak_mb: float
    call_rss_before_mb: float
    call_rss_peak_mb: float


def traced_peak_mb(n_points: int) -> float:
    """Peak of Python allocations (tracemalloc) during one diagnosis, in MB."""
    history = history_of(n_points)
    diagnose(history)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        diagnose(history)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - baseline) / MB


def process_rss_mb(n_points: int) -> dict[str, float]:
    """Resident sizes of a fresh process around one diagnosis, in MB.

    The keys are those of ``benchmarks.peak_rss``, with ``_kib`` replaced
    by ``_mb``.
    """
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.peak_rss", str(n_points)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    measured = json.loads(completed.stdout)
    return {
        key.removesuffix("_kib") + "_mb": value * 1024 / MB
        for key, value in measured.items()
    }


def measure_diagnose(n_points: int, budget_seconds: float) -> InProcessResult:
    history = history_of(n_points)
    timing = time_call(lambda _: diagnose(history), budget_seconds=budget_seconds)
    rss = process_rss_mb(n_points)
    return InProcessResult(
        n_points=n_points,
        timing=timing,
        traced_peak_mb=traced_peak_mb(n_points),
        process_ready_mb=rss["ready_mb"],
        process_peak_mb=rss["peak_mb"],
        call_rss_before_mb=rss["rss_before_call_mb"],
        call_rss_peak_mb=rss["rss_peak_call_mb"],
    )
