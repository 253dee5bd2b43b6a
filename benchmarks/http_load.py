"""HTTP throughput and latency under gunicorn, and a worker's peak memory.

Servers listen on 127.0.0.1 only; every load run is bounded both in time
and in request count, and stops by itself.
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0
SERVICE_APP = "diagnose_api:create_app()"
BARE_APP = "benchmarks.bare_app:create_app()"
MB = 1e6

# Stops a wrk thread after a fixed number of responses, so that a run is
# bounded in count as well as in time.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("{body}", "rb"))
wrk.body = f:read("*a")
f:close()
local seen = 0
response = function(status, headers, body)
  seen = seen + 1
  if seen >= {max_requests} then wrk.thread:stop() end
end
"""


@dataclass(frozen=True)
class LoadResult:
    """Throughput and latency of one target under one load run.

    ``worker_cpu_ms`` is the CPU time (user and system) that the gunicorn
    workers spent per request, read from /proc: unlike the throughput, it
    does not depend on what else runs on the machine.
    """

    target: str
    client: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    n_requests: int
    n_errors: int
    worker_cpu_ms: float = float("nan")


@dataclass(frozen=True)
class WorkerMemory:
    """Resident memory of the gunicorn worker that served one large request."""

    n_points: int
    body_mb: float
    rss_before_mb: float
    peak_rss_mb: float
    latency_s: float
    status: int


class Gunicorn:
    """gunicorn with the project's config file on a free localhost port."""

    def __init__(self, app: str, workers: int, log_dir: Path) -> None:
        self.app = app
        self.workers = workers
        self.log_path = log_dir / (app.split(":")[0].replace(".", "_") + ".log")
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        environ = dict(os.environ)
        environ.update(
            {
                "DIAGNOSE_BIND": f"127.0.0.1:{self.port}",
                "DIAGNOSE_WORKERS": str(self.workers),
            }
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    str(ROOT / "gunicorn.conf.py"),
                    self.app,
                ],
                cwd=ROOT,
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited early:\n{self.log_path.read_text()}"
                )
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as reply:
                    if reply.status == 200 and len(self.worker_pids()) == self.workers:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not respond within {START_TIMEOUT} s")

    def worker_pids(self) -> list[int]:
        """Process ids of the workers: the children of the gunicorn master."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes, from /proc/PID/stat."""
    ticks = 0
    for pid in pids:
        # The command name in field 2 may hold spaces; fields after it do not.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def post(url: str, body: bytes, timeout: float = 120.0) -> tuple[int, bytes]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request(
            "POST", "/v1/diagnoses", body, {"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_wrk(
    url: str, body_path: Path, connections: int, seconds: float, max_requests: int
) -> LoadResult:
    """Load ``url`` with wrk (one thread) and parse its latency distribution."""
    script = body_path.with_suffix(".lua")
    script.write_text(WRK_SCRIPT.format(body=body_path, max_requests=max_requests))
    completed = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--latency",
            "-s",
            str(script),
            url + "/v1/diagnoses",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    return _parse_wrk(url, completed.stdout)


def _parse_wrk(url: str, output: str) -> LoadResult:
    def milliseconds(percentile: str) -> float:
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if match is None:
            raise ValueError(f"no {percentile}% latency in wrk output:\n{output}")
        scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[match.group(2)]
        return float(match.group(1)) * scale

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    count = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    n_errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        n_errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    if rate is None or count is None:
        raise ValueError(f"unexpected wrk output:\n{output}")
    return LoadResult(
        target=url,
        client="wrk",
        requests_per_second=float(rate.group(1)),
        p50_ms=milliseconds("50"),
        p99_ms=milliseconds("99"),
        n_requests=int(count.group(1)),
        n_errors=n_errors,
    )


def run_threads(
    url: str, body: bytes, connections: int, seconds: float, max_requests: int
) -> LoadResult:
    """Load ``url`` from ``connections`` Python threads with http.client."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if len(latencies) + errors[0] >= max_requests:
                    break
            start = time.perf_counter()
            try:
                connection.request(
                    "POST", "/v1/diagnoses", body, {"Content-Type": "application/json"}
                )
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            elapsed = time.perf_counter() - start
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    quantiles = (
        statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    )
    return LoadResult(
        target=url,
        client=f"python http.client, {connections} threads",
        requests_per_second=len(latencies) / wall,
        p50_ms=quantiles[49] * 1e3,
        p99_ms=quantiles[98] * 1e3,
        n_requests=len(latencies),
        n_errors=errors[0],
    )


def load_test(
    body: bytes,
    *,
    client: str,
    workers: int,
    connections: int,
    seconds: float,
    max_requests: int,
) -> dict[str, LoadResult]:
    """Load the bare endpoint, then the service, with the same body and client."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="diagnose-bench-") as tmp:
        body_path = Path(tmp) / "body.json"
        body_path.write_bytes(body)
        for name, app in (("bare", BARE_APP), ("service", SERVICE_APP)):
            with Gunicorn(app, workers, Path(tmp)) as server:
                for _ in range(2 * workers):
                    status, reply = post(server.url, body)
                    if status != 200:
                        raise RuntimeError(
                            f"{name} responded with status {status}: {reply[:500]!r}"
                        )
                pids = server.worker_pids()
                cpu_before = _cpu_seconds(pids)
                if client == "wrk":
                    result = run_wrk(
                        server.url, body_path, connections, seconds, max_requests
                    )
                else:
                    result = run_threads(
                        server.url, body, connections, seconds, max_requests
                    )
                cpu = _cpu_seconds(pids) - cpu_before
            results[name] = dataclasses.replace(
                result, worker_cpu_ms=cpu * 1e3 / max(result.n_requests, 1)
            )
    return results


def worker_memory(body: bytes, n_points: int, workers: int) -> WorkerMemory:
    """Send one large request and read the peak RSS (VmHWM) of every worker."""
    with tempfile.TemporaryDirectory(prefix="diagnose-bench-") as tmp:
        with Gunicorn(SERVICE_APP, workers, Path(tmp)) as server:
            pids = server.worker_pids()
            before = {pid: _status_kib(pid, "VmRSS") for pid in pids}
            start = time.perf_counter()
            status, _ = post(server.url, body)
            latency = time.perf_counter() - start
            peaks = {pid: _status_kib(pid, "VmHWM") for pid in pids}
    served = max(peaks, key=lambda pid: peaks[pid] - before[pid])
    return WorkerMemory(
        n_points=n_points,
        body_mb=len(body) / MB,
        rss_before_mb=before[served] * 1024 / MB,
        peak_rss_mb=peaks[served] * 1024 / MB,
        latency_s=latency,
        status=status,
    )


def default_client() -> str:
    return "wrk" if shutil.which("wrk") else "python"
