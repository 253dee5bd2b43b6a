"""Each analyzer's own time at two history sizes, and its growth ratio.

Every analyzer runs on a fresh ``Context`` whose shared quantities (noise of
every series, the rises after the minima, the generalization gap) were
computed in the untimed setup. Those shared quantities are timed as rows of
their own. The request path (body parsing, schema load, dump, JSON encoding,
and a whole request through Flask's test client) is timed the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.histories import history_of
from benchmarks.histories import request_body
from benchmarks.timing import Timing
from benchmarks.timing import time_call
from diagnose_api import create_app
from diagnose_api.analysis.context import ALPHA
from diagnose_api.analysis.context import Context
from diagnose_api.analysis.context import Options
from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.divergence import find_divergence
from diagnose_api.analysis.early_stopping import replay_stop_rules
from diagnose_api.analysis.findings import DETECTORS
from diagnose_api.analysis.findings import detect_all
from diagnose_api.analysis.gap import measure_gap
from diagnose_api.analysis.history import History
from diagnose_api.analysis.recommendations import recommend
from diagnose_api.analysis.risk import score_risk
from diagnose_api.analysis.status import decide_status
from diagnose_api.analysis.stop_rules import recommend_stop_rule
from diagnose_api.analysis.stop_rules import simulate_keras
from diagnose_api.analysis.stop_rules import simulate_lightning
from diagnose_api.analysis.stop_rules import simulate_prechelt
from diagnose_api.analysis.trends import fit_trend
from diagnose_api.analysis.trends import recent_window_start
from diagnose_api.api.body import parse_json
from diagnose_api.schemas.diagnosis import DiagnosisSchema
from diagnose_api.schemas.request import DiagnoseRequestSchema

# Growth ratios above this fail the benchmark: 10x the points costs at most
# 12x the time, which O(n log n) with any fixed overhead meets and an
# O(n^2) path (100x) cannot.
MAX_GROWTH_RATIO = 12.0


# Request-path steps are timed beside the analyzers but not checked: their
# growth is dominated by page faults, not by the algorithm (see
# ``is_checked``).
REQUEST_PATH_PREFIXES = ("request:", "response:")


def is_checked(name: str) -> bool:
    """Return whether a row's growth can fail the run: true for analyzers only.

    Parsing 4 x 100,000 floats builds 400,000 Python floats, about 20 MB.
    Python's allocator returned that memory to the kernel after the
    previous parse, so each parse pays thousands of minor page faults. A
    parse of 10,000 points reuses memory the process still has and pays
    none. The table shows the fault counts next to the times.
    """
    return not name.startswith(REQUEST_PATH_PREFIXES)


@dataclass(frozen=True)
class AnalyzerTiming:
    """One analyzer's median time at each size and t(large) / t(small).

    ``growth_ratio`` compares wall-clock medians, ``cpu_growth_ratio`` CPU
    medians. The latter is the one checked, because other jobs on a shared
    machine inflate wall-clock times unevenly.
    """

    name: str
    timings: dict[int, Timing]
    growth_ratio: float
    cpu_growth_ratio: float


def warm_context(history: History, options: Options) -> Context:
    """Build a Context and compute the quantities that many analyzers share."""
    ctx = Context(history, options)
    _ = ctx.direction, ctx.best_index, ctx.starts_late, ctx.gap, ctx.gap_noise
    for rise in (ctx.loss_rise, ctx.train_rise, ctx.val_accuracy_fall):
        _ = rise.p_value if rise is not None else None
    for series in history.series.values():
        ctx.noise(series)
    return ctx


def trends(ctx: Context) -> list[Any]:
    """Fit the trends of ``diagnose()``: every series over its recent window."""
    result = []
    for name, series in ctx.history.series.items():
        x, y = ctx.observed(series)
        start = recent_window_start(y.size)
        result.append(fit_trend(name, x[start:], y[start:], ALPHA))
    return result


def divergence(ctx: Context) -> Any:
    """Run the divergence search of ``diagnose()`` on the observed validation loss."""
    if ctx.val_loss is None:
        return None
    mask = ctx.val_loss.observed
    train = ctx.finite_values(ctx.train_loss)[mask] if ctx.train_loss else None
    return find_divergence(ctx.epochs[mask], ctx.val_loss.values[mask], train, ALPHA)


def keras(ctx: Context) -> Any:
    monitor = ctx.monitor
    assert monitor is not None
    return simulate_keras(
        monitor.values, mode=ctx.direction.value, missing=monitor.missing
    )


def lightning(ctx: Context) -> Any:
    monitor = ctx.monitor
    assert monitor is not None
    return simulate_lightning(
        monitor.values, mode=ctx.direction.value, missing=monitor.missing
    )


def prechelt(ctx: Context) -> Any:
    assert ctx.val_loss is not None and ctx.train_loss is not None
    return simulate_prechelt(
        ctx.val_loss.values, ctx.train_loss.values, missing=ctx.val_loss.missing
    )


def recommended_rule(ctx: Context) -> Any:
    monitor = ctx.monitor
    assert monitor is not None
    return recommend_stop_rule(
        monitor.values, mode=ctx.direction.value, missing=monitor.missing
    )


def context_rows() -> dict[str, Callable[[Context], object]]:
    """List the shared quantities of a Context, each timed on a cold Context."""
    return {
        "context: noise of every series": lambda ctx: [
            ctx.noise(s) for s in ctx.history.series.values()
        ],
        "context: loss_rise and its Kendall test": lambda ctx: ctx.loss_rise.p_value,
        "context: train_rise and its Kendall test": lambda ctx: ctx.train_rise.p_value,
        "context: val_accuracy_fall and its Kendall test": (
            lambda ctx: ctx.val_accuracy_fall.p_value
        ),
        "context: gap and its noise": lambda ctx: ctx.gap_noise,
        "context: best_index": lambda ctx: ctx.best_index,
    }


def analysis_rows() -> dict[str, Callable[[Context], object]]:
    """List every analyzer of ``diagnose()``, each timed on a warmed Context."""
    rows: dict[str, Callable[[Context], object]] = {
        f"finding: {code}": detect for code, detect in DETECTORS.items()
    }
    rows.update(
        {
            "divergence": divergence,
            "trends (every series)": trends,
            "gap": lambda ctx: measure_gap(ctx, ctx.loss_rise.best_index),
            "risk": score_risk,
            "stop rule: keras": keras,
            "stop rule: lightning": lightning,
            "stop rule: prechelt": prechelt,
            "stop rule: recommended": recommended_rule,
            "stop rules: replay_stop_rules (all)": replay_stop_rules,
        }
    )
    return rows


# Each row is timed in this many rounds, at both sizes back to back in each.
ROUNDS = 3

# A piece of work and the untimed setup that builds its input, as
# ``time_call`` takes them.
Measurement = tuple[Callable[[Any], object], Callable[[], Any]]


def measure_analyzers(
    sizes: tuple[int, int], budget_seconds: float, rounds: int = ROUNDS
) -> list[AnalyzerTiming]:
    """Time every analyzer and request-path step at the two sizes.

    Each row is timed at the small and then the large size, in ``rounds``
    rounds over all rows, and each figure is the median over the rounds.
    A change in the machine's load then shifts both sizes of a row alike,
    where timing every row at one size before the other would skew the
    ratios. ``budget_seconds`` is the time of one row at one size,
    shared by the rounds.
    """
    small, large = sizes
    options = Options()
    plans = {n: _measurements(n, history_of(n), options) for n in sizes}
    names = list(plans[small])
    samples: dict[str, dict[int, list[Timing]]] = {
        name: {n: [] for n in sizes} for name in names
    }
    # The service writes an access-log line per request to stdout. Sending
    # it to the null device keeps its cost in the figures and out of the
    # benchmark's own output.
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        for _ in range(rounds):
            for name in names:
                for n_points in sizes:
                    work, setup = plans[n_points][name]
                    samples[name][n_points].append(
                        time_call(work, setup, budget_seconds / rounds)
                    )
    results = []
    for name in names:
        timings = {n: median_timing(samples[name][n]) for n in sizes}
        results.append(
            AnalyzerTiming(
                name=name,
                timings=timings,
                growth_ratio=timings[large].median
                / max(timings[small].median, 1e-9),
                cpu_growth_ratio=timings[large].cpu_median
                / max(timings[small].cpu_median, 1e-9),
            )
        )
    return results


def median_timing(rounds: list[Timing]) -> Timing:
    """Combine the timings of several rounds: medians of the medians, least minimum."""
    return Timing(
        median=statistics.median(t.median for t in rounds),
        minimum=min(t.minimum for t in rounds),
        cpu_median=statistics.median(t.cpu_median for t in rounds),
        n_repeats=sum(t.n_repeats for t in rounds),
        page_faults_median=statistics.median(t.page_faults_median for t in rounds),
    )


def _measurements(
    n_points: int, history: History, options: Options
) -> dict[str, Measurement]:
    """List the rows timed at one size, each with its untimed setup."""

    def cold() -> Context:
        return Context(history, options)

    def warm() -> Context:
        return warm_context(history, options)

    rows: dict[str, Measurement] = {
        name: (work, cold) for name, work in context_rows().items()
    }
    rows.update({name: (work, warm) for name, work in analysis_rows().items()})
    rows.update(_status_and_recommendations(history, options))
    rows.update(_request_path(n_points))
    return rows


def _status_and_recommendations(
    history: History, options: Options
) -> dict[str, Measurement]:
    def with_findings() -> tuple[Context, list[Any]]:
        ctx = warm_context(history, options)
        findings, _ = detect_all(ctx)
        return ctx, findings

    def with_stop_rules() -> tuple[Context, Any, list[Any], Any]:
        ctx, findings = with_findings()
        status = decide_status(ctx, findings)
        return ctx, status, findings, replay_stop_rules(ctx)

    def recommendations(state: tuple[Context, Any, list[Any], Any]) -> Any:
        ctx, status, findings, stop = state
        best = ctx.epoch_at(ctx.best_index)
        return recommend(ctx, status, findings, best, stop)

    return {
        "status": (lambda state: decide_status(*state), with_findings),
        "recommendations": (recommendations, with_stop_rules),
    }


def _request_path(n_points: int) -> dict[str, Measurement]:
    body = request_body(n_points)
    app = create_app({"TESTING": True})
    payload = json.loads(body)
    schema_limits = app.config
    # One request schema for every load, as the service builds it once.
    request_schema = DiagnoseRequestSchema(limits=schema_limits)
    with app.app_context():
        loaded = request_schema.load(payload)
    result = diagnose(loaded.history, loaded.options)
    # One schema instance for every dump, as the diagnoses route keeps one.
    schema = DiagnosisSchema()
    dumped = schema.dump(result)
    client = app.test_client()

    def nothing() -> None:
        return None

    def load(_: object) -> Any:
        with app.app_context():
            return request_schema.load(payload)

    def post(_: object) -> Any:
        response = client.post(
            "/v1/diagnoses", data=body, content_type="application/json"
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response

    return {
        "request: parse JSON body": (lambda _: parse_json(body), nothing),
        "request: schema load": (load, nothing),
        "response: schema dump": (lambda _: schema.dump(result), nothing),
        "response: JSON encode": (lambda _: app.json.dumps(dumped), nothing),
        "request: whole POST (Flask test client)": (post, nothing),
    }
