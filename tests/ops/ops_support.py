"""Helpers for the operations tests: HTTP calls, gunicorn workers, log lines."""

from __future__ import annotations

import json
import os
import shlex
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"

OVERFIT_HISTORY = {
    "loss": [1.0799, 0.8158, 0.6541, 0.5162, 0.3926, 0.2804, 0.1864, 0.1155, 0.0698],
    "val_loss": [
        1.0686,
        0.9982,
        0.9794,
        0.9962,
        1.0285,
        1.0956,
        1.1609,
        1.2688,
        1.3471,
    ],
}


@dataclass(frozen=True)
class HttpResponse:
    """Status, headers and body of one HTTP exchange."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_call(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> HttpResponse:
    """Send one request and return the response, error statuses included."""
    request = urllib.request.Request(
        url, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpResponse(
                response.status, dict(response.headers), response.read()
            )
    except urllib.error.HTTPError as error:
        with error:
            return HttpResponse(error.code, dict(error.headers), error.read())


def post_history(
    url: str, history: dict[str, list[float]], **headers: str
) -> HttpResponse:
    """POST a history to ``url`` + /v1/diagnoses."""
    body = json.dumps({"history": history}).encode()
    all_headers = {"Content-Type": "application/json", **headers}
    return http_call(url + "/v1/diagnoses", "POST", body, all_headers)


class Budget:
    """A shared, thread-safe count of requests that stops at a limit or a deadline."""

    def __init__(self, max_requests: int, max_seconds: float) -> None:
        self.max_requests = max_requests
        self.deadline = time.monotonic() + max_seconds
        self.started = 0
        self.finished = 0
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.started >= self.max_requests or time.monotonic() >= self.deadline:
                return False
            self.started += 1
            return True

    def done(self) -> None:
        with self.lock:
            self.finished += 1


def child_pids(parent_pid: int) -> list[int]:
    """Return the pids of the processes whose parent is ``parent_pid`` (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # The command name sits in parentheses and may contain spaces.
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[1]) == parent_pid:
            children.append(int(stat.parent.name))
    return sorted(children)


def accepted_connections(pid: int, port: int) -> set[int]:
    """Return the inodes of ``pid``'s established TCP connections on local ``port``.

    For a gunicorn sync worker these are the requests it has accepted and
    not yet finished. The listening socket is left out because its state is
    LISTEN, not ESTABLISHED. An exited process has none.
    """
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        table = Path(f"/proc/{pid}/net/tcp").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return set()

    inodes = set()
    for descriptor in descriptors:
        try:
            target = os.readlink(descriptor)
        except FileNotFoundError:
            # Closed since the listing.
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))

    accepted = set()
    # Columns of /proc/net/tcp: sl, local address (hex ip:port), remote
    # address, state (01 is ESTABLISHED), ..., inode in the tenth column.
    for line in table.splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        inode = int(fields[9])
        if fields[3] == "01" and local_port == port and inode in inodes:
            accepted.add(inode)
    return accepted


def process_exited(pid: int) -> bool:
    """Return True when ``pid`` is gone or a zombie, so it runs no more code."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    # The state letter follows the command name, which sits in parentheses.
    return text[text.rindex(")") + 2] == "Z"


def json_lines(text: str) -> list[dict[str, Any]]:
    """Parse every line of ``text`` that is a JSON object; skip the others."""
    entries = []
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        entries.append(json.loads(line))
    return entries


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """Return the Dockerfile's instructions as (keyword, arguments), continuations joined."""
    instructions = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerfile_env(path: Path = DOCKERFILE) -> dict[str, str]:
    """Return the variables the final stage's ENV instructions set."""
    environment: dict[str, str] = {}
    for keyword, arguments in dockerfile_instructions(path):
        if keyword == "FROM":
            environment = {}
        if keyword != "ENV":
            continue
        for assignment in shlex.split(arguments):
            name, _, value = assignment.partition("=")
            environment[name] = value
    return environment
