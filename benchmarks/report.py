"""BENCHMARKS.md from the results of one run, compared with a baseline run."""

from __future__ import annotations

from typing import Any

from benchmarks.analyzers import MAX_GROWTH_RATIO

TARGET_SMALL_MS = 5.0
AIM_SMALL_MS = 2.0
TARGET_LARGE_MS = 150.0
TARGET_HTTP_RATIO = 0.30
TARGET_WORKER_MB = 150.0


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _diagnose_by_size(results: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {row["n_points"]: row for row in results["diagnose"]}


def _allocator_note(results: dict[str, Any]) -> str:
    if results.get("allocator_tuned"):
        return (
            "The benchmark process keeps freed memory mapped with the glibc "
            "settings that `gunicorn.conf.py` gives every worker "
            "(`diagnose_api/allocator.py`); without them a 100,000-point "
            "diagnosis pays about 9,000 page faults."
        )
    return "The glibc allocator settings could not be applied on this machine."


def _machine(results: dict[str, Any]) -> str:
    machine = results["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
    blas = ", ".join(f"{k}={v}" for k, v in machine["blas_variables"].items())
    load_before = ", ".join(f"{x:.2f}" for x in machine["load_average"])
    load_after = ", ".join(f"{x:.2f}" for x in results["load_average_after"])
    return _table(
        ["", ""],
        [
            ["date", machine["date"]],
            ["commit", f"`{machine['commit']}`"],
            ["CPU", machine["cpu_model"]],
            ["cores available", str(machine["n_cores"])],
            ["memory", f"{machine['memory_gib']:.1f} GiB"],
            ["kernel", machine["kernel"]],
            ["Python", machine["python"]],
            ["packages", packages],
            ["BLAS environment", blas],
            ["load average (1, 5, 15 min) before", load_before],
            ["load average after", load_after],
        ],
    )


def _targets(results: dict[str, Any]) -> str:
    by_size = _diagnose_by_size(results)
    small = by_size[200]["median_ms"]
    large = by_size[100_000]["median_ms"]
    growth = large / by_size[10_000]["median_ms"]
    worst = max(
        (row for row in results["analyzers"] if row.get("checked", True)),
        key=lambda row: row["cpu_growth_ratio"],
    )
    cpu_growth = by_size[100_000]["cpu_median_ms"] / by_size[10_000]["cpu_median_ms"]
    http_ratio = results["http"]["ratio"]
    worker = results["worker_memory"]["peak_rss_mb"]
    rows = [
        [
            "diagnose() median, 200 epochs",
            f"<= {TARGET_SMALL_MS:g} ms (aim {AIM_SMALL_MS:g} ms)",
            f"{small:.2f} ms",
            _met(small <= TARGET_SMALL_MS)
            + (" (aim met)" if small <= AIM_SMALL_MS else " (aim missed)"),
        ],
        [
            "diagnose() median, 100,000 points",
            f"<= {TARGET_LARGE_MS:g} ms",
            f"{large:.1f} ms",
            _met(large <= TARGET_LARGE_MS),
        ],
        [
            "diagnose() growth t(100k) / t(10k), wall (CPU)",
            f"<= {MAX_GROWTH_RATIO:g}",
            f"{growth:.2f} ({cpu_growth:.2f})",
            _met(growth <= MAX_GROWTH_RATIO),
        ],
        [
            "worst analyzer CPU growth t(100k) / t(10k)",
            f"<= {MAX_GROWTH_RATIO:g}",
            f"{worst['cpu_growth_ratio']:.2f} ({worst['name']})",
            _met(worst["cpu_growth_ratio"] <= MAX_GROWTH_RATIO),
        ],
        [
            "HTTP throughput / bare endpoint's",
            f">= {TARGET_HTTP_RATIO:.0%}",
            f"{http_ratio:.1%}",
            _met(http_ratio >= TARGET_HTTP_RATIO),
        ],
        [
            "worker peak RSS, 4 x 100,000 points over HTTP",
            f"<= {TARGET_WORKER_MB:g} MB",
            f"{worker:.1f} MB",
            _met(worker <= TARGET_WORKER_MB),
        ],
    ]
    return _table(["target", "limit", "measured", "result"], rows)


def _mb(row: dict[str, Any], key: str) -> str:
    return f"{row[key]:.1f}" if key in row else "not measured"


def _diagnose(results: dict[str, Any]) -> str:
    rows = []
    for row in results["diagnose"]:
        growth = "not measured"
        if "call_rss_peak_mb" in row:
            growth = f"{row['call_rss_peak_mb'] - row['call_rss_before_mb']:.1f}"
        rows.append(
            [
                f"{row['n_points']:,}",
                f"{row['median_ms']:.2f}",
                f"{row['min_ms']:.2f}",
                f"{row['cpu_median_ms']:.2f}",
                str(row["n_repeats"]),
                f"{row['traced_peak_mb']:.1f}",
                _mb(row, "process_ready_mb"),
                _mb(row, "process_peak_mb"),
                growth,
            ]
        )
    return _table(
        [
            "points per series",
            "median ms",
            "min ms",
            "CPU median ms",
            "runs",
            "tracemalloc peak MB",
            "ru_maxrss ready MB",
            "ru_maxrss after MB",
            "RSS growth during the call MB",
        ],
        rows,
    )


def _analyzers(results: dict[str, Any]) -> str:
    small, large = (str(n) for n in results["analyzer_sizes"])
    rows = []
    for row in results["analyzers"]:
        ratio = row["cpu_growth_ratio"]
        checked = row.get("checked", True)
        ratio_text = f"{ratio:.2f}"
        if checked and ratio > MAX_GROWTH_RATIO:
            ratio_text = f"**{ratio:.2f}**"
        elif not checked:
            ratio_text += " (not checked)"
        faults = row.get("page_faults", {})
        rows.append(
            [
                row["name"],
                f"{row['median_ms'][small]:.3f}",
                f"{row['median_ms'][large]:.3f}",
                f"{row['growth_ratio']:.2f}",
                f"{row['cpu_median_ms'][small]:.3f}",
                f"{row['cpu_median_ms'][large]:.3f}",
                ratio_text,
                f"{faults.get(small, 0):g} / {faults.get(large, 0):g}",
            ]
        )
    return _table(
        [
            "analyzer or step",
            f"ms at {int(small):,}",
            f"ms at {int(large):,}",
            "wall ratio",
            f"CPU ms at {int(small):,}",
            f"CPU ms at {int(large):,}",
            "CPU ratio",
            "page faults per run",
        ],
        rows,
    )


def _http(results: dict[str, Any]) -> str:
    http = results["http"]
    rows = [
        [
            name,
            f"{http[key]['requests_per_second']:.0f}",
            f"{http[key]['p50_ms']:.2f}",
            f"{http[key]['p99_ms']:.2f}",
            str(http[key]["n_requests"]),
            str(http[key]["n_errors"]),
            f"{http[key].get('worker_cpu_ms', float('nan')):.2f}",
        ]
        for name, key in (
            ("bare Flask endpoint (parse and echo)", "bare"),
            ("POST /v1/diagnoses", "service"),
        )
    ]
    return _table(
        [
            "target",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "requests",
            "errors",
            "worker CPU ms per request",
        ],
        rows,
    )


def _worker(results: dict[str, Any]) -> str:
    memory = results["worker_memory"]
    return _table(
        [
            "body MB",
            "status",
            "latency s",
            "worker RSS before MB",
            "worker peak RSS MB",
        ],
        [
            [
                f"{memory['body_mb']:.1f}",
                str(memory["status"]),
                f"{memory['latency_s']:.2f}",
                f"{memory['rss_before_mb']:.1f}",
                f"{memory['peak_rss_mb']:.1f}",
            ]
        ],
    )


def _speedup(before: float, after: float) -> str:
    return f"{before / after:.1f}x" if after > 0 else ""


def _comparison(results: dict[str, Any], baseline: dict[str, Any]) -> str:
    before = _diagnose_by_size(baseline)
    after = _diagnose_by_size(results)
    rows = []
    for n_points in sorted(after):
        if n_points not in before:
            continue
        for label, key in (("median ms", "median_ms"), ("CPU ms", "cpu_median_ms")):
            b, a = before[n_points][key], after[n_points][key]
            rows.append(
                [f"diagnose() {label}, {n_points:,} points", f"{b:.2f}", f"{a:.2f}"]
                + [_speedup(b, a)]
            )
    for label, key in (("service requests/s", "service"), ("bare requests/s", "bare")):
        b = baseline["http"][key]["requests_per_second"]
        a = results["http"][key]["requests_per_second"]
        rows.append([label, f"{b:.0f}", f"{a:.0f}", _speedup(a, b)])
    b = baseline["http"]["service"].get("worker_cpu_ms", float("nan"))
    a = results["http"]["service"].get("worker_cpu_ms", float("nan"))
    rows.append(["service worker CPU ms per request", f"{b:.2f}", f"{a:.2f}"] + [""])
    for label, key in (("HTTP ratio to bare", "ratio"), ("CPU ratio", "cpu_ratio")):
        b = baseline["http"].get(key, float("nan"))
        a = results["http"].get(key, float("nan"))
        rows.append([label, f"{b:.1%}", f"{a:.1%}", ""])
    b = baseline["worker_memory"]["peak_rss_mb"]
    a = results["worker_memory"]["peak_rss_mb"]
    rows.append(["worker peak RSS MB, 100,000 points", f"{b:.1f}", f"{a:.1f}", ""])
    b = baseline["worker_memory"]["latency_s"]
    a = results["worker_memory"]["latency_s"]
    rows.append(
        ["one HTTP request, 100,000 points, s", f"{b:.2f}", f"{a:.2f}", _speedup(b, a)]
    )

    large = str(results["analyzer_sizes"][1])
    earlier = {row["name"]: row for row in baseline["analyzers"]}
    for row in results["analyzers"]:
        old = earlier.get(row["name"])
        if old is None or "cpu_median_ms" not in old:
            continue
        b, a = old["cpu_median_ms"][large], row["cpu_median_ms"][large]
        rows.append(
            [
                f"{row['name']}: CPU ms at {int(large):,} (CPU ratio "
                f"{old['cpu_growth_ratio']:.1f} -> {row['cpu_growth_ratio']:.1f})",
                f"{b:.3f}",
                f"{a:.3f}",
                _speedup(b, a),
            ]
        )
    baseline_machine, current_machine = baseline["machine"], results["machine"]
    header = (
        f"Baseline: commit `{baseline_machine['commit']}`, measured "
        f"{baseline_machine['date']} on {baseline_machine['cpu_model']} "
        f"(kernel {baseline_machine['kernel']}) by "
        f"`{baseline.get('command', 'make bench')}`.\n\n"
    )
    hardware = ("cpu_model", "kernel")
    if any(baseline_machine[key] != current_machine[key] for key in hardware):
        header += (
            "**The baseline ran on another machine**, so these speed-ups mix "
            "the code's and the hardware's. Measure the baseline again here "
            "before reading them as the code's alone.\n\n"
        )
    return header + _table(["figure", "before", "after", "speed-up"], rows)


def render_report(results: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    """Render the whole report as Markdown."""
    http = results["http"]
    parts = [
        "# Benchmarks\n",
        "Written by `make bench` (`python -m benchmarks.run`); rerun it to "
        "reproduce every figure below. The raw figures are in "
        "`benchmarks/latest.json`. The machine is shared with other jobs, so "
        "the load average before and after the run is recorded: figures taken "
        "under load are slower than on an idle machine.\n",
        "## Machine\n",
        _machine(results),
        "## Targets\n",
        _targets(results),
        "## diagnose() in process\n",
        "Four series (loss, val_loss, accuracy, val_accuracy) of a seeded "
        "synthetic run whose validation loss is U-shaped with noise "
        "(`benchmarks/histories.py`). Median and minimum wall time of "
        "repeated calls, and the median CPU time of the process (wall time "
        "less the waits for a core that other jobs hold); peak of Python allocations during one call "
        "(tracemalloc); and `ru_maxrss` of a fresh process once the history "
        "is built and after one diagnosis. " + _allocator_note(results) + "\n",
        _diagnose(results),
        "## Each analyzer\n",
        "Median wall-clock and CPU time of each analyzer and request-path "
        "step, and the growth ratios t(100k) / t(10k). Each row is timed at "
        "both sizes back to back, in three rounds, and each figure is the "
        "median over the rounds, so a change in the machine's load shifts "
        "both sizes of a row alike. The run fails when an "
        f"analyzer's CPU ratio exceeds {MAX_GROWTH_RATIO:g}: O(n log n) gives "
        "about 12.5 without any fixed cost, O(n^2) gives 100. CPU time is "
        "checked because other jobs on this shared machine inflate wall-clock "
        "times unevenly. The `request:` and `response:` steps are shown but not "
        "checked: the last column counts the minor page faults of one run, and "
        "parsing 100,000 points maps thousands of fresh pages, because the "
        "allocator gave the previous parse's memory back to the kernel, while "
        "a parse of 10,000 points reuses memory the process still holds. "
        "Detectors run on a fresh Context whose shared "
        "quantities were computed untimed; those quantities are the "
        "`context:` rows, timed on a cold Context.\n",
        _analyzers(results),
        "## HTTP\n",
        f"`POST /v1/diagnoses` with a {http['n_points']}-epoch history under "
        f"gunicorn ({http['workers']} sync workers, the project's "
        "`gunicorn.conf.py`), against a bare Flask endpoint that parses the same "
        "JSON body and echoes it (`benchmarks/bare_app.py`) on the same settings. "
        f"Client: {http['client']}, {http['connections']} connections, "
        f"{http['seconds']:g} s per target, on the same machine. Sync workers "
        "close the connection after each response, so every request opens "
        "a new connection.\n",
        _http(results),
        f"\nThroughput ratio service / bare: **{http['ratio']:.1%}**. It varies "
        "from run to run with the other jobs on the machine, the bare endpoint's "
        "most. Ratio of the workers' CPU time per request, bare / service: "
        f"{http.get('cpu_ratio', float('nan')):.1%}. That ratio leaves out the "
        "CPU that the load generator and the kernel spend per request, a larger "
        "share of the bare endpoint's cost, so the throughput ratio can exceed "
        "it.\n",
        "## Worker memory at 100,000 points\n",
        "One `POST /v1/diagnoses` of 4 x 100,000 floats through gunicorn; the "
        "peak resident set (VmHWM) of the worker that served it.\n",
        _worker(results),
    ]
    if baseline is not None:
        parts += ["## Before and after\n", _comparison(results, baseline)]
    return "\n".join(parts)
