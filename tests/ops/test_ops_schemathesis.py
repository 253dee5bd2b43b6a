"""Schemathesis against openapi.yaml on a real gunicorn: no 5xx, every response documented.

Generated and mutated requests go to every operation, at most MAX_EXAMPLES
per operation and phase, with a fixed seed so that CI replays the same
cases. The checks are the ones the spec can decide: no server error, and a
documented status code, content type, headers and body schema. Checks that
assume the schema captures every validation rule (positive data accepted,
negative data rejected) are left out, because a history's cross-field rules
(equal lengths, at least 3 epochs, a loss series) are not in JSON Schema.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_support import ROOT
from server import Server
from server import start_server

MAX_EXAMPLES = 30
SEED = 20240
RUN_TIMEOUT = 300
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("schemathesis"), workers=2)
    yield running
    running.stop()


def test_schemathesis_finds_no_failure(server: Server, tmp_path: Path) -> None:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        str(ROOT / "openapi.yaml"),
        "--url",
        server.url,
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--no-color",
    ]
    completed = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Tested: " in output
