"""The snapshot cache: reused while the cluster row is unchanged, never stale after a write."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.model.objects import ClusterState
from app.core.model.workspace import Workspace
from app.db import repo, snapshots
from app.db.session import get_engine
from app.web import panel


def current(name: str) -> tuple[Workspace, ClusterState]:
    with Session(get_engine()) as session:
        return snapshots.snapshot(session, repo.get_cluster(session, name))


def test_an_unchanged_cluster_is_read_once_and_a_write_is_seen(client: TestClient) -> None:
    first = current("demo")
    assert current("demo") is first
    created = client.post(
        "/k8s/demo/api/v1/namespaces/default/services",
        json={"metadata": {"name": "x"}, "spec": {"ports": [{"port": 80}]}},
    )
    assert created.status_code == 201
    after = current("demo")
    assert after is not first
    assert any(s.name == "x" for s in after[1].services)


def test_changing_the_cluster_settings_is_seen(client: TestClient) -> None:
    before = client.get("/api/clusters/demo/topology").json()["load_balancers"][0]
    assert not before["pending"]
    assert client.patch("/api/clusters/demo", json={"provider": "none"}).status_code == 200
    after = client.get("/api/clusters/demo/topology").json()["load_balancers"][0]
    assert after["pending"] and "provider none" in after["note"]


def test_the_cache_keeps_few_big_snapshots(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "MAX_OBJECTS", 1)
    current("demo")
    newest = current("bare-metal")
    assert len(snapshots._snapshots) == 1
    (kept,) = snapshots._snapshots.values()
    assert kept is newest and kept[0].config.name == "bare-metal"  # the newest one stays
    assert current("bare-metal") is newest  # and is still served from the cache


def test_a_huge_rule_set_is_linked_not_rendered(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(panel, "RULES_INLINE_MAX", 1)
    html = client.get("/clusters/demo/panel", params={"sel": "node:node-2"}).text
    assert 'href="/api/clusters/demo/nodes/node-2/proxy-rules"' in html
    assert "KUBE-SERVICES" not in html
