"""kubectl against a real server: `--subresource=status`, managedFields per writer, `replace`
with server-side field validation, and the container commands svcscope answers with a Status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients.module_server import kubectl as kubectl  # the fixtures
from tests.clients.module_server import server as server
from tests.clients.test_kubectl import Kubectl
from tests.server import Server

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed"),
]
NO_CONTAINERS = "svcscope simulates Services and networking, not containers"


def _get(kubectl: Kubectl, *what: str) -> dict[str, Any]:
    out = kubectl("get", *what, "-o", "json", "--show-managed-fields").stdout
    loaded: dict[str, Any] = json.loads(out)
    return loaded


def test_kubectl_patches_a_node_status_and_its_pods_leave_the_endpoints(kubectl: Kubectl) -> None:
    ready = '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'
    kubectl("patch", "node", "node-2", "--subresource=status", "--type=strategic", "-p", ready)
    node = _get(kubectl, "node", "node-2")
    assert next(c for c in node["status"]["conditions"] if c["type"] == "Ready")["status"] != (
        "True"
    )
    managers = [(m["manager"], m.get("subresource")) for m in node["metadata"]["managedFields"]]
    assert ("kubectl-patch", "status") in managers
    # A spec change sent to /status is dropped; the object is unschedulable only through spec.
    kubectl(
        "patch", "node", "node-2", "--subresource=status", "-p", '{"spec":{"unschedulable":true}}'
    )
    assert "unschedulable" not in _get(kubectl, "node", "node-2")["spec"]
    slices = _get(kubectl, "endpointslices", "-l", "kubernetes.io/service-name=frontend")
    endpoints = slices["items"][0]["endpoints"]
    assert all(not e["conditions"]["ready"] for e in endpoints if e["nodeName"] == "node-2")


def test_each_kubectl_command_is_its_own_field_manager(kubectl: Kubectl) -> None:
    kubectl("create", "service", "clusterip", "owned", "--tcp=80:8080")
    kubectl("label", "service", "owned", "tier=web")
    kubectl("annotate", "service", "owned", "note=hi")
    svc = _get(kubectl, "service", "owned")
    entries = {m["manager"]: m for m in svc["metadata"]["managedFields"]}
    assert sorted(entries) == ["kubectl-annotate", "kubectl-create", "kubectl-label"]
    assert all(m["operation"] == "Update" for m in entries.values())
    assert entries["kubectl-label"]["fieldsV1"] == {"f:metadata": {"f:labels": {"f:tier": {}}}}
    assert "f:ports" in entries["kubectl-create"]["fieldsV1"]["f:spec"]


def test_kubectl_replace_is_validated_by_the_server(kubectl: Kubectl, tmp_path: Path) -> None:
    svc = _get(kubectl, "service", "frontend")
    svc["spec"]["bogus"] = True
    path = tmp_path / "svc.json"
    path.write_text(json.dumps(svc))
    strict = kubectl("replace", "-f", str(path), check=False)
    assert strict.returncode == 1
    assert 'strict decoding error: unknown field "spec.bogus"' in strict.stderr
    warned = kubectl("replace", "-f", str(path), "--validate=warn")
    assert 'Warning: unknown field "spec.bogus"' in warned.stderr


def test_exec_port_forward_and_top_say_no_containers_run(kubectl: Kubectl, server: Server) -> None:
    pod = kubectl("get", "pods", "-l", "app=backend", "-o", "name").stdout.split()[0]
    for command in (("exec", pod, "--", "ls"), ("port-forward", pod, "18080:80")):
        refused = kubectl(*command, check=False)
        assert refused.returncode == 1
        assert NO_CONTAINERS in refused.stderr, command
    top = kubectl("top", "pods", check=False)
    assert top.returncode == 1 and "Metrics API not available" in top.stderr
    metrics = httpx.get(f"{server.url}/k8s/demo/apis/metrics.k8s.io/v1beta1/pods")
    assert metrics.status_code == 404
    assert metrics.json()["message"].startswith(f"{NO_CONTAINERS}: metrics.k8s.io")
