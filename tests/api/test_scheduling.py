"""kube-scheduler's limits, not svcscope's: maxPods per node, Pending pods, and their retry.

A node holds status.allocatable.pods pods (kubelet's maxPods, 110 by default); a pod that fits
nowhere stays Pending with PodScheduled=False, reason Unschedulable and the scheduler's
FitError text (pkg/scheduler/framework/types.go), and is bound once a node joins or is Ready.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from tests.manifests import deployment

CLUSTER = "big"
CORE = f"/k8s/{CLUSTER}/api/v1"
DEPLOYMENTS = f"/k8s/{CLUSTER}/apis/apps/v1/namespaces/default/deployments"


def pods(client: TestClient, namespace: str = "default") -> list[dict[str, Any]]:
    """A namespace's pods ("": every namespace's: kube-system's CoreDNS counts too)."""
    answer = client.get(f"{CORE}/namespaces/{namespace}/pods" if namespace else f"{CORE}/pods")
    assert answer.status_code == 200
    return list(answer.json()["items"])


def scheduled(pod: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")


def new_cluster(client: TestClient, nodes: int) -> None:
    body = {"name": CLUSTER, "nodes": nodes, "nodeCIDR": "10.10.0.0/16"}
    assert client.post("/api/clusters", json=body).status_code == 201


def test_the_api_takes_a_cluster_to_thousands_of_pods(empty_client: TestClient) -> None:
    new_cluster(empty_client, 30)
    created = empty_client.post(DEPLOYMENTS, json=deployment("web", 3000))
    assert created.status_code == 201, created.text
    found = pods(empty_client)
    assert len(found) == 3000
    assert all(p["status"]["phase"] == "Running" and p["status"]["podIP"] for p in found)
    per_node = Counter(p["spec"]["nodeName"] for p in found)
    assert len(per_node) == 30 and max(per_node.values()) == 100  # the even spread
    assert len({p["status"]["podIP"] for p in found}) == 3000
    status = empty_client.get(f"{DEPLOYMENTS}/web").json()["status"]
    assert status["readyReplicas"] == 3000


def test_pods_beyond_every_nodes_max_pods_stay_pending_as_unschedulable(
    empty_client: TestClient,
) -> None:
    new_cluster(empty_client, 3)
    created = empty_client.post(DEPLOYMENTS, json=deployment("web", 335))
    assert created.status_code == 201
    found = pods(empty_client, "")
    per_node = Counter(p["spec"].get("nodeName", "") for p in found)
    assert per_node.pop("") == 7 and set(per_node.values()) == {110}  # 2 CoreDNS pods run too
    pending = [p for p in found if not p["spec"].get("nodeName")]
    assert all(p["status"]["phase"] == "Pending" for p in pending)
    assert scheduled(pending[0]) | {"lastTransitionTime": None} == {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": "0/3 nodes are available: 3 Too many pods. preemption: 0/3 nodes are "
        "available: 3 No preemption victims found for incoming pod.",
        "lastProbeTime": None,
        "lastTransitionTime": None,
    }


def test_a_joining_node_takes_the_pending_pods(empty_client: TestClient) -> None:
    new_cluster(empty_client, 1)
    assert empty_client.post(DEPLOYMENTS, json=deployment("web", 115)).status_code == 201
    assert sum(1 for p in pods(empty_client, "") if not p["spec"].get("nodeName")) == 7
    joined = empty_client.post(f"{CORE}/nodes", json={"metadata": {"name": "node-2"}})
    assert joined.status_code == 201
    found = pods(empty_client, "")
    assert Counter(p["spec"]["nodeName"] for p in found) == {"node-1": 110, "node-2": 7}
    assert all(p["status"]["phase"] == "Running" for p in found)


def test_pending_pods_are_scheduled_when_a_node_is_ready_again(empty_client: TestClient) -> None:
    new_cluster(empty_client, 1)
    node = empty_client.get(f"{CORE}/nodes/node-1").json()
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    ready["status"] = "Unknown"
    assert empty_client.put(f"{CORE}/nodes/node-1/status", json=node).status_code == 200
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    assert empty_client.post(f"{CORE}/namespaces/default/pods", json=pod).status_code == 201
    waiting = empty_client.get(f"{CORE}/namespaces/default/pods/p").json()
    assert scheduled(waiting)["message"] == (
        "0/1 nodes are available: 1 node(s) had untolerated taint "
        "{node.kubernetes.io/unreachable: }. preemption: 0/1 nodes are available: "
        "1 Preemption is not helpful for scheduling."
    )
    node = empty_client.get(f"{CORE}/nodes/node-1").json()
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    ready["status"] = "True"
    assert empty_client.put(f"{CORE}/nodes/node-1/status", json=node).status_code == 200
    running = empty_client.get(f"{CORE}/namespaces/default/pods/p").json()
    assert running["spec"]["nodeName"] == "node-1"
    assert running["status"]["phase"] == "Running"
