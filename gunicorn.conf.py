"""gunicorn settings; each can be changed by an environment variable.

DIAGNOSE_BIND (default 127.0.0.1:8000), DIAGNOSE_WORKERS (default 2),
DIAGNOSE_TIMEOUT in seconds (default 30), DIAGNOSE_GRACEFUL_TIMEOUT in
seconds (default 30), DIAGNOSE_KEEP_FREED_MEMORY (default 1; 0 leaves
glibc's malloc settings alone). Any other gunicorn option can be given in
GUNICORN_CMD_ARGS, which overrides this file.
"""

import os
from pathlib import Path

bind = os.environ.get("DIAGNOSE_BIND", "127.0.0.1:8000")
# Diagnoses are CPU-bound, so sync workers, about one per core.
workers = int(os.environ.get("DIAGNOSE_WORKERS", "2"))
worker_class = "sync"
timeout = int(os.environ.get("DIAGNOSE_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("DIAGNOSE_GRACEFUL_TIMEOUT", "30"))
# The application logs one JSON access line per request on stdout, so
# gunicorn's own access log is off; `GUNICORN_CMD_ARGS="--access-logfile -"`
# turns it back on.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("DIAGNOSE_LOG_LEVEL", "info").lower()
# Forwarded headers are trusted only from these addresses.
forwarded_allow_ips = os.environ.get("DIAGNOSE_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Each worker runs its numpy work on one core, so BLAS threads would only
# compete with the other workers. On the 2-core machine of `make bench`, a
# 100,000-point diagnosis took about 190 ms with OpenBLAS's default threads
# and 125 ms with one. This runs before the workers import numpy, and a
# value already in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

# Keep freed memory mapped between requests (diagnose_api/allocator.py): a
# 100,000-point diagnosis otherwise spends a quarter of its time on page
# faults. Set in the arbiter, so every forked worker inherits it. Importing
# the module loads Flask, not the application.
if os.environ.get("DIAGNOSE_KEEP_FREED_MEMORY", "1") != "0":
    from diagnose_api.allocator import keep_freed_memory

    keep_freed_memory()

# Worker heartbeat files on tmpfs: on a container's overlay filesystem the
# heartbeat writes can block and get healthy workers killed.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# --- Prometheus multiprocess mode (diagnose_api/ops/metrics.py) ---
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def on_starting(server):
    """Create the metrics directory and delete the previous run's value files."""
    directory = os.environ.get(METRICS_DIR_ENV)
    if not directory:
        if workers > 1:
            server.log.warning(
                "%s is not set, so /metrics reports only the worker that serves "
                "each scrape. Set it to an empty writable directory to add up "
                "all %d workers.",
                METRICS_DIR_ENV,
                workers,
            )
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    # prometheus_client names its files <type>_<pid>.db; nothing else is removed.
    for stale in path.glob("*.db"):
        stale.unlink()
    server.log.info("metrics of all workers are collected in %s", path)


def child_exit(server, worker):
    """Mark an exited worker dead so its live gauges leave the exposition."""
    if os.environ.get(METRICS_DIR_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
