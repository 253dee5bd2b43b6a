"""Run every benchmark and write BENCHMARKS.md. Exit 1 when a growth ratio exceeds 12.

Usage: ``python -m benchmarks.run [--output BENCHMARKS.md] [--json FILE]
[--baseline FILE] [--client wrk|python] [--seconds 10] [--quick]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.analyzers import MAX_GROWTH_RATIO
from benchmarks.analyzers import is_checked
from benchmarks.analyzers import measure_analyzers
from benchmarks.histories import request_body
from benchmarks.http_load import default_client
from benchmarks.http_load import load_test
from benchmarks.http_load import worker_memory
from benchmarks.inprocess import measure_diagnose
from benchmarks.machine import describe_machine
from benchmarks.report import render_report
from diagnose_api.allocator import keep_freed_memory

ROOT = Path(__file__).resolve().parents[1]
SIZES = (200, 10_000, 100_000)
ANALYZER_SIZES = (10_000, 100_000)
HTTP_POINTS = 200
MEMORY_POINTS = 100_000
WORKERS = 2


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "latest.json"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=ROOT / "benchmarks" / "baseline.json",
        help="results of an earlier run to compare with, when the file exists",
    )
    parser.add_argument("--client", choices=("wrk", "python"), default=default_client())
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0, help="per HTTP target")
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument(
        "--quick", action="store_true", help="short budgets, for a smoke run"
    )
    return parser.parse_args(argv)


def _diagnose_rows(budget: float) -> list[dict[str, Any]]:
    rows = []
    for n_points in SIZES:
        result = measure_diagnose(n_points, budget)
        rows.append(
            {
                "n_points": n_points,
                "median_ms": result.timing.median * 1e3,
                "min_ms": result.timing.minimum * 1e3,
                "cpu_median_ms": result.timing.cpu_median * 1e3,
                "n_repeats": result.timing.n_repeats,
                "traced_peak_mb": result.traced_peak_mb,
                "process_ready_mb": result.process_ready_mb,
                "process_peak_mb": result.process_peak_mb,
                "call_rss_before_mb": result.call_rss_before_mb,
                "call_rss_peak_mb": result.call_rss_peak_mb,
            }
        )
        print(f"diagnose at {n_points}: {rows[-1]['median_ms']:.2f} ms", flush=True)
    return rows


def _analyzer_rows(budget: float) -> list[dict[str, Any]]:
    rows = []
    for timing in measure_analyzers(ANALYZER_SIZES, budget):
        rows.append(
            {
                "name": timing.name,
                "median_ms": {
                    str(n): t.median * 1e3 for n, t in timing.timings.items()
                },
                "cpu_median_ms": {
                    str(n): t.cpu_median * 1e3 for n, t in timing.timings.items()
                },
                "page_faults": {
                    str(n): t.page_faults_median for n, t in timing.timings.items()
                },
                "growth_ratio": timing.growth_ratio,
                "cpu_growth_ratio": timing.cpu_growth_ratio,
                "checked": is_checked(timing.name),
            }
        )
    return rows


def _http(args: argparse.Namespace) -> dict[str, Any]:
    results = load_test(
        request_body(HTTP_POINTS),
        client=args.client,
        workers=WORKERS,
        connections=args.connections,
        seconds=args.seconds,
        max_requests=args.max_requests,
    )
    bare, service = results["bare"], results["service"]
    return {
        "n_points": HTTP_POINTS,
        "workers": WORKERS,
        "connections": args.connections,
        "seconds": args.seconds,
        "client": service.client,
        "bare": dataclasses.asdict(bare),
        "service": dataclasses.asdict(service),
        "ratio": service.requests_per_second / bare.requests_per_second,
        "cpu_ratio": bare.worker_cpu_ms / service.worker_cpu_ms,
    }


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    budget = 0.3 if args.quick else 2.0
    if args.quick:
        args.seconds = min(args.seconds, 3.0)
    machine = describe_machine(ROOT)
    # The same allocator settings as the gunicorn workers (gunicorn.conf.py).
    allocator_tuned = keep_freed_memory()
    results: dict[str, Any] = {
        "command": "make bench",
        "allocator_tuned": allocator_tuned,
        "machine": dataclasses.asdict(machine),
        "diagnose": _diagnose_rows(budget),
        "analyzer_sizes": list(ANALYZER_SIZES),
        "analyzers": _analyzer_rows(budget / 4),
    }
    print("analyzers timed", flush=True)
    results["http"] = _http(args)
    print(f"HTTP ratio {results['http']['ratio']:.2f}", flush=True)
    memory = worker_memory(request_body(MEMORY_POINTS), MEMORY_POINTS, WORKERS)
    results["worker_memory"] = dataclasses.asdict(memory)
    results["load_average_after"] = list(describe_machine(ROOT).load_average)

    baseline = None
    if args.baseline.exists() and args.baseline.resolve() != args.json.resolve():
        baseline = json.loads(args.baseline.read_text())
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    args.output.write_text(render_report(results, baseline))

    too_steep = [
        row
        for row in results["analyzers"]
        if row["checked"] and row["cpu_growth_ratio"] > MAX_GROWTH_RATIO
    ]
    for row in too_steep:
        print(
            f"CPU growth ratio {row['cpu_growth_ratio']:.1f} > {MAX_GROWTH_RATIO:g}: "
            f"{row['name']}",
            file=sys.stderr,
        )
    print(f"wrote {args.output} and {args.json}")
    return 1 if too_steep else 0


if __name__ == "__main__":
    sys.exit(main())
