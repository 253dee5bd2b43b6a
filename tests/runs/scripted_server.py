"""A local HTTP server that replies from a script, for client tests."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

PROBLEM = "application/problem+json"


@dataclass
class Reply:
    """One scripted response; ``delay`` seconds pass before it is sent."""

    status: int
    body: Any = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def problem(status: int, title: str, detail: str, **extra: Any) -> Reply:
    body = {"type": "https://example.test/p", "title": title, "status": status}
    return Reply(status, {**body, "detail": detail, **extra}, PROBLEM)


class ScriptedServer(ThreadingHTTPServer):
    """An HTTP server that sends the next reply of its script, repeating the last."""

    def __init__(self, script: list[Reply]) -> None:
        super().__init__(("127.0.0.1", 0), ScriptedHandler)
        self.script = list(script)
        self.received: list[Received] = []
        self.lock = threading.Lock()

    def next_reply(self, received: Received) -> Reply:
        with self.lock:
            self.received.append(received)
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]


class ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def do_DELETE(self) -> None:
        self.answer()

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = Received(
            method=self.command,
            path=self.path,
            headers=dict(self.headers.items()),
            body=self.rfile.read(length),
        )
        reply = self.server.next_reply(received)
        time.sleep(reply.delay)
        payload = (
            reply.body
            if isinstance(reply.body, bytes)
            else json.dumps(reply.body).encode()
        )
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up waiting (a timeout test).
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass
