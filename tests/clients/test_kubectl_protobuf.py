"""kubectl's typed clients send protobuf: `create service …`, `create deployment` and `expose`
against a real server make the same objects as the JSON a `--dry-run=client -o json` prints."""

from __future__ import annotations

import json
import shutil
from typing import Any

import httpx
import pytest

from tests.clients.module_server import kubectl as kubectl  # the fixtures
from tests.clients.module_server import server as server
from tests.clients.test_kubectl import Kubectl
from tests.core.model.test_protobuf import envelope, new_message
from tests.server import Server

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed"),
]
PROTOBUF = {"Content-Type": "application/vnd.kubernetes.protobuf"}


def _object(kubectl: Kubectl, resource: str, name: str) -> dict[str, Any]:
    """The stored object less what differs between two creations (names, allocations)."""
    obj: dict[str, Any] = json.loads(kubectl("get", resource, name, "-o", "json").stdout)
    text = json.dumps(obj).replace(name, "NAME")
    obj = json.loads(text)
    for key in ("uid", "resourceVersion", "creationTimestamp", "managedFields"):
        obj["metadata"].pop(key, None)
    obj.pop("status", None)
    spec = obj.get("spec", {})
    for key in ("clusterIP", "clusterIPs"):
        spec.pop(key, None)
    for port in spec.get("ports", []):
        port.pop("nodePort", None)
    return obj


@pytest.mark.parametrize(
    "command",
    [
        ("service", "nodeport", "--tcp=80:8080", "--node-port=30333"),
        ("service", "clusterip", "--tcp=5678:8080", "--tcp=53:53"),
        ("service", "clusterip", "--clusterip=None"),
        ("service", "loadbalancer", "--tcp=443:8443"),
        ("deployment", "--image=nginx:1.27", "--image=redis", "--replicas=2", "--port=80"),
        ("deployment", "--image=nginx", "--replicas=0"),
    ],
    ids=["nodeport", "clusterip", "headless", "loadbalancer", "deployment", "zero-replicas"],
)
def test_kubectl_create_sends_protobuf_and_gets_the_object_json_would_make(
    kubectl: Kubectl, command: tuple[str, ...], request: pytest.FixtureRequest
) -> None:
    name = f"pb-{request.node.callspec.id}"
    kind, args = command[0], command[1:]
    args = (*args[:1], name, *args[1:]) if kind == "service" else (name, *args)
    verbose = kubectl("create", kind, *args, "-v=8")
    assert "Content-Type: application/vnd.kubernetes.protobuf" in verbose.stderr
    assert f"{kind}{'.apps' if kind == 'deployment' else ''}/{name} created" in verbose.stdout
    resource = "svc" if kind == "service" else "deploy"
    from_protobuf = _object(kubectl, resource, name)
    # The same command's JSON, created once the first is gone (a fixed nodePort is taken).
    printed = kubectl("create", kind, *args, "--dry-run=client", "-o", "json").stdout
    kubectl("delete", resource, name)
    path = kubectl.config.parent / f"{name}.json"
    path.write_text(printed)
    kubectl("create", "-f", str(path))
    assert _object(kubectl, resource, name) == from_protobuf


def test_kubectl_expose_makes_a_service_for_a_deployment(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "exposed", "--image=nginx", "--port=8080", "-r", "2")
    kubectl("expose", "deployment", "exposed", "--port=80", "--target-port=8080", "--type=NodePort")
    svc = json.loads(kubectl("get", "svc", "exposed", "-o", "json").stdout)
    assert svc["spec"]["selector"] == {"app": "exposed"}
    assert svc["spec"]["ports"][0]["targetPort"] == 8080
    assert 30000 <= svc["spec"]["ports"][0]["nodePort"] <= 32767
    endpoints = kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=exposed")
    assert endpoints.stdout.count("8080") == 1


def test_a_malformed_protobuf_body_is_a_400_with_the_decoders_text(server: Server) -> None:
    url = f"{server.url}/k8s/demo/api/v1/namespaces/default/services"
    plain = httpx.post(url, content=b'{"kind":"Service"}', headers=PROTOBUF)
    assert plain.status_code == 400
    assert plain.json()["reason"] == "BadRequest"
    assert plain.json()["message"] == (
        "the object provided is unrecognized (must be of type Service): provided data does not "
        'appear to be a protobuf message, expected prefix [107 56 115 0] ({"kind":"Service"})'
    )
    cut = envelope("v1", "Service", _service("cut"))[:-3]
    refused = httpx.post(url, content=cut, headers=PROTOBUF).json()
    assert refused["code"] == 400
    assert refused["message"].startswith("the object provided is unrecognized (must be of type")
    wrong = envelope("apps/v1", "Deployment", _service("wrong"))
    mismatch = httpx.post(url, content=wrong, headers=PROTOBUF).json()
    assert mismatch["code"] == 400
    assert "does not match the expected API version (v1)" in mismatch["message"]


def _service(name: str) -> Any:
    svc = new_message("k8s.io.api.core.v1.Service")
    svc.metadata.name = name
    svc.spec.ports.add(port=80, protocol="TCP")
    return svc
