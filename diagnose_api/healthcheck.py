"""Container health check: ``python -m diagnose_api.healthcheck``.

Requests ``/healthz`` on the port of ``DIAGNOSE_BIND`` and exits 0 on a 200
response, 1 otherwise. It uses only the standard library because slim
Python images ship without curl or wget. A wildcard bind address
(``0.0.0.0``, ``::`` or empty) is probed on 127.0.0.1.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_BIND = "127.0.0.1:8000"
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})
TIMEOUT_SECONDS = 3.0


def healthz_url(bind: str) -> str:
    """Return the /healthz URL of a gunicorn ``host:port`` bind address.

    Raises
    ------
    ValueError
        If ``bind`` is a Unix socket or has no port.
    """
    if bind.startswith("unix:"):
        raise ValueError(
            f"DIAGNOSE_BIND must be host:port for the health check, got {bind!r}"
        )
    host, separator, port = bind.rpartition(":")
    if not separator or not port.isdigit():
        raise ValueError(f"DIAGNOSE_BIND must end with :PORT, got {bind!r}")
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    return f"http://{host}:{port}/healthz"


def main() -> int:
    """Probe /healthz once and return the process exit status."""
    bind = os.environ.get("DIAGNOSE_BIND", DEFAULT_BIND)
    try:
        url = healthz_url(bind)
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            healthy = response.status == 200
    except (ValueError, OSError) as error:
        print(f"health check failed: {error}", file=sys.stderr)
        return 1
    if not healthy:
        print(f"health check failed: {url} returned {response.status}", file=sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
