"""The official `kubernetes` Python client against a real svcscope server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from tests.server import Server

pytestmark = pytest.mark.server


@pytest.fixture
def api(tmp_path: Path) -> Iterator[k8s.ApiClient]:
    server = Server(tmp_path / "svcscope.db").start()
    config = k8s.Configuration()
    config.host = f"{server.url}/k8s/demo"
    with k8s.ApiClient(config) as api_client:
        yield api_client
    server.stop()


def test_the_python_client_creates_reads_lists_and_deletes_a_service(
    api: k8s.ApiClient,
) -> None:
    core = k8s.CoreV1Api(api)
    body = k8s.V1Service(
        metadata=k8s.V1ObjectMeta(name="shop"),
        spec=k8s.V1ServiceSpec(
            type="NodePort",
            selector={"app": "frontend"},
            ports=[k8s.V1ServicePort(port=80, target_port=8080)],
        ),
    )
    created = core.create_namespaced_service("default", body)
    assert created.spec.cluster_ip.startswith("10.")
    assert 30000 <= created.spec.ports[0].node_port <= 32767
    read = core.read_namespaced_service("shop", "default")
    assert read.metadata.uid == created.metadata.uid
    names = [s.metadata.name for s in core.list_service_for_all_namespaces().items]
    assert {"kubernetes", "kube-dns", "shop"} <= set(names)
    nodes = core.list_node().items
    assert [n.metadata.name for n in nodes] == ["node-1", "node-2", "node-3"]
    deployments = k8s.AppsV1Api(api).list_namespaced_deployment("default").items
    assert {d.metadata.name for d in deployments} == {"frontend", "backend"}
    core.delete_namespaced_service("shop", "default")
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_service("shop", "default")
    assert missing.value.status == 404


def test_the_python_client_reports_the_upstream_validation_message(api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    body = k8s.V1Service(
        metadata=k8s.V1ObjectMeta(name="bad"),
        spec=k8s.V1ServiceSpec(type="NodePort", ports=[k8s.V1ServicePort(port=80, node_port=80)]),
    )
    with pytest.raises(ApiException) as failed:
        core.create_namespaced_service("default", body)
    assert failed.value.status == 422
    assert "provided port is not in the valid range" in failed.value.body


def test_the_python_client_patches_a_service_in_each_patch_type(api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    # A dict body is sent as a strategic merge patch: ports merge by port.
    core.patch_namespaced_service(
        "frontend", "default", {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}
    )
    # A list body is sent as a JSON patch.
    core.patch_namespaced_service(
        "frontend", "default", [{"op": "add", "path": "/metadata/labels", "value": {"a": "b"}}]
    )
    patched = core.read_namespaced_service("frontend", "default")
    assert [(p.port, p.target_port, p.node_port) for p in patched.spec.ports] == [(80, 9090, 30080)]
    assert patched.metadata.labels == {"a": "b"}
    with pytest.raises(ApiException) as failed:
        core.patch_namespaced_service(
            "frontend", "default", [{"op": "test", "path": "/metadata/name", "value": "x"}]
        )
    assert failed.value.status == 422


def test_the_python_client_reads_and_patches_a_deployments_scale(api: k8s.ApiClient) -> None:
    apps = k8s.AppsV1Api(api)
    scale = apps.read_namespaced_deployment_scale("backend", "default")
    assert (scale.spec.replicas, scale.status.selector) == (4, "app=backend")
    patched = apps.patch_namespaced_deployment_scale(
        "backend", "default", {"spec": {"replicas": 2}}
    )
    assert patched.spec.replicas == 2
    assert apps.read_namespaced_deployment("backend", "default").spec.replicas == 2
    assert (
        len(k8s.CoreV1Api(api).list_namespaced_pod("default", label_selector="app=backend").items)
        == 2
    )
    stale = k8s.V1Scale(
        metadata=k8s.V1ObjectMeta(name="backend", resource_version="1"),
        spec=k8s.V1ScaleSpec(replicas=3),
    )
    with pytest.raises(ApiException) as conflict:
        apps.replace_namespaced_deployment_scale("backend", "default", stale)
    assert conflict.value.status == 409


def test_the_python_client_manages_a_namespace_a_config_map_and_an_ingress(
    api: k8s.ApiClient,
) -> None:
    core, networking = k8s.CoreV1Api(api), k8s.NetworkingV1Api(api)
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name="shop")))
    assert core.read_namespace("shop").status.phase == "Active"
    config = k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="settings"), data={"a": "b"})
    assert core.create_namespaced_config_map("shop", config).data == {"a": "b"}
    core.patch_namespaced_config_map("settings", "shop", {"data": {"a": "c"}})
    assert core.read_namespaced_config_map("settings", "shop").data == {"a": "c"}
    backend = k8s.V1IngressBackend(
        service=k8s.V1IngressServiceBackend(name="api", port=k8s.V1ServiceBackendPort(number=80))
    )
    ingress = k8s.V1Ingress(
        metadata=k8s.V1ObjectMeta(name="shop"),
        spec=k8s.V1IngressSpec(default_backend=backend),
    )
    created = networking.create_namespaced_ingress("shop", ingress)
    assert created.spec.default_backend.service.port.number == 80
    listed = networking.list_namespaced_ingress("shop").items
    assert [i.metadata.name for i in listed] == ["shop"]
    core.delete_namespace("shop")
    # The namespace controller deletes the content and the namespace a moment later.
    deadline = time.monotonic() + 30
    while "shop" in [n.metadata.name for n in core.list_namespace().items]:
        assert time.monotonic() < deadline, "the namespace was never finalized"
        time.sleep(0.2)
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("settings", "shop")
    assert gone.value.status == 404
    with pytest.raises(ApiException) as missing:
        core.create_namespaced_config_map("shop", config)
    assert missing.value.status == 404 and 'namespaces \\"shop\\" not found' in missing.value.body
