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
    worst = max(results["analyzers"], key=lambda row: row["growth_ratio"])
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
            "diagnose() growth t(100k) / t(10k)",
            f"<= {MAX_GROWTH_RATIO:g}",
            f"{growth:.2f}",
            _met(growth <= MAX_GROWTH_RATIO),
        ],
        [
            "worst analyzer growth t(100k) / t(10k)",
            f"<= {MAX_GROWTH_RATIO:g}",
            f"{worst['growth_ratio']:.2f} ({worst['name']})",
            _met(worst["growth_ratio"] <= MAX_GROWTH_RATIO),
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


def _diagnose(results: dict[str, Any]) -> str:
    rows = [
        [
            f"{row['n_points']:,}",
            f"{row['median_ms']:.2f}",
            f"{row['min_ms']:.2f}",
            f"{row['cpu_median_ms']:.2f}",
            str(row["n_repeats"]),
            f"{row['traced_peak_mb']:.1f}",
            f"{row['process_ready_mb']:.1f}",
            f"{row['process_peak_mb']:.1f}",
        ]
        for row in results["diagnose"]
    ]
    return _table(
        [
            "points per series",
            "median ms",
            "min ms",
            "CPU median ms",
            "runs",
            "tracemalloc peak MB",
            "process RSS before MB",
            "process peak RSS MB",
        ],
        rows,
    )


def _analyzers(results: dict[str, Any]) -> str:
    small, large = (str(n) for n in results["analyzer_sizes"])
    rows = []
    for row in results["analyzers"]:
        ratio = row["growth_ratio"]
        shown = f"{ratio:.2f}" if ratio <= MAX_GROWTH_RATIO else f"**{ratio:.2f}**"
        rows.append(
            [
                row["name"],
                f"{row['median_ms'][small]:.3f}",
                f"{row['median_ms'][large]:.3f}",
                shown,
            ]
        )
    return _table(
        ["analyzer or step", f"ms at {int(small):,}", f"ms at {int(large):,}", "ratio"],
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
        ]
        for name, key in (
            ("bare Flask endpoint (parse and echo)", "bare"),
            ("POST /v1/diagnoses", "service"),
        )
    ]
    return _table(
        ["target", "requests/s", "p50 ms", "p99 ms", "requests", "errors"], rows
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


def _comparison(results: dict[str, Any], baseline: dict[str, Any]) -> str:
    before = _diagnose_by_size(baseline)
    after = _diagnose_by_size(results)
    rows = []
    for n_points in sorted(after):
        if n_points in before:
            b, a = before[n_points]["median_ms"], after[n_points]["median_ms"]
            rows.append(
                [
                    f"diagnose() median ms, {n_points:,} points",
                    f"{b:.2f}",
                    f"{a:.2f}",
                    f"{b / a:.1f}x",
                ]
            )
    for label, key in (("service requests/s", "service"), ("bare requests/s", "bare")):
        b = baseline["http"][key]["requests_per_second"]
        a = results["http"][key]["requests_per_second"]
        rows.append([label, f"{b:.0f}", f"{a:.0f}", f"{a / b:.1f}x"])
    rows.append(
        [
            "HTTP ratio to bare",
            f"{baseline['http']['ratio']:.1%}",
            f"{results['http']['ratio']:.1%}",
            "",
        ]
    )
    b = baseline["worker_memory"]["peak_rss_mb"]
    a = results["worker_memory"]["peak_rss_mb"]
    rows.append(["worker peak RSS MB, 100,000 points", f"{b:.1f}", f"{a:.1f}", ""])
    b = baseline["worker_memory"]["latency_s"]
    a = results["worker_memory"]["latency_s"]
    rows.append(
        ["one HTTP request, 100,000 points, s", f"{b:.2f}", f"{a:.2f}", f"{b / a:.1f}x"]
    )

    large = str(results["analyzer_sizes"][1])
    earlier = {row["name"]: row for row in baseline["analyzers"]}
    for row in results["analyzers"]:
        old = earlier.get(row["name"])
        if old is None:
            continue
        b, a = old["median_ms"][large], row["median_ms"][large]
        rows.append(
            [
                f"{row['name']} at {int(large):,}, ms (ratio {old['growth_ratio']:.1f} -> {row['growth_ratio']:.1f})",
                f"{b:.3f}",
                f"{a:.3f}",
                f"{b / a:.1f}x" if a > 0 else "",
            ]
        )
    header = (
        f"Baseline: commit `{baseline['machine']['commit']}`, "
        f"{baseline['machine']['date']}, same command and machine kind.\n\n"
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
        "is built and after one diagnosis.\n",
        _diagnose(results),
        "## Each analyzer\n",
        "Median time of each analyzer and request-path step, and the growth "
        f"ratio t(100k) / t(10k); the run fails when a ratio exceeds "
        f"{MAX_GROWTH_RATIO:g} (O(n log n) gives about 12.5 without any fixed "
        "cost, O(n^2) gives 100). Detectors run on a fresh Context whose shared "
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
        f"\nThroughput ratio service / bare: **{http['ratio']:.1%}**.\n",
        "## Worker memory at 100,000 points\n",
        "One `POST /v1/diagnoses` of 4 x 100,000 floats through gunicorn; the "
        "peak resident set (VmHWM) of the worker that served it.\n",
        _worker(results),
    ]
    if baseline is not None:
        parts += ["## Before and after\n", _comparison(results, baseline)]
    return "\n".join(parts)
