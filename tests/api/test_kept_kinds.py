"""The kinds svcscope stores without simulating them, through /k8s: create, get, list (also as
a Table), patch, watch, delete, validation with upstream's messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.manifests import KEPT_APP

K8S = "/k8s/demo"
DOCS: dict[str, dict[str, Any]] = {d["kind"]: d for d in yaml.safe_load_all(KEPT_APP)}
# kind → (collection URL, a field to patch in, the Table's header)
CASES = {
    "ServiceAccount": ("api/v1/namespaces/shop/serviceaccounts", ["Name", "Secrets", "Age"]),
    "ConfigMap": ("api/v1/namespaces/shop/configmaps", ["Name", "Data", "Age"]),
    "Secret": ("api/v1/namespaces/shop/secrets", ["Name", "Type", "Data", "Age"]),
    "PersistentVolumeClaim": (
        "api/v1/namespaces/shop/persistentvolumeclaims",
        ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass",
         "VolumeAttributesClass", "Age", "VolumeMode"],
    ),
    "Ingress": (
        "apis/networking.k8s.io/v1/namespaces/shop/ingresses",
        ["Name", "Class", "Hosts", "Address", "Ports", "Age"],
    ),
    "NetworkPolicy": (
        "apis/networking.k8s.io/v1/namespaces/shop/networkpolicies",
        ["Name", "Pod-Selector", "Age"],
    ),
    "HorizontalPodAutoscaler": (
        "apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers",
        ["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"],
    ),
    "PodDisruptionBudget": (
        "apis/policy/v1/namespaces/shop/poddisruptionbudgets",
        ["Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"],
    ),
    "StorageClass": (
        "apis/storage.k8s.io/v1/storageclasses",
        ["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion",
         "Age"],
    ),
}  # fmt: skip
TABLE = {"accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
MERGE = {"content-type": "application/merge-patch+json"}


def make_shop(client: TestClient) -> None:
    made = client.post(f"{K8S}/api/v1/namespaces", json=DOCS["Namespace"])
    assert made.status_code == 201, made.text


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_kept_kind_is_created_read_listed_patched_watched_and_deleted(
    client: TestClient, kind: str
) -> None:
    make_shop(client)
    collection, header = CASES[kind]
    url = f"{K8S}/{collection}"
    name = DOCS[kind]["metadata"]["name"]
    start = client.get(url).json()["metadata"]["resourceVersion"]
    created = client.post(url, json=DOCS[kind])
    assert created.status_code == 201, created.text
    assert created.json()["kind"] == kind and created.json()["metadata"]["uid"]
    assert client.get(f"{url}/{name}").json()["metadata"]["name"] == name
    table = client.get(url, headers=TABLE).json()
    assert [c["name"] for c in table["columnDefinitions"]] == header
    assert name in [row["cells"][0].split(" ")[0] for row in table["rows"]]
    patch = {"metadata": {"labels": {"tier": "kept"}}}
    patched = client.patch(f"{url}/{name}", json=patch, headers=MERGE)
    assert patched.status_code == 200, patched.text
    assert (
        client.get(f"{url}?labelSelector=tier%3Dkept").json()["items"][0]["metadata"]["name"]
        == name
    )
    assert client.get(f"{url}?fieldSelector=metadata.name%3Dnobody").json()["items"] == []
    assert client.delete(f"{url}/{name}").status_code == 200
    assert client.get(f"{url}/{name}").status_code == 404
    lines = client.get(f"{url}?watch=true&resourceVersion={start}&timeoutSeconds=1").text
    events = [json.loads(line) for line in lines.splitlines()]
    seen = [(e["type"], e["object"]["metadata"]["name"]) for e in events]
    assert seen[-3:] == [("ADDED", name), ("MODIFIED", name), ("DELETED", name)]
    assert events[0]["object"]["kind"] == kind


def test_kept_kinds_are_in_discovery_and_openapi(client: TestClient) -> None:
    groups = {g["name"]: g["preferredVersion"]["version"] for g in
              client.get(f"{K8S}/apis").json()["groups"]}  # fmt: skip
    assert groups["autoscaling"] == "v2" and groups["networking.k8s.io"] == "v1"
    core = {r["name"]: r for r in client.get(f"{K8S}/api/v1").json()["resources"]}
    assert core["configmaps"]["shortNames"] == ["cm"] and not core["namespaces"]["namespaced"]
    assert "create" in core["namespaces"]["verbs"]
    index = client.get(f"{K8S}/openapi/v3").json()["paths"]
    assert "apis/autoscaling/v2" in index and "apis/policy/v1" in index
    doc = client.get(f"{K8S}/openapi/v3/apis/networking.k8s.io/v1").json()
    spec = doc["components"]["schemas"]["io.k8s.api.networking.v1.IngressSpec"]
    assert spec["properties"]["rules"]["x-kubernetes-list-type"] == "atomic"
    assert "ingressClassName" in spec["properties"]


def test_a_secret_folds_string_data_checks_base64_and_selects_by_type(
    client: TestClient,
) -> None:
    url = f"{K8S}/api/v1/namespaces/default/secrets"
    made = client.post(url, json={"metadata": {"name": "s"}, "stringData": {"a": "hi"}}).json()
    assert made["data"] == {"a": "aGk="} and made["type"] == "Opaque"
    assert "stringData" not in made
    bad = client.post(url, json={"metadata": {"name": "b"}, "data": {"a": "hi!"}})
    assert bad.status_code == 400
    assert bad.json()["message"] == (
        'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2'
    )
    tls = client.post(url, json={"metadata": {"name": "t"}, "type": "kubernetes.io/tls"})
    assert tls.status_code == 422
    assert tls.json()["message"] == (
        'Secret "t" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]'
    )
    assert [s["metadata"]["name"] for s in
            client.get(f"{url}?fieldSelector=type%3DOpaque").json()["items"]] == ["s"]  # fmt: skip
    refused = client.get(f"{K8S}/api/v1/namespaces/default/configmaps?fieldSelector=data.a%3Db")
    assert refused.status_code == 400
    assert refused.json()["message"] == (
        '"data.a" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )


@pytest.mark.parametrize(
    ("collection", "body", "message"),
    [
        (
            "api/v1/namespaces/default/configmaps",
            {"metadata": {"name": "c"}, "data": {"a b": "x"}},
            'ConfigMap "c" is invalid: data[a b]: Invalid value: "a b": a valid config key must '
            "consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
            "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
        (
            "api/v1/namespaces/default/persistentvolumeclaims",
            {"metadata": {"name": "p"}, "spec": {"accessModes": ["ReadWriteAlways"],
                                                 "resources": {"requests": {"storage": "1Gi"}}}},
            'PersistentVolumeClaim "p" is invalid: spec.accessModes: Unsupported value: '
            '"ReadWriteAlways": supported values: "ReadOnlyMany", "ReadWriteMany", '
            '"ReadWriteOnce", "ReadWriteOncePod"',
        ),
        (
            "apis/networking.k8s.io/v1/namespaces/default/ingresses",
            {"metadata": {"name": "i"}, "spec": {"rules": [{"host": "a.example.com", "http": {
                "paths": [{"path": "/", "backend": {"service": {"name": "api"}}}]}}]}},
            'Ingress.networking.k8s.io "i" is invalid: [spec.rules[0].http.paths[0].pathType: '
            "Required value: pathType must be specified, spec.rules[0].http.paths[0].backend: "
            "Required value: port name or number is required]",
        ),
        (
            "apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
            {"metadata": {"name": "h"}, "spec": {"minReplicas": 3, "maxReplicas": 2,
                                                 "scaleTargetRef": {"kind": "Deployment"}}},
            'HorizontalPodAutoscaler.autoscaling "h" is invalid: [spec.maxReplicas: Invalid '
            "value: 2: must be greater than or equal to `minReplicas`, "
            "spec.scaleTargetRef.name: Required value]",
        ),
        (
            "apis/policy/v1/namespaces/default/poddisruptionbudgets",
            {"metadata": {"name": "d"}, "spec": {"minAvailable": "120%"}},
            'PodDisruptionBudget.policy "d" is invalid: spec.minAvailable: Invalid value: '
            '"120%": must be no more than 100%',
        ),
        (
            "apis/storage.k8s.io/v1/storageclasses",
            {"metadata": {"name": "s"}, "provisioner": "x", "reclaimPolicy": "Recycle"},
            'StorageClass.storage.k8s.io "s" is invalid: reclaimPolicy: Unsupported value: '
            '"Recycle": supported values: "Delete", "Retain"',
        ),
    ],
)  # fmt: skip
def test_invalid_kept_objects_are_refused_with_upstream_text(
    client: TestClient, collection: str, body: dict[str, Any], message: str
) -> None:
    response = client.post(f"{K8S}/{collection}", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["message"] == message
