"""Issue 13's attacks on the HTTP surface, re-run on real servers: each is answered within a
second with a 4xx and grows the server by less than 10 MB."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.security.headers import CSP
from tests.reliability.attack import AUTH, TEN_MB, TOKEN, WALL_SLACK, measured, settle
from tests.server import Server

pytestmark = pytest.mark.server
SVC = "/k8s/demo/api/v1/namespaces/default/services"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A seeded server with a write token, a low object cap and the default limits."""
    directory = tmp_path_factory.mktemp("guarded")
    env = {"SVCSCOPE_WRITE_TOKEN": TOKEN, "SVCSCOPE_MAX_OBJECTS": "400"}
    running = Server(directory / "db.sqlite", env=env, log=directory / "server.log").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A seeded server without a token (anyone may write), allowing one extra host name."""
    directory = tmp_path_factory.mktemp("open")
    running = Server(
        directory / "db.sqlite",
        env={"SVCSCOPE_MAX_CLUSTERS": "4"},
        log=directory / "server.log",
        args=["--allowed-host", "svcscope.lab.example"],
    ).start()
    yield running
    running.stop()


def test_pools_that_once_broke_load_balancers_are_refused_on_create_and_patch(
    guarded: Server,
) -> None:
    with httpx.Client(base_url=guarded.url, headers=AUTH, timeout=30) as client:
        settle(guarded, lambda: client.patch("/api/clusters/demo", json={"loadBalancerPool": "x"}))
        with measured(guarded) as cost:
            answers = [
                client.post("/api/clusters", json={"name": "lab", "loadBalancerPool": pool})
                for pool in ("garbage", "", "10.0.0.0/33", "::/0", "10.0.0.0/8")
            ] + [client.patch("/api/clusters/demo", json={"loadBalancerPool": "::/0"})]
        assert [a.status_code for a in answers] == [422] * 6
        assert all(a.json()["details"]["causes"][0]["field"] == "loadBalancerPool" for a in answers)
        assert cost.quick() and cost.grown_mb < TEN_MB
        # The largest pool allowed hands out an address at once.
        widest = client.patch("/api/clusters/demo", json={"loadBalancerPool": "10.0.0.0/16"})
        assert widest.status_code == 200, widest.text
        with measured(guarded) as cost:
            body = {"metadata": {"name": "wide"}, "spec": {"type": "LoadBalancer",
                                                           "ports": [{"port": 80}]}}  # fmt: skip
            created = client.post(SVC, json=body)
        assert created.status_code == 201, created.text
        assert created.json()["status"]["loadBalancer"]["ingress"][0]["ip"] == "10.0.0.1"
        assert cost.quick() and cost.grown_mb < TEN_MB


def _status_of(port: int, head: bytes, chunk: bytes, total: int) -> tuple[int, int, float]:
    """Send `head`, then push `chunk` until `total` bytes or an answer; (status, sent, s)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        started = time.monotonic()
        sock.sendall(head)
        sock.setblocking(False)
        sent, answer = 0, b""
        while time.monotonic() - started < 10 and b"\r\n" not in answer:
            readable, writable, _ = select.select([sock], [sock], [], 0.5)
            if readable:
                answer += sock.recv(4096)
            elif writable and sent < total:
                try:
                    sent += sock.send(chunk)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    continue
        elapsed = time.monotonic() - started
    return int(answer.split(b" ")[1]), sent, elapsed


def _framed(data: bytes, declared: bool) -> bytes:
    return data if declared else f"{len(data):x}\r\n".encode() + data + b"\r\n"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_anonymous_200_mb_form_is_refused_before_it_is_read(
    guarded: Server, declared: bool
) -> None:
    total = 200 * 1024 * 1024
    boundary = "svcscopeattack"
    framing = f"Content-Length: {total}" if declared else "Transfer-Encoding: chunked"
    preamble = f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
    head = (
        f"POST /clusters/demo/services HTTP/1.1\r\nHost: 127.0.0.1:{guarded.port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Cookie: svcscope_csrf={'a' * 43}\r\n{framing}\r\n\r\n"
    ).encode() + _framed(preamble.encode(), declared)
    chunk = _framed(b"x" * 65536, declared)
    settle(guarded, lambda: httpx.get(guarded.url + "/", timeout=30))
    with measured(guarded) as cost:
        status, sent, elapsed = _status_of(guarded.port, head, chunk, total)
    # Declared: 413 before anything runs; chunked: no credentials, so 401 before the body.
    assert status == (413 if declared else 401)
    assert elapsed < WALL_SLACK and cost.quick() and cost.grown_mb < TEN_MB
    assert sent < total


def _raw_headers(port: int, head: str) -> dict[str, str]:
    """Send a request head only; the answer's status (":status") and headers, lower-cased."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head.encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            piece = sock.recv(4096)
            if not piece:
                break
            answer += piece
    lines = answer.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    found = {":status": lines[0].split(" ")[1]}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        found[name.strip().lower()] = value.strip()
    return found


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_rebound_host_name_is_refused_before_routing(open_server: Server, method: str) -> None:
    evil = {"Host": "attacker.example", "Origin": "http://attacker.example"}
    path = "/api/clusters" if method == "POST" else "/clusters/bare-metal"
    with httpx.Client(base_url=open_server.url, timeout=30) as client:
        settle(open_server, lambda: client.get("/api/clusters"))
        with measured(open_server) as cost:
            refused = client.request(method, path, json={"name": "rebound"}, headers=evil)
        assert refused.status_code == 400, refused.text
        assert refused.json()["reason"] == "BadRequest" and "--allowed-host" in refused.text
        assert cost.quick() and cost.grown_mb < TEN_MB
        names = [c["name"] for c in client.get("/api/clusters").json()["items"]]
        assert "rebound" not in names and "bare-metal" in names
        # Loopback names, the --host address and --allowed-host names are answered.
        for host in ("localhost", f"127.0.0.1:{open_server.port}", "svcscope.lab.example"):
            assert client.get("/api/clusters", headers={"Host": host}).status_code == 200


def test_every_answer_carries_the_security_headers(open_server: Server) -> None:
    with httpx.Client(base_url=open_server.url, timeout=30) as client:
        answers = [
            client.get("/"),
            client.get("/api/clusters"),
            client.get("/static/js/theme.js"),
            client.get("/no/such/page"),
            client.get("/", headers={"Host": "attacker.example"}),
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 404, 400]
    too_large = _raw_headers(
        open_server.port,
        f"POST /api/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {10**9}\r\n\r\n",
    )
    assert too_large[":status"] == "413"
    for headers in [*(a.headers for a in answers), too_large]:
        assert headers["content-security-policy"] == CSP
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self';" in CSP and "frame-ancestors 'none'" in CSP
    assert "unsafe-eval" not in CSP and "script-src 'self' 'unsafe-inline'" not in CSP


def test_password_guessing_at_login_is_slowed_to_a_trickle(guarded: Server) -> None:
    with httpx.Client(base_url=guarded.url, timeout=30) as client:
        page = client.get("/login")
        csrf = page.cookies["svcscope_csrf"]
        settle(guarded, lambda: None)
        with measured(guarded) as cost:
            answers = [
                client.post("/login", data={"token": f"guess-{n}", "csrf_token": csrf},
                            headers={"X-Forwarded-For": f"10.1.{n // 250}.{n % 250}"})
                for n in range(300)
            ]  # fmt: skip
        codes = [a.status_code for a in answers]
    assert codes.count(403) <= 6 and codes.count(429) >= 294  # the burst, then 429s
    limited = next(a for a in answers if a.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["reason"] == "TooManyRequests"
    assert cost.quick(requests=5) and cost.grown_mb < TEN_MB  # 300 tiny answers


def test_one_client_cannot_fill_the_server_with_clusters(open_server: Server) -> None:
    with httpx.Client(base_url=open_server.url, timeout=30) as client:
        codes = [
            client.post("/api/clusters", json={"name": f"spam-{n}", "nodes": 1}).status_code
            for n in range(6)
        ]
        with measured(open_server) as cost:
            refused = client.post("/api/clusters", json={"name": "one-more", "nodes": 1})
    assert codes.count(201) == 2 and codes[2:] == [403] * 4  # two demo clusters + two = 4
    assert refused.status_code == 403 and "exceeded quota" in refused.json()["message"]
    assert "SVCSCOPE_MAX_CLUSTERS" in refused.json()["message"]
    assert cost.quick() and cost.grown_mb < TEN_MB


def test_one_client_cannot_fill_the_server_with_objects(guarded: Server) -> None:
    with httpx.Client(base_url=guarded.url, headers=AUTH, timeout=30) as client:
        codes = []
        for n in range(400):
            body = {"metadata": {"name": f"spam-{n}"}, "spec": {"ports": [{"port": 80}]}}
            codes.append(client.post(SVC, json=body).status_code)
            if codes[-1] != 201:
                break
        refused = client.post(SVC, json={"metadata": {"name": "last"},
                                         "spec": {"ports": [{"port": 80}]}})  # fmt: skip
    assert codes[-1] == 403 and refused.status_code == 403
    assert "SVCSCOPE_MAX_OBJECTS" in refused.json()["message"]


YAML_ATTACKS = {
    "flow-list": "[" + ",".join(str(n) for n in range(60_000)) + "]",
    "map": "\n".join(f"key{n}: value{n}" for n in range(90_000)),
}


@pytest.mark.parametrize("name", sorted(YAML_ATTACKS))
def test_long_yaml_documents_are_refused_within_a_second(guarded: Server, name: str) -> None:
    document = YAML_ATTACKS[name].encode()
    assert len(document) > 300_000
    url = "/api/clusters/demo/manifests"
    headers = {**AUTH, "Content-Type": "application/yaml"}
    with httpx.Client(base_url=guarded.url, headers=headers, timeout=30) as client:
        settle(guarded, lambda: client.post(url, content=b"[1, 2]"))
        with measured(guarded) as cost:
            refused = client.post(url, content=document)
            as_body = client.post(SVC, content=document)
    assert 400 <= refused.status_code < 500 and 400 <= as_body.status_code < 500
    assert "more than 50000 YAML nodes" in as_body.json()["message"]
    assert cost.quick(requests=2) and cost.grown_mb < TEN_MB


def test_the_allowed_hosts_are_validated_settings(tmp_path: Path) -> None:
    bad = Server(tmp_path / "db.sqlite", args=["--allowed-host", "http://x/"])
    try:
        with pytest.raises(RuntimeError, match="not a host name"):
            bad.start()
    finally:
        bad.kill()  # closes the pipe that carried its error
