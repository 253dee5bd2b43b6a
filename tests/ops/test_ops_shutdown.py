"""Graceful shutdown: SIGTERM lets the request in flight finish, then exits 0."""

from __future__ import annotations

import json
import signal
import socket
from pathlib import Path

import numpy as np
from server import start_server

N_EPOCHS = 200_000


def large_request_bytes(port: int) -> bytes:
    """An HTTP request whose history takes the worker a second or more to diagnose."""
    rng = np.random.default_rng(7)
    t = np.arange(N_EPOCHS)
    loss = 1.0 / (1.0 + t / 20_000) + rng.normal(0.0, 0.01, N_EPOCHS)
    val_loss = loss + (t / N_EPOCHS) ** 2 + rng.normal(0.0, 0.02, N_EPOCHS)
    history = {
        "loss": loss,
        "val_loss": val_loss,
        "accuracy": 1.0 - loss / 2.0,
        "val_accuracy": 1.0 - val_loss / 2.0,
    }
    body = json.dumps(
        {
            "history": {
                name: values.round(6).tolist() for name, values in history.items()
            }
        }
    ).encode()
    head = (
        f"POST /v1/diagnoses HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    return head + body


def socket_buffer_bytes() -> int:
    """Bytes the kernel can buffer on a connection whose receiver has not read yet.

    That is the receiver's initial buffer (Linux grows it only as the
    application reads) plus the sender's largest buffer.
    """
    read_initial = int(Path("/proc/sys/net/ipv4/tcp_rmem").read_text().split()[1])
    write_max = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    return read_initial + write_max


def receive_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_sigterm_finishes_request_in_flight(tmp_path: Path) -> None:
    server = start_server(tmp_path, workers=1)
    port = int(server.url.rsplit(":", 1)[1])
    request = large_request_bytes(port)
    # The body is larger than what the kernel buffers for a connection that
    # the server has not read from yet, so sendall() returns only after the
    # worker has accepted the connection and read most of the body.
    assert len(request) > socket_buffer_bytes()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(request)
        connection.setblocking(False)
        try:
            early = connection.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            early = b""
        connection.setblocking(True)
        server.process.send_signal(signal.SIGTERM)
        response = receive_all(connection)
    exit_status = server.process.wait(timeout=60)

    head, _, body = response.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":", 1)[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
    )
    assert early == b"", (
        "the response was complete before SIGTERM; the test proved nothing"
    )
    assert head.startswith(b"HTTP/1.1 200")
    assert len(body) == length
    assert json.loads(body)["n_epochs"] == N_EPOCHS
    assert exit_status == 0
