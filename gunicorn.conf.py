"""gunicorn settings; each can be changed by an environment variable.

DIAGNOSE_BIND (default 127.0.0.1:8000), DIAGNOSE_WORKERS (default 2),
DIAGNOSE_TIMEOUT in seconds (default 30), DIAGNOSE_GRACEFUL_TIMEOUT in
seconds (default 30).
"""

import os

bind = os.environ.get("DIAGNOSE_BIND", "127.0.0.1:8000")
# Diagnoses are CPU-bound, so sync workers, about one per core.
workers = int(os.environ.get("DIAGNOSE_WORKERS", "2"))
worker_class = "sync"
timeout = int(os.environ.get("DIAGNOSE_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("DIAGNOSE_GRACEFUL_TIMEOUT", "30"))
accesslog = "-"
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
