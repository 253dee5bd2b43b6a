"""The container: Dockerfile lint, its facts, and the command line the image runs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from ops_support import DOCKERFILE
from ops_support import ROOT
from ops_support import dockerfile_env
from ops_support import dockerfile_instructions
from ops_support import http_call
from server import free_port

from diagnose_api.healthcheck import healthz_url

BIN = Path(sys.executable).parent
START_TIMEOUT = 30.0


def test_hadolint_clean() -> None:
    completed = subprocess.run(
        [str(BIN / "hadolint"), "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.stdout == ""
    assert completed.returncode == 0


def test_base_image_pinned_by_exact_tag() -> None:
    bases = [
        args.split()[0]
        for keyword, args in dockerfile_instructions()
        if keyword == "FROM"
    ]
    assert len(bases) == 2
    assert bases[0] == bases[1]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", bases[0])


def test_final_stage_facts() -> None:
    instructions = dockerfile_instructions()
    final = instructions[
        max(i for i, (k, _) in enumerate(instructions) if k == "FROM") :
    ]
    keywords = {keyword: args for keyword, args in final}
    assert keywords["USER"] == "10001:10001"
    assert keywords["EXPOSE"] == "8000"
    assert keywords["VOLUME"] == '["/var/lib/diagnose-api"]'
    assert keywords["CMD"] == '["/app/docker-entrypoint.sh"]'
    assert "diagnose_api.healthcheck" in keywords["HEALTHCHECK"]


def test_image_environment() -> None:
    environment = dockerfile_env()
    assert environment["DIAGNOSE_BIND"] == "0.0.0.0:8000"
    assert environment["DIAGNOSE_SQLITE_PATH"].startswith("/var/lib/diagnose-api/")
    assert environment["PROMETHEUS_MULTIPROC_DIR"]


def test_dockerignore_allows_only_listed_files() -> None:
    rules = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert rules[0] == "*"
    assert "!diagnose_api/" in rules
    assert not any(rule.startswith("!tests") for rule in rules)


def requirement_name(line: str) -> str:
    name = re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def test_lock_pins_image_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = [
        line
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    pinned = {requirement_name(line) for line in lines}
    assert all(
        re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", line) for line in lines
    )
    required = project["dependencies"] + project["optional-dependencies"]["postgres"]
    missing = {requirement_name(d) for d in required} - pinned
    assert not missing, f"requirements.lock lacks {sorted(missing)}; run `make lock`"


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("0.0.0.0:8000", "http://127.0.0.1:8000/healthz"),
        ("[::]:8000", "http://127.0.0.1:8000/healthz"),
        (":8000", "http://127.0.0.1:8000/healthz"),
        ("10.1.2.3:9000", "http://10.1.2.3:9000/healthz"),
    ],
)
def test_healthcheck_url_from_bind(bind: str, url: str) -> None:
    assert healthz_url(bind) == url


@pytest.mark.parametrize(
    ("bind", "message"),
    [("unix:/run/app.sock", "must be host:port"), ("localhost", "must end with :PORT")],
)
def test_healthcheck_rejects_unusable_bind(bind: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        healthz_url(bind)


def run_healthcheck(bind: str) -> int:
    completed = subprocess.run(
        [sys.executable, "-m", "diagnose_api.healthcheck"],
        env={**os.environ, "DIAGNOSE_BIND": bind},
        capture_output=True,
        check=False,
    )
    return completed.returncode


def test_healthcheck_fails_without_server() -> None:
    assert run_healthcheck(f"0.0.0.0:{free_port()}") == 1


def wait_for_healthz(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the entrypoint exited early:\n{log.read_text()}")
        try:
            if http_call(url + "/healthz", timeout=1).status == 200:
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"no answer on {url} within {START_TIMEOUT} s:\n{log.read_text()}")


def test_entrypoint_starts_service(tmp_path: Path) -> None:
    port = free_port()
    # The image's environment, except what only makes sense inside it.
    environment = {
        **os.environ,
        **dockerfile_env(),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DIAGNOSE_BIND": f"127.0.0.1:{port}",
        "DIAGNOSE_SQLITE_PATH": str(tmp_path / "data" / "runs.sqlite3"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "DIAGNOSE_WORKERS": "1",
    }
    log = tmp_path / "entrypoint.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(ROOT / "docker-entrypoint.sh")],
            cwd=tmp_path,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_healthz(url, process, log)
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes()
        # exec replaced the shell: the entrypoint's pid now runs gunicorn.
        assert b"gunicorn" in command_line
        assert b"diagnose_api:create_app()" in command_line
        assert http_call(url + "/readyz").status == 200
        assert run_healthcheck(f"127.0.0.1:{port}") == 0
    finally:
        process.send_signal(signal.SIGTERM)
        exit_status = process.wait(timeout=30)
    assert exit_status == 0
