"""ReplicaSets, StatefulSets, DaemonSets and Events on the /k8s face: discovery, lists,
subresources, field selectors and the errors kubectl meets."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

APPS = "/k8s/demo/apis/apps/v1"
NS = f"{APPS}/namespaces/default"
EVENTS = "/k8s/demo/api/v1/namespaces/default/events"
MERGE = {"Content-Type": "application/merge-patch+json"}


def _workload(kind: str, name: str, **spec: Any) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": "nginx"}]},
            },
            **spec,
        },
    }


def test_discovery_lists_the_workload_kinds_with_their_subresources(client: TestClient) -> None:
    listed = client.get(f"{APPS}").json()["resources"]
    names = {r["name"]: r for r in listed}
    assert {"replicasets", "statefulsets", "daemonsets", "replicasets/scale"} <= set(names)
    assert names["statefulsets"]["shortNames"] == ["sts"]
    assert names["daemonsets"]["shortNames"] == ["ds"]
    assert names["replicasets"]["shortNames"] == ["rs"]
    aggregated = client.get(
        "/k8s/demo/apis",
        headers={"Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"},
    ).json()
    groups = {g["metadata"]["name"]: g for g in aggregated["items"]}
    assert "events.k8s.io" in groups
    apps = {r["resource"]: r for r in groups["apps"]["versions"][0]["resources"]}
    assert [s["subresource"] for s in apps["statefulsets"]["subresources"]] == ["status", "scale"]
    assert [s["subresource"] for s in apps["daemonsets"]["subresources"]] == ["status"]


def test_a_replica_set_scales_through_its_scale_subresource(client: TestClient) -> None:
    created = client.post(f"{NS}/replicasets", json=_workload("ReplicaSet", "cache", replicas=2))
    assert created.status_code == 201, created.text
    scale = client.get(f"{NS}/replicasets/cache/scale").json()
    assert (scale["spec"]["replicas"], scale["status"]["selector"]) == (2, "app=cache")
    patched = client.patch(f"{NS}/replicasets/cache/scale", json={"spec": {"replicas": 4}},
                           headers=MERGE)  # fmt: skip
    assert patched.status_code == 200, patched.text
    status = client.get(f"{NS}/replicasets/cache/status").json()["status"]
    assert (status["replicas"], status["readyReplicas"]) == (4, 4)
    pods = client.get("/k8s/demo/api/v1/namespaces/default/pods?labelSelector=app=cache").json()
    assert len(pods["items"]) == 4


def test_a_stateful_set_scales_and_reports_its_status(client: TestClient) -> None:
    body = _workload("StatefulSet", "db", replicas=1, serviceName="db")
    assert client.post(f"{NS}/statefulsets", json=body).status_code == 201
    scaled = client.patch(f"{NS}/statefulsets/db/scale", json={"spec": {"replicas": 3}},
                          headers=MERGE)  # fmt: skip
    assert scaled.status_code == 200, scaled.text
    sts = client.get(f"{NS}/statefulsets/db").json()
    assert sts["spec"]["podManagementPolicy"] == "OrderedReady"
    assert sts["status"]["readyReplicas"] == 3
    assert sts["status"]["currentRevision"] == sts["status"]["updateRevision"]
    pods = client.get("/k8s/demo/api/v1/namespaces/default/pods?labelSelector=app=db").json()
    names = [p["metadata"]["name"] for p in pods["items"]]
    assert names == ["db-0", "db-1", "db-2"]


def test_a_daemon_set_has_no_scale_and_reports_per_node_counts(client: TestClient) -> None:
    assert client.post(f"{NS}/daemonsets", json=_workload("DaemonSet", "agent")).status_code == 201
    status = client.get(f"{NS}/daemonsets/agent/status").json()["status"]
    assert status["desiredNumberScheduled"] == status["numberReady"] == 3
    missing = client.get(f"{NS}/daemonsets/agent/scale")
    assert missing.status_code == 404 and missing.json()["reason"] == "NotFound"


def test_invalid_workloads_get_upstreams_messages(client: TestClient) -> None:
    body = _workload("StatefulSet", "bad", podManagementPolicy="Sometimes")
    body["spec"]["selector"] = {}
    answer = client.post(f"{NS}/statefulsets", json=body)
    assert answer.status_code == 422
    message = answer.json()["message"]
    assert "spec.podManagementPolicy: Invalid value: \"Sometimes\": must be 'OrderedReady' or " \
           "'Parallel'" in message  # fmt: skip
    assert "empty selector is invalid for statefulset" in message
    missing = client.get(f"{NS}/replicasets/nothing")
    assert missing.json()["message"] == 'replicasets.apps "nothing" not found'


def test_events_are_listed_selected_by_involved_object_and_not_written(client: TestClient) -> None:
    pods = client.get("/k8s/demo/api/v1/namespaces/default/pods").json()["items"]
    pod = pods[0]["metadata"]
    selector = (f"involvedObject.name={pod['name']},involvedObject.namespace=default,"
                f"involvedObject.kind=Pod,involvedObject.uid={pod['uid']}")  # fmt: skip
    listed = client.get(EVENTS, params={"fieldSelector": selector}).json()["items"]
    assert [e["reason"] for e in listed] == ["Scheduled"]
    assert listed[0]["source"]["component"] == "default-scheduler"
    every = client.get("/k8s/demo/api/v1/events").json()["items"]
    assert {"Scheduled", "SuccessfulCreate", "ScalingReplicaSet"} <= {e["reason"] for e in every}
    newer = client.get("/k8s/demo/apis/events.k8s.io/v1/events").json()
    assert newer["kind"] == "EventList"
    assert len(newer["items"]) == len(every)
    first = newer["items"][0]
    assert first["apiVersion"] == "events.k8s.io/v1" and "regarding" in first and "note" in first
    refused = client.post(EVENTS, json={"metadata": {"name": "x"}})
    assert refused.status_code == 405
    bad = client.get(EVENTS, params={"fieldSelector": "involvedObject.color=red"})
    assert bad.status_code == 400
    assert bad.json()["message"] == "field label not supported: involvedObject.color"


def test_events_come_as_a_table_for_kubectl(client: TestClient) -> None:
    table = client.get(EVENTS, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    body = table.json()
    names = [c["name"] for c in body["columnDefinitions"] if c["priority"] == 0]
    assert names == ["Last Seen", "Type", "Reason", "Object", "Message"]
    objects = {row["cells"][3] for row in body["rows"]}
    assert any(o.startswith("replicaset/frontend-") for o in objects)
