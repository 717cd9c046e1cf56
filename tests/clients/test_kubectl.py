"""kubectl against a real svcscope server: discovery, server-side Tables, create and delete."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.manifests import APP
from tests.server import Server

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed"),
]


class Kubectl:
    def __init__(self, server: Server, home: Path) -> None:
        self.server = server
        home.mkdir(parents=True, exist_ok=True)
        self.config = home / "kubeconfig"
        self.config.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: demo, cluster: {{server: '{server.url}/k8s/demo'}}}}]\n"
            "users: [{name: u, user: {}}]\n"
            "contexts: [{name: demo, context: {cluster: demo, user: u}}]\n"
            "current-context: demo\n"
        )
        self.env = {**os.environ, "KUBECONFIG": str(self.config), "KUBECACHEDIR": str(home)}

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["kubectl", *args], env=self.env, capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
        if check and done.returncode != 0:
            # A refused connection means the server left: say how (one fresh-clone run saw the
            # server gone between two calls of one test).
            gone = self.server.exit_report()
            raise AssertionError(f"kubectl {' '.join(args)}: {done.stderr}\n{gone}".rstrip())
        return done


@pytest.fixture
def kubectl(tmp_path: Path) -> Iterator[Kubectl]:
    server = Server(tmp_path / "svcscope.db").start()
    yield Kubectl(server, tmp_path / "kube")
    server.stop()


def _rows(text: str) -> dict[str, list[str]]:
    lines = text.strip().splitlines()
    return {line.split()[0]: line.split() for line in lines[1:]}


def test_kubectl_get_svc_prints_the_upstream_columns(kubectl: Kubectl) -> None:
    out = kubectl("get", "svc", "-o", "wide").stdout
    header = out.splitlines()[0].split()
    assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]
    rows = _rows(out)
    assert rows["kubernetes"][1:5] == ["ClusterIP", "10.96.0.1", "<none>", "443/TCP"]
    assert rows["frontend"][1] == "NodePort" and rows["frontend"][4] == "80:30080/TCP"
    assert rows["web"][1:4:2] == ["LoadBalancer", "198.51.100.1"]
    everything = _rows(kubectl("get", "svc", "-A").stdout)
    assert everything["kube-system"][1] == "kube-dns"


def test_kubectl_get_nodes_pods_and_deployments(kubectl: Kubectl) -> None:
    nodes = _rows(kubectl("get", "nodes", "-o", "wide").stdout)
    assert sorted(nodes) == ["node-1", "node-2", "node-3"]
    assert nodes["node-1"][1] == "Ready" and nodes["node-1"][5] == "192.168.49.3"
    pods = kubectl("get", "pods", "-l", "app=backend").stdout
    assert len(pods.strip().splitlines()) == 5
    deploy = _rows(kubectl("get", "deploy").stdout)
    assert deploy["backend"][1] == "4/4"


def test_kubectl_creates_describes_and_deletes_from_a_file(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(APP)
    created = kubectl("create", "-f", str(manifest), "--validate=false").stdout
    assert "deployment.apps/api created" in created
    assert "service/api created" in created
    described = kubectl("describe", "svc", "api").stdout
    assert "Type:                     NodePort" in described
    endpoints = next(line for line in described.splitlines() if line.startswith("Endpoints:"))
    assert endpoints.count(":80") == 2
    deleted = kubectl("delete", "-f", str(manifest)).stdout
    assert 'service "api" deleted' in deleted
    missing = kubectl("get", "svc", "api", check=False)
    assert missing.returncode == 1
    assert 'Error from server (NotFound): services "api" not found' in missing.stderr


def test_kubectl_shows_the_upstream_validation_message(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: bad}\n"
        "spec: {type: NodePort, ports: [{port: 80, nodePort: 80}]}\n"
    )
    failed = kubectl("create", "-f", str(manifest), "--validate=false", check=False)
    assert failed.returncode == 1
    assert (
        'The Service "bad" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port '
        "is not in the valid range. The range of valid ports is 30000-32767"
    ) in failed.stderr
