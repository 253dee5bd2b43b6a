"""A real gunicorn process on a free localhost port, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def start_server(
    tmp_dir: Path, env: Mapping[str, str] | None = None, workers: int = 2
) -> Server:
    """Start gunicorn with the project's config file and wait until /healthz returns 200."""
    port = free_port()
    environ = dict(os.environ)
    environ.update(
        {
            "DIAGNOSE_BIND": f"127.0.0.1:{port}",
            "DIAGNOSE_WORKERS": str(workers),
            "DIAGNOSE_SQLITE_PATH": str(tmp_dir / "runs.sqlite3"),
        }
    )
    environ.update(env or {})
    log_path = tmp_dir / "gunicorn.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "diagnose_api:create_app()",
        ],
        cwd=ROOT,
        env=environ,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    log_file.close()
    server = Server(process=process, url=f"http://127.0.0.1:{port}", log_path=log_path)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT} s:\n{server.log()}")
