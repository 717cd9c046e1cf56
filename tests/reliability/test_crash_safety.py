"""Crash safety: SIGKILL the server in the middle of writes, restart it, find nothing half-done.

A kill lands inside a write transaction on purpose: the test watches SQLite's write lock from
outside (a `BEGIN IMMEDIATE` that fails means the server is inside its transaction) and kills
then. After the restart every acknowledged write must be there, every big change (a cluster of
250 nodes, a Deployment scaled to 900 replicas, a 600-object import) must be wholly there or
wholly absent, allocations must match the Services, and SQLite's integrity check must pass.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server import Server

pytestmark = pytest.mark.server
SVC = "/k8s/demo/api/v1/namespaces/default/services"
DEP = "/k8s/demo/apis/apps/v1/namespaces/default/deployments"
DELAYS = (0.0, 0.03, 0.1)  # seconds into the write transaction


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "svcscope.db", log=tmp_path / "server.log").start()
    yield running
    running.stop()


def writer_inside_transaction(db: Path) -> bool:
    """True while another connection holds SQLite's write lock (the server, mid-write)."""
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    finally:
        probe.close()


def kill_mid_request(
    server: Server, send: Callable[[httpx.Client], httpx.Response], delay: float
) -> bool:
    """Send a request in a thread, SIGKILL the server `delay` s into its write, restart it.

    Returns True when the kill landed before the client got an answer.
    """
    answered: list[httpx.Response] = []

    def call() -> None:
        try:
            with httpx.Client(base_url=server.url, timeout=120) as http:
                answered.append(send(http))
        except httpx.HTTPError:
            pass

    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not answered:
        if writer_inside_transaction(server.db):
            time.sleep(delay)
            break
        time.sleep(0.002)
    server.kill()
    thread.join(timeout=30)
    server.start()
    return not answered


def check_store(db: Path) -> None:
    """SQLite is intact and every allocation matches a Service (nothing leaked or missing)."""
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        allocations = set(
            connection.execute("SELECT cluster_id, kind, value, owner_uid FROM allocation")
        )
        held: set[tuple[Any, ...]] = set()
        owners = set()
        for cluster_id, body in connection.execute(
            "SELECT cluster_id, body FROM kube_object WHERE kind = 'Service'"
        ):
            svc = json.loads(body)
            uid, spec = svc["metadata"]["uid"], svc["spec"]
            owners.add((cluster_id, uid))
            held |= {
                (cluster_id, "cluster-ip", ip, uid)
                for ip in spec.get("clusterIPs") or []
                if ip != "None"
            }
            held |= {
                (cluster_id, "node-port", str(p["nodePort"]), uid)
                for p in spec.get("ports", [])
                if p.get("nodePort")
            }
    assert held <= allocations, held - allocations
    assert {(c, owner) for c, _, _, owner in allocations} <= owners


def test_acknowledged_writes_survive_a_kill_in_the_middle_of_a_burst(server: Server) -> None:
    acknowledged: list[str] = []
    in_flight: list[str] = []
    stop = threading.Event()

    def burst(worker: int) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for i in range(10_000):
                if stop.is_set():
                    return
                name = f"b{worker}-{i}"
                body = {
                    "metadata": {"name": name},
                    "spec": {"type": "NodePort", "ports": [{"port": 80}]},
                }
                in_flight.append(name)
                try:
                    response = http.post(SVC, json=body)
                except httpx.HTTPError:
                    return
                assert response.status_code == 201, response.text
                acknowledged.append(name)

    threads = [threading.Thread(target=burst, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    while not writer_inside_transaction(server.db):
        time.sleep(0.001)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) >= 40
    server.start()
    stored = {s["metadata"]["name"] for s in httpx.get(f"{server.url}{SVC}").json()["items"]}
    assert set(acknowledged) <= stored
    assert stored - {"frontend", "web", "backend", "kubernetes"} <= set(in_flight)
    check_store(server.db)


def test_a_cluster_of_many_nodes_is_created_whole_or_not_at_all(server: Server) -> None:
    killed = 0
    for attempt, delay in enumerate(DELAYS):
        name = f"big-{attempt}"

        def create(http: httpx.Client, cluster: str = name) -> httpx.Response:
            return http.post("/api/clusters", json={"name": cluster, "nodes": 250})

        killed += kill_mid_request(server, create, delay)
        got = httpx.get(f"{server.url}/api/clusters/{name}")
        if got.status_code == 200:
            assert got.json()["counts"]["nodes"] == 250
            nodes = httpx.get(f"{server.url}/k8s/{name}/api/v1/nodes").json()["items"]
            assert len(nodes) == 250
        else:
            assert got.status_code == 404
            assert httpx.get(f"{server.url}/k8s/{name}/api/v1/nodes").status_code == 404
    print(f"{killed} of {len(DELAYS)} kills landed before the answer")
    assert killed >= 1  # at least one kill landed inside the transaction
    check_store(server.db)


def _deployment(replicas: int) -> dict[str, Any]:
    labels = {"app": "scaled"}
    return {
        "metadata": {"name": "scaled"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "x"}]},
            },
        },
    }


def test_scaling_to_hundreds_of_replicas_lands_whole_or_not_at_all(server: Server) -> None:
    assert httpx.post(f"{server.url}{DEP}", json=_deployment(1)).status_code == 201
    killed = 0
    for target, delay in zip((900, 2, 880), DELAYS, strict=True):

        def scale(http: httpx.Client, replicas: int = target) -> httpx.Response:
            current = http.get(f"{DEP}/scaled").json()
            current["spec"]["replicas"] = replicas
            current.pop("status")
            return http.put(f"{DEP}/scaled", json=current)

        before = httpx.get(f"{server.url}{DEP}/scaled").json()["spec"]["replicas"]
        killed += kill_mid_request(server, scale, delay)
        replicas = httpx.get(f"{server.url}{DEP}/scaled").json()["spec"]["replicas"]
        pods = httpx.get(f"{server.url}/k8s/demo/api/v1/pods?labelSelector=app=scaled").json()
        assert replicas in (before, target)
        assert len(pods["items"]) == replicas  # the pods are the Deployment's, all or none
    print(f"{killed} of {len(DELAYS)} kills landed before the answer")
    assert killed >= 1
    check_store(server.db)


def test_an_import_of_hundreds_of_objects_lands_whole_or_not_at_all(server: Server) -> None:
    killed = 0
    for attempt, delay in enumerate(DELAYS):
        manifest = "\n---\n".join(
            f"apiVersion: v1\nkind: Service\nmetadata: {{name: imp{attempt}-{i}}}\n"
            "spec: {type: NodePort, ports: [{port: 80}], selector: {app: frontend}}"
            for i in range(600)
        )

        def send(http: httpx.Client, text: str = manifest) -> httpx.Response:
            yaml = {"Content-Type": "application/yaml"}
            return http.post("/api/clusters/demo/manifests", content=text, headers=yaml)

        killed += kill_mid_request(server, send, delay)
        names = {s["metadata"]["name"] for s in httpx.get(f"{server.url}{SVC}").json()["items"]}
        imported = {n for n in names if n.startswith(f"imp{attempt}-")}
        assert len(imported) in (0, 600)
    print(f"{killed} of {len(DELAYS)} kills landed before the answer")
    assert killed >= 1
    check_store(server.db)
