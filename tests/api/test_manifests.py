"""Manifest import (all or nothing, dry run) and export (round trip)."""

from __future__ import annotations

import yaml
from fastapi.testclient import TestClient

from tests.manifests import APP as BASE_APP

URL = "/api/clusters/demo/manifests"
APP = BASE_APP.replace("{name: api}", "{name: api, namespace: shop}")
YAML = {"content-type": "application/yaml"}


def _names(client: TestClient, path: str) -> list[str]:
    return [o["metadata"]["name"] for o in client.get(path).json()["items"]]


def test_an_import_creates_every_object_and_a_second_one_changes_nothing(
    client: TestClient,
) -> None:
    first = client.post(URL, content=APP, headers=YAML)
    assert first.status_code == 200, first.text
    assert [(i["kind"], i["action"]) for i in first.json()["items"]] == [
        ("Namespace", "created"),
        ("Deployment", "created"),
        ("Service", "created"),
    ]
    implicit = first.json()["items"][0]
    assert implicit["name"] == "shop" and "does not define it" in implicit["note"]
    assert len(_names(client, "/k8s/demo/api/v1/namespaces/shop/pods")) == 2
    version = client.get("/k8s/demo/api/v1/namespaces/shop/services/api").json()["metadata"]
    second = client.post(URL, content=APP, headers=YAML)
    assert second.status_code == 200, second.text
    assert [i["action"] for i in second.json()["items"]] == ["unchanged", "unchanged"]
    again = client.get("/k8s/demo/api/v1/namespaces/shop/services/api").json()["metadata"]
    assert again["resourceVersion"] == version["resourceVersion"]
    changed = client.post(URL, content=APP.replace("replicas: 2", "replicas: 3"), headers=YAML)
    assert changed.status_code == 200, changed.text
    assert [i["action"] for i in changed.json()["items"]] == ["configured", "unchanged"]


def test_a_dry_run_reports_without_storing(client: TestClient) -> None:
    response = client.post(f"{URL}?dryRun=All", content=APP, headers=YAML)
    assert response.status_code == 200
    assert response.json()["dryRun"] is True
    assert client.get("/k8s/demo/api/v1/namespaces/shop/services/api").status_code == 404


def test_one_bad_document_stores_nothing_and_names_the_document(client: TestClient) -> None:
    bad = APP + "---\napiVersion: v1\nkind: Service\nmetadata: {name: bad}\n"
    bad += "spec: {type: NodePort, ports: [{port: 80, nodePort: 80}]}\n"
    response = client.post(URL, content=bad, headers=YAML)
    assert response.status_code == 422
    status = response.json()
    assert status["kind"] == "Status"
    assert status["details"]["causes"] == [
        {
            "reason": "Invalid",
            "message": "Invalid value: 80: provided port is not in the valid range. "
            "The range of valid ports is 30000-32767",
            "field": "documents[2].spec.ports[0].nodePort",
        }
    ]
    assert client.get("/k8s/demo/api/v1/namespaces/shop/services/api").status_code == 404
    assert _names(client, "/k8s/demo/api/v1/namespaces/shop/pods") == []


def test_unknown_kinds_and_broken_yaml_are_rejected(client: TestClient) -> None:
    job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\n"
    response = client.post(URL, content=job, headers=YAML)
    assert response.status_code == 422
    assert 'no matches for kind "Job" in version "batch/v1"' in response.json()["message"]
    broken = client.post(URL, content="a: [1, 2\n", headers=YAML)
    assert broken.status_code == 400
    assert broken.json()["message"].startswith("error converting YAML to JSON")


def test_a_yaml_alias_bomb_is_refused_quickly(client: TestClient) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    response = client.post(URL, content="\n".join(lines) + "\n", headers=YAML)
    assert response.status_code == 400
    assert "aliases" in response.json()["message"]


def test_an_export_imports_into_a_fresh_cluster_unchanged(client: TestClient) -> None:
    client.post(URL, content=APP, headers=YAML)
    exported = client.get(URL)
    assert exported.headers["content-type"].startswith("application/yaml")
    docs = list(yaml.safe_load_all(exported.text))
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("Service", "web") in kinds and ("Deployment", "api") in kinds
    assert not any(d["kind"] == "Pod" for d in docs)  # the Deployments re-create them
    assert client.post("/api/clusters", json={"name": "copy", "nodes": 3}).status_code == 201
    imported = client.post("/api/clusters/copy/manifests", content=exported.text, headers=YAML)
    assert imported.status_code == 200, imported.text
    assert client.get("/api/clusters/copy/manifests").text == exported.text


def test_five_hundred_objects_land_in_one_transaction(empty_client: TestClient) -> None:
    assert empty_client.post("/api/clusters", json={"name": "big", "nodes": 3}).status_code == 201
    docs = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"svc-{i}"},
            "spec": {"type": "NodePort", "selector": {"app": "x"}, "ports": [{"port": 80}]},
        }
        for i in range(500)
    ]
    # One transaction: with a 501st document that is invalid, none of the 500 is stored.
    bad = {**docs[0], "metadata": {"name": "svc-bad"},
           "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]}}  # fmt: skip
    refused = empty_client.post(
        "/api/clusters/big/manifests", content=yaml.safe_dump_all([*docs, bad]), headers=YAML
    )
    assert refused.status_code == 422, refused.text
    before = empty_client.get("/k8s/big/api/v1/namespaces/default/services").json()["items"]
    assert [s["metadata"]["name"] for s in before] == ["kubernetes"]
    text = yaml.safe_dump_all(docs)
    response = empty_client.post("/api/clusters/big/manifests", content=text, headers=YAML)
    assert response.status_code == 200, response.text
    services = empty_client.get("/k8s/big/api/v1/namespaces/default/services").json()["items"]
    assert len(services) == 501
    ports = [s["spec"]["ports"][0]["nodePort"] for s in services if s["spec"]["type"] == "NodePort"]
    assert len(set(ports)) == 500
