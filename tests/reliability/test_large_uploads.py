"""A 100 MB upload gets 413 within a second, long before the client could send it all.

Raw sockets against a real server: the client keeps pushing the body (declared with a
Content-Length, or chunked with none) and stops as soon as an answer arrives. The server must
answer without waiting for the body and must not have read more than its limit plus buffers.
"""

from __future__ import annotations

import json
import os
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server import Server

pytestmark = pytest.mark.server
HUNDRED_MB = 100 * 1024 * 1024
CHUNK = b'{"metadata":{"name":"huge"},"spec":{"ports":[{"port":80}]},"x":"' + b"x" * 65_000
SVC = "/k8s/demo/api/v1/namespaces/default/services"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("uploads")
    running = Server(directory / "svcscope.db", log=directory / "server.log").start()
    yield running
    running.stop()


def server_cpu(server: Server) -> float:
    """CPU seconds the server process has used (user + system), from /proc."""
    assert server.process is not None
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def upload(
    port: int, path: str, *, chunked: bool, headers: str = ""
) -> tuple[int, dict[str, object], int, float]:
    """Push up to 100 MB; return (status, body, bytes sent, seconds until the answer)."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {HUNDRED_MB}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"{headers}{framing}\r\n\r\n"
    ).encode()
    frame = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n" if chunked else CHUNK
    with socket.create_connection(("127.0.0.1", port)) as sock:
        started = time.monotonic()
        sock.sendall(head)
        sock.setblocking(False)
        pending, sent, answer = b"", 0, b""
        while time.monotonic() - started < 10:
            readable, writable, _ = select.select([sock], [sock], [], 0.5)
            if readable:
                answer = _read_answer(sock)
                break
            if writable and sent < HUNDRED_MB:
                pending = pending or frame
                try:
                    count = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError):
                    continue
                sent += count
                pending = pending[count:]
        elapsed = time.monotonic() - started
    status_line, _, rest = answer.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(body or b"{}"), sent, elapsed


def _read_answer(sock: socket.socket) -> bytes:
    sock.setblocking(True)
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        try:
            piece = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            break
        if not piece:
            break
        data += piece
    return data


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_100_mb_upload_is_refused_fast_without_being_read(server: Server, chunked: bool) -> None:
    cpu = server_cpu(server)
    status, body, sent, elapsed = upload(server.port, SVC, chunked=chunked)
    cpu = server_cpu(server) - cpu
    assert status == 413, body
    assert body["kind"] == "Status" and body["reason"] == "RequestEntityTooLarge"
    # Idle, the answer comes in 10-20 ms; the server's own CPU time is the load-proof measure.
    assert cpu < 1.0 and elapsed < 5.0
    assert sent < 20 * 1024 * 1024  # the limit (3 MB) plus socket buffers, never 100 MB
    assert httpx.get(f"{server.url}{SVC}/huge").status_code == 404


def test_an_upload_to_the_manifest_import_is_refused_the_same_way(server: Server) -> None:
    status, body, sent, elapsed = upload(server.port, "/api/clusters/demo/manifests", chunked=True)
    assert status == 413 and elapsed < 5.0 and sent < 20 * 1024 * 1024, body


def test_without_credentials_an_upload_is_refused_before_its_body(tmp_path: Path) -> None:
    guarded = Server(tmp_path / "db.sqlite", env={"SVCSCOPE_WRITE_TOKEN": "t0ken"}).start()
    try:
        # Chunked: no declared length for the body limit to refuse at once, so the missing
        # credentials are what answers, before a byte of the body is read.
        status, body, sent, elapsed = upload(guarded.port, SVC, chunked=True)
    finally:
        guarded.stop()
    assert status == 401 and body["reason"] == "Unauthorized"
    assert elapsed < 5.0 and sent < 20 * 1024 * 1024
