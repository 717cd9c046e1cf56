"""Nodes, pods, Deployments and the derived endpoints: the simulator playing the controllers."""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

CORE = "/k8s/demo/api/v1"
APPS = "/k8s/demo/apis/apps/v1/namespaces/default/deployments"
SLICES = "/k8s/demo/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"


def ready(obj: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in obj["status"]["conditions"])


def test_demo_nodes_get_internal_ips_pod_cidrs_and_zones(client: TestClient) -> None:
    nodes = client.get(f"{CORE}/nodes").json()["items"]
    assert [n["metadata"]["name"] for n in nodes] == ["node-1", "node-2", "node-3"]
    assert [n["spec"]["podCIDR"] for n in nodes] == [
        "10.244.1.0/24",
        "10.244.2.0/24",
        "10.244.3.0/24",
    ]
    ips = [n["status"]["addresses"][0] for n in nodes]
    assert ips[0] == {"type": "InternalIP", "address": "192.168.49.3"}
    assert all(ready(n) for n in nodes)
    zones = {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes}
    assert zones == {"zone-a", "zone-b", "zone-c"}


def test_deployment_pods_spread_evenly_with_ips_from_their_node(client: TestClient) -> None:
    nodes = {n["metadata"]["name"]: n for n in client.get(f"{CORE}/nodes").json()["items"]}
    pods = client.get(f"{CORE}/namespaces/default/pods?labelSelector=app=backend").json()["items"]
    assert len(pods) == 4
    spread = Counter(p["spec"]["nodeName"] for p in pods)
    assert max(spread.values()) - min(spread.values()) <= 1
    assert set(spread) == set(nodes)
    for pod in pods:
        cidr = ipaddress.ip_network(nodes[pod["spec"]["nodeName"]]["spec"]["podCIDR"])
        assert ipaddress.ip_address(pod["status"]["podIP"]) in cidr
        assert ready(pod)
        assert pod["metadata"]["name"].startswith("backend-")
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"


def test_a_pod_written_with_a_status_keeps_it(client: TestClient) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "manual", "labels": {"app": "manual"}},
        "spec": {"nodeName": "node-2", "containers": [{"name": "c", "image": "busybox"}]},
        "status": {
            "phase": "Running",
            "podIP": "10.244.2.200",
            "conditions": [{"type": "Ready", "status": "False"}],
        },
    }
    created = client.post(f"{CORE}/namespaces/default/pods", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"]["podIP"] == "10.244.2.200"
    assert not ready(created.json())


def test_a_pod_without_node_name_is_scheduled_and_gets_an_ip(client: TestClient) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "solo"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    created = client.post(f"{CORE}/namespaces/default/pods", json=body)
    assert created.status_code == 201, created.text
    pod = created.json()
    assert pod["spec"]["nodeName"].startswith("node-")
    assert pod["status"]["podIP"].startswith("10.244.")
    assert pod["status"]["phase"] == "Running"


def test_a_node_created_without_status_gets_the_next_ip_and_pod_cidr(client: TestClient) -> None:
    created = client.post(f"{CORE}/nodes", json={"metadata": {"name": "node-4"}})
    assert created.status_code == 201, created.text
    node = created.json()
    assert node["status"]["addresses"][0]["address"] == "192.168.49.6"
    assert node["spec"]["podCIDR"] == "10.244.4.0/24"
    assert ready(node)


def test_scaling_a_deployment_creates_and_removes_pods(client: TestClient) -> None:
    deployment = client.get(f"{APPS}/frontend").json()
    assert deployment["status"]["readyReplicas"] == 3
    deployment["spec"]["replicas"] = 5
    deployment["metadata"].pop("resourceVersion")
    scaled = client.put(f"{APPS}/frontend", json=deployment)
    assert scaled.status_code == 200, scaled.text
    pods = client.get(f"{CORE}/namespaces/default/pods?labelSelector=app=frontend").json()
    assert len(pods["items"]) == 5
    deployment["spec"]["replicas"] = 1
    assert client.put(f"{APPS}/frontend", json=deployment).status_code == 200
    pods = client.get(f"{CORE}/namespaces/default/pods?labelSelector=app=frontend").json()
    assert len(pods["items"]) == 1


def test_deleting_a_deployment_deletes_its_pods(client: TestClient) -> None:
    assert client.delete(f"{APPS}/backend").status_code == 200
    pods = client.get(f"{CORE}/namespaces/default/pods?labelSelector=app=backend").json()
    assert pods["items"] == []


def test_endpoint_slices_list_the_selected_pods_on_the_resolved_port(client: TestClient) -> None:
    slices = client.get(f"{SLICES}?labelSelector=kubernetes.io/service-name=web").json()["items"]
    assert len(slices) == 1
    assert slices[0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert len(slices[0]["endpoints"]) == 3
    assert all(e["conditions"]["ready"] for e in slices[0]["endpoints"])


def test_the_kubernetes_service_points_at_the_control_plane(client: TestClient) -> None:
    endpoints = client.get(f"{CORE}/namespaces/default/endpoints/kubernetes")
    assert endpoints.status_code == 200
    assert "Endpoints is deprecated" in endpoints.headers["warning"]
    subset = endpoints.json()["subsets"][0]
    assert subset["addresses"][0]["ip"] == "192.168.49.2"
    assert subset["ports"][0]["port"] == 6443


def test_a_not_ready_node_takes_its_pods_out_of_the_endpoints(client: TestClient) -> None:
    node = client.get(f"{CORE}/nodes/node-1").json()
    node["status"]["conditions"][0]["status"] = "False"
    node["metadata"].pop("resourceVersion")
    assert client.put(f"{CORE}/nodes/node-1/status", json=node).status_code == 200
    slices = client.get(f"{SLICES}?labelSelector=kubernetes.io/service-name=web").json()
    by_node = {e["nodeName"]: e["conditions"]["ready"] for e in slices["items"][0]["endpoints"]}
    assert by_node["node-1"] is False
    assert by_node["node-2"] is True


def test_unknown_resources_are_404_status(client: TestClient) -> None:
    response = client.get(f"{CORE}/namespaces/default/widgets")
    assert response.status_code == 404
    assert response.json()["kind"] == "Status"
    assert client.get("/k8s/demo/apis/apps/v1/namespaces/default/widgets").status_code == 404


def test_user_endpoints_back_a_service_without_a_selector(client: TestClient) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "legacy-db"},
        "spec": {"ports": [{"name": "pg", "port": 5432}]},
    }
    assert client.post(f"{CORE}/namespaces/default/services", json=service).status_code == 201
    endpoints = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "legacy-db"},
        "subsets": [
            {"addresses": [{"ip": "192.168.49.100"}], "ports": [{"name": "pg", "port": 5432}]}
        ],
    }
    created = client.post(f"{CORE}/namespaces/default/endpoints", json=endpoints)
    assert created.status_code == 201, created.text
    assert created.json()["subsets"][0]["ports"][0]["protocol"] == "TCP"
    read = client.get(f"{CORE}/namespaces/default/endpoints/legacy-db").json()
    assert read["subsets"][0]["addresses"] == [{"ip": "192.168.49.100"}]
    slices = client.get(f"{SLICES}?labelSelector=kubernetes.io/service-name=legacy-db").json()[
        "items"
    ]
    assert len(slices) == 1
    assert slices[0]["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == (
        "endpointslicemirroring-controller.k8s.io"
    )
    assert slices[0]["endpoints"][0]["addresses"] == ["192.168.49.100"]


def test_endpoints_of_a_selector_service_belong_to_the_controller(client: TestClient) -> None:
    endpoints = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "web"},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}],
    }
    response = client.post(f"{CORE}/namespaces/default/endpoints", json=endpoints)
    assert response.status_code == 409
    assert response.json()["message"] == 'endpoints "web" already exists'


def test_invalid_endpoints_get_field_errors(client: TestClient) -> None:
    endpoints = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "x"},
        "subsets": [{"addresses": [{"ip": "nope"}], "ports": [{"port": 0}]}],
    }
    response = client.post(f"{CORE}/namespaces/default/endpoints", json=endpoints)
    assert response.status_code == 422
    fields = [c["field"] for c in response.json()["details"]["causes"]]
    assert fields == ["subsets[0].addresses[0].ip", "subsets[0].ports[0].port"]
