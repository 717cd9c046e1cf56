"""A real server: concurrent allocation is unique, and every object survives a restart."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.server import Server

pytestmark = pytest.mark.server
SVC = "/k8s/demo/api/v1/namespaces/default/services"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "svcscope.db").start()
    yield running
    running.stop()


def _create(url: str, i: int) -> httpx.Response:
    body = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"np-{i}"},
        "spec": {"type": "NodePort", "selector": {"app": "frontend"}, "ports": [{"port": 80}]},
    }
    with httpx.Client(base_url=url, timeout=60) as http:
        return http.post(SVC, json=body)


def test_fifty_concurrent_node_port_services_get_fifty_distinct_ports(server: Server) -> None:
    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(lambda i: _create(server.url, i), range(50)))
    assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses[:3]]
    ports = [r.json()["spec"]["ports"][0]["nodePort"] for r in responses]
    ips = [r.json()["spec"]["clusterIP"] for r in responses]
    assert len(set(ports)) == 50
    assert len(set(ips)) == 50
    assert all(30000 <= p <= 32767 for p in ports)
    listed = httpx.get(f"{server.url}{SVC}").json()["items"]
    all_ports = [p["nodePort"] for s in listed for p in s["spec"]["ports"] if "nodePort" in p]
    assert len(all_ports) == len(set(all_ports))


def test_a_restart_keeps_every_object(server: Server) -> None:
    created = _create(server.url, 1).json()
    before = {
        path: httpx.get(f"{server.url}{path}").json()["items"]
        for path in ("/k8s/demo/api/v1/services", "/k8s/demo/api/v1/pods",
                     "/k8s/demo/api/v1/nodes", "/k8s/demo/apis/apps/v1/deployments")
    }  # fmt: skip
    server.kill()
    server.start()
    for path, items in before.items():
        assert httpx.get(f"{server.url}{path}").json()["items"] == items
    again = httpx.get(f"{server.url}{SVC}/np-1").json()
    assert again["spec"] == created["spec"]
    assert again["metadata"]["uid"] == created["metadata"]["uid"]
