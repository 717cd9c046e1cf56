"""The status subresource, managedFields for every writer, and fieldValidation on PUT."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.core.apiserver.subresources import manager_or_user_agent

CORE = "/k8s/demo/api/v1"
SERVICES = f"{CORE}/namespaces/default/services"
PODS = f"{CORE}/namespaces/default/pods"
APPS = "/k8s/demo/apis/apps/v1/namespaces/default/deployments"
SLICES = "/k8s/demo/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"
MERGE = {"Content-Type": "application/merge-patch+json"}


def _managers(obj: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (m["manager"], m["operation"], m.get("subresource", ""))
        for m in obj["metadata"].get("managedFields", [])
    ]


def _ready_by_node(client: TestClient) -> dict[str, bool]:
    slices = client.get(f"{SLICES}?labelSelector=kubernetes.io/service-name=web").json()
    return {e["nodeName"]: e["conditions"]["ready"] for e in slices["items"][0]["endpoints"]}


def test_a_node_put_keeps_its_status_and_a_status_put_keeps_its_spec(client: TestClient) -> None:
    node = client.get(f"{CORE}/nodes/node-1").json()
    node["status"]["conditions"][0]["status"] = "False"
    node["spec"]["unschedulable"] = True
    node["metadata"].pop("resourceVersion")
    through_object = client.put(f"{CORE}/nodes/node-1", json=node).json()
    assert through_object["spec"]["unschedulable"] is True
    assert through_object["status"]["conditions"][0]["status"] == "True"  # status kept
    assert _ready_by_node(client)["node-1"] is True
    node["spec"].pop("unschedulable")
    through_status = client.put(f"{CORE}/nodes/node-1/status", json=node).json()
    assert through_status["spec"]["unschedulable"] is True  # spec kept
    assert through_status["status"]["conditions"][0]["status"] != "True"
    assert _ready_by_node(client)["node-1"] is False


def test_a_status_patch_changes_no_spec_and_no_generation(client: TestClient) -> None:
    before = client.get(f"{APPS}/backend").json()
    patch = {"metadata": {"labels": {"x": "y"}}, "spec": {"replicas": 9}, "status": {}}
    after = client.patch(f"{APPS}/backend/status", json=patch, headers=MERGE).json()
    assert after["spec"] == before["spec"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert after["metadata"].get("labels") == before["metadata"].get("labels")
    pod = client.get(f"{PODS}?labelSelector=app=backend").json()["items"][0]
    name = pod["metadata"]["name"]
    patched = client.patch(
        f"{PODS}/{name}/status",
        json={"metadata": {"ownerReferences": None}, "status": {"message": "hello"}},
        headers=MERGE,
    ).json()
    assert patched["status"]["message"] == "hello"
    assert patched["metadata"]["ownerReferences"] == pod["metadata"]["ownerReferences"]
    for key in ("nodeName", "containers"):  # the spec as stored (defaults may be added)
        assert patched["spec"][key] == pod["spec"][key]


def test_a_service_put_ignores_status_and_a_status_put_ignores_spec(client: TestClient) -> None:
    svc = client.get(f"{SERVICES}/frontend").json()
    condition = {
        "type": "Checked",
        "status": "True",
        "reason": "ByHand",
        "message": "",
        "lastTransitionTime": "2026-01-02T03:04:05Z",
    }
    svc["status"] = {"loadBalancer": {}, "conditions": [condition]}
    svc["metadata"].pop("resourceVersion")
    assert client.put(f"{SERVICES}/frontend", json=svc).json()["status"] == {"loadBalancer": {}}
    svc["spec"]["type"] = "ClusterIP"
    written = client.put(f"{SERVICES}/frontend/status", json=svc).json()
    assert written["spec"]["type"] == "NodePort"
    assert written["status"]["conditions"] == [condition]
    assert (
        client.put(f"{CORE}/namespaces/default/endpoints/web/status", json=svc).status_code == 404
    )


def test_every_writer_is_recorded_in_managed_fields(client: TestClient) -> None:
    body = {"metadata": {"name": "m", "labels": {"a": "1"}}, "spec": {"ports": [{"port": 80}]}}
    made = client.post(SERVICES, json=body, headers={"User-Agent": "python-requests/2.32"}).json()
    assert _managers(made) == [("python-requests", "Update", "")]
    owned = made["metadata"]["managedFields"][0]["fieldsV1"]
    assert owned["f:metadata"] == {"f:labels": {"f:a": {}}}
    assert 'k:{"port":80,"protocol":"TCP"}' in owned["f:spec"]["f:ports"]
    assert "f:clusterIP" not in owned["f:spec"]  # allocated after the field manager ran
    made["metadata"]["labels"]["a"] = "2"
    replaced = client.put(f"{SERVICES}/m?fieldManager=editor", json=made).json()
    assert _managers(replaced) == [("python-requests", "Update", ""), ("editor", "Update", "")]
    first, second = (m["fieldsV1"] for m in replaced["metadata"]["managedFields"])
    assert "f:metadata" not in first  # the changed label moved to its new writer
    assert second == {"f:metadata": {"f:labels": {"f:a": {}}}}


def test_put_honours_field_validation(client: TestClient) -> None:
    svc = client.get(f"{SERVICES}/frontend").json()
    svc["spec"]["bogus"] = 1
    svc["metadata"].pop("resourceVersion")
    strict = client.put(f"{SERVICES}/frontend?fieldValidation=Strict", json=svc)
    assert strict.status_code == 400
    assert strict.json()["message"] == (
        'Service in version "v1" cannot be handled as a Service: strict decoding error: '
        'unknown field "spec.bogus"'
    )
    warned = client.put(f"{SERVICES}/frontend", json=svc)
    assert warned.status_code == 200
    assert warned.headers["Warning"] == '299 - "unknown field \\"spec.bogus\\""'
    assert (
        "Warning" not in client.put(f"{SERVICES}/frontend?fieldValidation=Ignore", json=svc).headers
    )


def test_the_manager_is_the_user_agent_up_to_its_slash() -> None:
    assert manager_or_user_agent("kubectl-edit", "kubectl/v1.32.4") == "kubectl-edit"
    assert manager_or_user_agent(None, "kubectl/v1.32.4 (linux/amd64)") == "kubectl"
    assert manager_or_user_agent("", "OpenAPI-Generator/37.0.2/python") == "OpenAPI-Generator"
    assert manager_or_user_agent(None, "a\x00b\u200bc/1") == "abc"  # unprintable dropped
    assert manager_or_user_agent(None, "é" * 100) == "é" * 64  # at most 128 bytes
