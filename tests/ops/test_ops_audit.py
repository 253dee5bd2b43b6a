"""The dependency audit fails on a known vulnerability and only warns on an outage.

pip-audit runs for real against a small OSV-compatible server on 127.0.0.1
(``--vulnerability-service osv --osv-url``), which plays the advisory
service: it reports a vulnerability, returns 503, or reports nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from ops_support import ROOT
from server import free_port

SCRIPT = ROOT / "scripts" / "audit_dependencies.py"
VULNERABLE_PACKAGE = "werkzeug"
ADVISORY = {
    "id": "GHSA-test-0000-0000",
    "aliases": ["CVE-2099-0001"],
    "summary": "Test advisory",
    "affected": [
        {
            "package": {"name": VULNERABLE_PACKAGE, "ecosystem": "PyPI"},
            "ranges": [
                {
                    "type": "ECOSYSTEM",
                    "events": [{"introduced": "0"}, {"fixed": "99.0"}],
                }
            ],
        }
    ],
}


class AdvisoryHandler(BaseHTTPRequestHandler):
    """Respond to OSV ``/v1/query`` requests as the server's ``mode`` selects."""

    def do_POST(self) -> None:
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        mode = self.server.mode  # type: ignore[attr-defined]
        if mode == "outage":
            self.send_response(503)
            self.end_headers()
            return
        vulnerable = (
            mode == "vulnerable" and query["package"]["name"] == VULNERABLE_PACKAGE
        )
        body = json.dumps({"vulns": [ADVISORY]} if vulnerable else {}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture()
def advisory_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), AdvisoryHandler)
    server.mode = "clean"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_audit(
    osv_url: str, *options: str, lock: Path | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), *options]
    if lock is not None:
        command.append(str(lock))
    command += ["--", "--vulnerability-service", "osv", "--osv-url", osv_url]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False
    )


def query_url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1/query"


def test_known_vulnerability_fails(advisory_server: ThreadingHTTPServer) -> None:
    advisory_server.mode = "vulnerable"  # type: ignore[attr-defined]
    completed = run_audit(query_url(advisory_server))
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert (
        "VULNERABLE Werkzeug==" in completed.stdout
        or "VULNERABLE werkzeug==" in completed.stdout
    )
    assert "GHSA-test-0000-0000" in completed.stdout
    assert "fixed in 99.0" in completed.stdout


def test_no_vulnerability_passes(advisory_server: ThreadingHTTPServer) -> None:
    completed = run_audit(query_url(advisory_server))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "no known vulnerabilities in" in completed.stdout


@pytest.mark.parametrize(("options", "status"), [((), 0), (("--strict",), 2)])
def test_service_error_only_warns(
    advisory_server: ThreadingHTTPServer, options: tuple[str, ...], status: int
) -> None:
    advisory_server.mode = "outage"  # type: ignore[attr-defined]
    completed = run_audit(query_url(advisory_server), *options)
    assert completed.returncode == status, completed.stdout + completed.stderr
    assert "audit inconclusive" in completed.stdout


def test_unreachable_service_only_warns() -> None:
    completed = run_audit(f"http://127.0.0.1:{free_port()}/v1/query")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "audit inconclusive" in completed.stdout


def test_unpinned_lock_line_fails(
    advisory_server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("flask>=3.0\n")
    completed = run_audit(query_url(advisory_server), lock=lock)
    assert completed.returncode == 1
    assert "audit inconclusive" not in completed.stdout
