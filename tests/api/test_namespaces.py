"""Namespaces as objects: the system ones exist, writes into a missing one are 404, deleting
one marks it Terminating and its content goes a moment later, a Terminating one refuses new
content, the system ones stay."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi.testclient import TestClient

from app.services import objects
from tests.conftest import app_client
from tests.manifests import APP, KEPT_APP

K8S = "/k8s/demo/api/v1"
YAML = {"content-type": "application/yaml"}


def names(client: TestClient, url: str) -> list[str]:
    return [o["metadata"]["name"] for o in client.get(url).json()["items"]]


def namespace(name: str, **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, **meta}}


def test_every_cluster_has_the_system_namespaces_each_with_a_default_service_account(
    client: TestClient,
) -> None:
    assert names(client, f"{K8S}/namespaces") == [
        "default", "kube-node-lease", "kube-public", "kube-system"]  # fmt: skip
    listed = client.get(f"{K8S}/serviceaccounts").json()["items"]
    assert sorted((s["metadata"]["namespace"], s["metadata"]["name"]) for s in listed) == [
        (ns, "default") for ns in ("default", "kube-node-lease", "kube-public", "kube-system")
    ]
    ns = client.get(f"{K8S}/namespaces/default").json()
    assert ns["status"] == {"phase": "Active"} and ns["spec"] == {"finalizers": ["kubernetes"]}
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "default"}


def test_a_write_into_a_missing_namespace_is_not_found(client: TestClient) -> None:
    body = {"metadata": {"name": "c"}, "data": {"a": "b"}}
    refused = client.post(f"{K8S}/namespaces/nowhere/configmaps", json=body)
    assert refused.status_code == 404
    assert refused.json()["message"] == 'namespaces "nowhere" not found'
    assert refused.json()["details"] == {"name": "nowhere", "kind": "namespaces"}
    assert "nowhere" not in names(client, f"{K8S}/namespaces")


def gone(client: TestClient, url: str, timeout: float = 15.0) -> None:
    """Poll until `url` answers 404: the namespace controller's step runs on a timer."""
    deadline = time.monotonic() + timeout
    while client.get(url).status_code != 404:
        assert time.monotonic() < deadline, f"{url} still there after {timeout} s"
        time.sleep(0.1)


def test_a_created_namespace_gets_its_service_account_and_deleting_it_deletes_its_content(
    client: TestClient,
) -> None:
    assert client.post(f"{K8S}/namespaces", json=namespace("shop")).status_code == 201
    assert names(client, f"{K8S}/namespaces/shop/serviceaccounts") == ["default"]
    imported = client.post("/api/clusters/demo/manifests", content=APP.replace(
        "{name: api}", "{name: api, namespace: shop}"), headers=YAML)  # fmt: skip
    assert imported.status_code == 200, imported.text
    assert len(names(client, f"{K8S}/namespaces/shop/pods")) == 2
    start = int(client.get(f"{K8S}/services").json()["metadata"]["resourceVersion"])
    deleted = client.delete(f"{K8S}/namespaces/shop")
    assert deleted.status_code == 200
    assert deleted.json()["status"] == {"phase": "Terminating"}
    assert deleted.json()["spec"] == {"finalizers": ["kubernetes"]}
    assert deleted.json()["metadata"]["deletionTimestamp"]
    # Terminating, as upstream until the namespace controller's turn: content stays, reads and
    # deletes of it succeed (kubectl delete -f with the Namespace first), creates are 403.
    assert client.get(f"{K8S}/namespaces/shop").json()["status"] == {"phase": "Terminating"}
    assert names(client, f"{K8S}/namespaces/shop/services") == ["api"]
    assert client.delete(f"{K8S}/namespaces/shop/services/api").status_code == 200
    refused = client.post(f"{K8S}/namespaces/shop/configmaps", json={"metadata": {"name": "c"}})
    assert refused.status_code == 403
    gone(client, f"{K8S}/namespaces/shop")
    for resource in ("pods", "services", "serviceaccounts", "endpoints", "events"):
        assert names(client, f"{K8S}/namespaces/shop/{resource}") == []
    assert names(client, "/k8s/demo/apis/apps/v1/namespaces/shop/deployments") == []
    watched = client.get(f"{K8S}/namespaces?watch=true&resourceVersion={start}&timeoutSeconds=1")
    changes = [json.loads(line) for line in watched.text.splitlines()]
    assert [(e["type"], e["object"]["status"]["phase"]) for e in changes] == [
        ("MODIFIED", "Terminating"),
        ("DELETED", "Terminating"),
    ]
    watched = client.get(
        f"{K8S}/namespaces/shop/pods?watch=true&resourceVersion={start}&timeoutSeconds=1"
    )
    assert [json.loads(line)["type"] for line in watched.text.splitlines()] == ["DELETED"] * 2


def test_the_system_namespaces_may_not_be_deleted(client: TestClient) -> None:
    for name in ("default", "kube-system", "kube-public"):
        refused = client.delete(f"{K8S}/namespaces/{name}")
        assert refused.status_code == 403
        assert refused.json()["message"] == (
            f'namespaces "{name}" is forbidden: this namespace may not be deleted'
        )
    assert len(names(client, f"{K8S}/namespaces/kube-system/pods")) == 2


def test_a_terminating_namespace_refuses_new_content_until_its_finalizers_go(
    client: TestClient,
) -> None:
    held = namespace("held", finalizers=["example.com/hold"])
    assert client.post(f"{K8S}/namespaces", json=held).status_code == 201
    client.delete(f"{K8S}/namespaces/held")
    stored = client.get(f"{K8S}/namespaces/held").json()
    assert stored["status"]["phase"] == "Terminating"
    refused = client.post(f"{K8S}/namespaces/held/configmaps", json={"metadata": {"name": "c"}})
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        'configmaps "c" is forbidden: unable to create new content in namespace held because '
        "it is being terminated"
    )
    release = {"metadata": {"finalizers": None}}
    patched = client.patch(
        f"{K8S}/namespaces/held", json=release,
        headers={"content-type": "application/merge-patch+json"},
    )  # fmt: skip
    assert patched.status_code == 200, patched.text
    gone(client, f"{K8S}/namespaces/held")  # once the namespace controller drops its own


def test_the_default_service_account_comes_back_when_deleted(client: TestClient) -> None:
    url = f"{K8S}/namespaces/default/serviceaccounts/default"
    uid = client.get(url).json()["metadata"]["uid"]
    assert client.delete(url).status_code == 200
    assert client.get(url).json()["metadata"]["uid"] != uid


def test_an_import_sorts_namespaces_first_and_accepts_every_kept_kind(
    client: TestClient,
) -> None:
    first = client.post("/api/clusters/demo/manifests", content=KEPT_APP, headers=YAML)
    assert first.status_code == 200, first.text
    items = first.json()["items"]
    assert {i["kind"] for i in items} == {
        "Namespace", "ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim",
        "Ingress", "NetworkPolicy", "HorizontalPodAutoscaler", "PodDisruptionBudget",
        "StorageClass"}  # fmt: skip
    assert all(i["action"] == "created" and not i["note"] for i in items)
    again = client.post("/api/clusters/demo/manifests", content=KEPT_APP, headers=YAML)
    assert {i["action"] for i in again.json()["items"]} == {"unchanged"}
    exported = client.get("/api/clusters/demo/manifests").text
    assert "kind: Ingress" in exported and "kind: Namespace" in exported


def test_stopping_the_app_drops_a_pending_finalizer_and_the_next_write_makes_it_up(
    database_url: str,
) -> None:
    """A timer that fired after shutdown would open a connection on a disposed engine."""
    with app_client(seed=True) as client:
        assert client.post(f"{K8S}/namespaces", json=namespace("shop")).status_code == 201
        assert client.delete(f"{K8S}/namespaces/shop").status_code == 200
        pending = list(objects._timers)
        assert pending
    assert not any(timer.is_alive() for timer in pending)
    assert not objects._timers
    with app_client(seed=False) as client:
        assert client.get(f"{K8S}/namespaces/shop").json()["status"] == {"phase": "Terminating"}
        deadline = time.monotonic() + 15
        for attempt in range(1000):  # due 2 s after the DELETE; a write runs what is due
            if client.get(f"{K8S}/namespaces/shop").status_code == 404:
                break
            assert time.monotonic() < deadline, "the namespace was never finalized"
            body = {"metadata": {"name": f"c{attempt}"}, "data": {"a": "b"}}
            assert client.post(f"{K8S}/namespaces/default/configmaps", json=body).is_success
            time.sleep(0.2)
