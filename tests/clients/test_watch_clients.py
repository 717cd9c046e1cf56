"""Watches followed live by real clients: kubectl get -w, kubectl rollout status, the Python client.

Each client runs against a real server while this test writes through the API; output is read
as it arrives, with a bounded wait for the expected line (never a fixed sleep).
"""

from __future__ import annotations

import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch

from tests.clients.test_kubectl import Kubectl
from tests.server import Server

pytestmark = pytest.mark.server
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl")
CORE = "/k8s/demo/api/v1"
WAIT = 15.0


class Lines:
    """A stream read line by line on a thread, so a test can wait for a line with a deadline."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.stream = stream
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.stream:
            self.lines.put(line.rstrip("\n"))

    def close(self) -> None:
        """After the process ended: the reader has met end-of-file."""
        self.thread.join(timeout=10)
        self.stream.close()

    def wait_for(self, wanted: Callable[[str], bool], timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if wanted(line):
                return line
        raise AssertionError(f"no such line within {timeout} s; saw {self.seen}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "svcscope.db").start()
    yield running
    running.stop()


def _service(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"type": "NodePort", "selector": {"app": name}, "ports": [{"port": 80}]},
    }


@needs_kubectl
def test_kubectl_get_svc_w_prints_a_service_created_through_the_api(
    server: Server, tmp_path: Path
) -> None:
    kubectl = Kubectl(server, tmp_path / "kube")
    process = subprocess.Popen(
        ["kubectl", "get", "svc", "-w"], env=kubectl.env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    out = Lines(process.stdout)
    try:
        out.wait_for(lambda line: line.startswith("kubernetes "))
        httpx.post(f"{server.url}{CORE}/namespaces/default/services", json=_service("shop"))
        row = out.wait_for(lambda line: line.startswith("shop "))
        assert row.split()[1] == "NodePort"
        assert row.split()[4].startswith("80:3")
        httpx.delete(f"{server.url}{CORE}/namespaces/default/services/shop")
        out.wait_for(lambda line: line.startswith("shop "))  # DELETED prints the row again
    finally:
        process.terminate()
        process.wait(timeout=10)
        out.close()
        if process.stderr:
            process.stderr.close()


def _set_nodes_ready(server: Server, ready: bool) -> None:
    for node in httpx.get(f"{server.url}{CORE}/nodes").json()["items"]:
        for condition in node["status"]["conditions"]:
            if condition["type"] == "Ready":
                condition["status"] = "True" if ready else "False"
        name = node["metadata"]["name"]
        response = httpx.put(f"{server.url}{CORE}/nodes/{name}/status", json=node)
        assert response.status_code == 200, response.text


@needs_kubectl
def test_kubectl_rollout_status_waits_for_a_scaled_deployment_to_become_available(
    server: Server, tmp_path: Path
) -> None:
    kubectl = Kubectl(server, tmp_path / "kube")
    url = f"{server.url}/k8s/demo/apis/apps/v1/namespaces/default/deployments/backend"
    deployment = httpx.get(url).json()
    deployment["spec"]["replicas"] = 6
    assert httpx.put(url, json=deployment).status_code == 200
    # Every pod unready until the nodes come back: rollout status has to follow the watch.
    # (Not before the scale: the simulated scheduler leaves pods Pending that found no Ready
    # node, and does not place them when a node becomes Ready later.)
    _set_nodes_ready(server, False)
    process = subprocess.Popen(
        ["kubectl", "rollout", "status", "deployment/backend", "--timeout=60s"],
        env=kubectl.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    out = Lines(process.stdout)
    try:
        out.wait_for(lambda line: "of 6 updated replicas are available" in line)
        assert process.poll() is None
        _set_nodes_ready(server, True)
        out.wait_for(lambda line: line == 'deployment "backend" successfully rolled out')
        assert process.wait(timeout=WAIT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        out.close()


def test_the_python_client_watch_streams_added_modified_deleted(server: Server) -> None:
    config = k8s.Configuration()
    config.host = f"{server.url}/k8s/demo"
    events: queue.Queue[tuple[str, str]] = queue.Queue()
    with k8s.ApiClient(config) as api:
        core = k8s.CoreV1Api(api)
        watcher = k8s_watch.Watch()  # type: ignore[no-untyped-call]

        def follow() -> None:
            stream = watcher.stream(  # type: ignore[no-untyped-call]
                core.list_namespaced_service, "default", timeout_seconds=30
            )
            for event in stream:
                pair = (event["type"], event["object"].metadata.name)
                events.put(pair)
                if pair == ("DELETED", "shop"):
                    # Not watcher.stop() from another thread: it shuts the socket down under
                    # the reading thread, which then fails with "Response ended prematurely".
                    return

        thread = threading.Thread(target=follow, daemon=True)
        thread.start()
        seen = _until(events, ("ADDED", "kubernetes"))
        shop = k8s.V1Service(
            metadata=k8s.V1ObjectMeta(name="shop", labels={"app": "shop"}),
            spec=k8s.V1ServiceSpec(selector={"app": "shop"}, ports=[k8s.V1ServicePort(port=80)]),
        )
        core.create_namespaced_service("default", shop)
        seen += _until(events, ("ADDED", "shop"))
        shop = core.read_namespaced_service("shop", "default")
        shop.metadata.labels["tier"] = "x"
        core.replace_namespaced_service("shop", "default", shop)
        seen += _until(events, ("MODIFIED", "shop"))
        core.delete_namespaced_service("shop", "default")
        seen += _until(events, ("DELETED", "shop"))
        thread.join(timeout=WAIT)
        assert not thread.is_alive()
    assert [e for e in seen if e[1] == "shop"] == [
        ("ADDED", "shop"),
        ("MODIFIED", "shop"),
        ("DELETED", "shop"),
    ]


def _until(events: queue.Queue[tuple[str, str]], wanted: tuple[str, str]) -> list[tuple[str, str]]:
    seen, deadline = [], time.monotonic() + WAIT
    while (left := deadline - time.monotonic()) > 0:
        try:
            seen.append(events.get(timeout=left))
        except queue.Empty:
            break
        if seen[-1] == wanted:
            return seen
    raise AssertionError(f"no {wanted} within {WAIT} s; saw {seen}")
