"""A cluster stored before ReplicaSets were objects gets them on upgrade, its pods untouched."""

from __future__ import annotations

import random
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, create_engine

from app.core.apiserver import bootstrap
from app.core.apiserver import writes as apiserver
from app.core.model.objects import ClusterConfig
from app.core.model.workspace import Workspace
from app.db.migrate import alembic_config
from app.main import create_app
from app.settings import get_settings
from tests.db.test_migration_upgrades import CLUSTER_VALUES

BEFORE = "7f3c2a91d0be"


def _old_cluster() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A Deployment and its pods as the earlier version stored them (no ReplicaSet row)."""
    ws = Workspace(ClusterConfig(name="old"), rng=random.Random(2))
    bootstrap.system_namespaces(ws)  # only to admit the writes: the rows below carry none
    apiserver.create(ws, "Node", {"metadata": {"name": "node-1"}})
    labels = {"app": "web"}
    template = {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "w", "image": "x"}]},
    }
    spec = {"replicas": 2, "selector": {"matchLabels": labels}, "template": template}
    body = {"metadata": {"name": "web"}, "spec": spec}
    dep = apiserver.create(ws, "Deployment", body)
    dep["metadata"].pop("annotations")
    return dep, [*ws.items("Pod"), *ws.items("Node")]


def test_an_upgrade_writes_the_replica_set_each_deployment_pod_names(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    command.upgrade(alembic_config(database_url), BEFORE)
    dep, others = _old_cluster()
    engine = create_engine(database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        cluster = metadata.tables["cluster"]
        inserted = connection.execute(cluster.insert().values(name="old", **CLUSTER_VALUES))
        assert inserted.inserted_primary_key is not None
        cluster_id = inserted.inserted_primary_key[0]
        rows = metadata.tables["kube_object"]
        for obj in [dep, *others]:
            meta = obj["metadata"]
            connection.execute(rows.insert().values(
                cluster_id=cluster_id, kind=obj["kind"], namespace=meta.get("namespace", ""),
                name=meta["name"], uid=meta["uid"], resource_version=5, body=obj,
            ))  # fmt: skip
    engine.dispose()
    pods = {p["metadata"]["name"]: p for p in others if p["kind"] == "Pod"}
    owner = next(iter(pods.values()))["metadata"]["ownerReferences"][0]
    monkeypatch.setenv("SVCSCOPE_SEED", "false")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:  # the lifespan upgrades to head
        base = "/k8s/old/apis/apps/v1/namespaces/default"
        listed = client.get(f"{base}/replicasets").json()["items"]
        assert [(r["metadata"]["name"], r["metadata"]["uid"]) for r in listed] == [
            (owner["name"], owner["uid"])
        ]
        rs = listed[0]
        assert rs["metadata"]["ownerReferences"][0]["uid"] == dep["metadata"]["uid"]
        assert rs["status"]["replicas"] == 2 and rs["status"]["readyReplicas"] == 2
        deployment = client.get(f"{base}/deployments/web").json()
        assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
        served = client.get("/k8s/old/api/v1/namespaces/default/pods").json()["items"]
        assert {p["metadata"]["name"]: p["status"]["podIP"] for p in served} == {
            name: p["status"]["podIP"] for name, p in pods.items()
        }
        scaled = client.patch(
            f"{base}/deployments/web/scale",
            json={"spec": {"replicas": 3}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert scaled.status_code == 200, scaled.text
        after = client.get("/k8s/old/api/v1/namespaces/default/pods").json()["items"]
        assert set(pods) < {p["metadata"]["name"] for p in after} and len(after) == 3
        assert int(client.get("/api/clusters").json()["items"][0]["resourceVersion"]) > 7
