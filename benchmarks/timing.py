"""Repeated timing with an untimed setup before every run."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MIN_REPEATS = 3
MAX_REPEATS = 200


@dataclass(frozen=True)
class Timing:
    """Seconds of repeated runs of one piece of work.

    ``median`` and ``minimum`` are wall-clock times. ``cpu_median`` is the
    median CPU time of this process, which leaves out the time spent
    waiting for a core on a machine shared with other jobs.
    ``page_faults_median`` is the median number of minor page faults of
    one run: pages the kernel had to map and zero because the process
    touched memory it had given back.
    """

    median: float
    minimum: float
    cpu_median: float
    n_repeats: int
    page_faults_median: float = 0.0


def time_call(
    work: Callable[[Any], object],
    setup: Callable[[], Any] = lambda: None,
    budget_seconds: float = 1.0,
    max_repeats: int = MAX_REPEATS,
) -> Timing:
    """Time ``work(setup())`` repeatedly; the setup is not timed.

    One warm-up run is made first and not counted. The number of timed runs
    fills about ``budget_seconds``, bounded by ``MIN_REPEATS`` and
    ``max_repeats``.
    """
    state = setup()
    start = time.perf_counter()
    work(state)
    first = time.perf_counter() - start
    n_repeats = int(budget_seconds / max(first, 1e-6))
    n_repeats = max(MIN_REPEATS, min(max_repeats, n_repeats))
    samples = []
    cpu_samples = []
    fault_samples = []
    for _ in range(n_repeats):
        state = setup()
        faults_start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        cpu_start = time.process_time()
        start = time.perf_counter()
        work(state)
        samples.append(time.perf_counter() - start)
        cpu_samples.append(time.process_time() - cpu_start)
        fault_samples.append(
            resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_start
        )
    return Timing(
        median=statistics.median(samples),
        minimum=min(samples),
        cpu_median=statistics.median(cpu_samples),
        n_repeats=n_repeats,
        page_faults_median=statistics.median(fault_samples),
    )
