"""The snapshot cache: reused while the cluster row is unchanged, never stale after a write."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.model.objects import ClusterState
from app.core.model.workspace import Workspace
from app.db import repo, snapshots, watchcache
from app.db.session import get_engine
from app.web import panel


def current(name: str) -> tuple[Workspace, ClusterState]:
    with Session(get_engine()) as session:
        return snapshots.snapshot(session, repo.get_cluster(session, name))


def test_an_unchanged_cluster_is_read_once_and_a_write_is_seen(client: TestClient) -> None:
    first = current("demo")[1]
    assert current("demo")[1] is first
    created = client.post(
        "/k8s/demo/api/v1/namespaces/default/services",
        json={"metadata": {"name": "x"}, "spec": {"ports": [{"port": 80}]}},
    )
    assert created.status_code == 201
    after = current("demo")[1]
    assert after is not first
    assert any(s.name == "x" for s in after.services)


def test_a_write_rebuilds_only_what_it_changed(client: TestClient) -> None:
    """The typed objects a write did not touch are the very same objects afterwards."""
    before = current("demo")[1]
    created = client.post(
        "/k8s/demo/api/v1/namespaces/default/services",
        json={"metadata": {"name": "y"}, "spec": {"ports": [{"port": 80}]}},
    )
    assert created.status_code == 201
    after = current("demo")[1]
    assert after.pods and all(a is b for a, b in zip(after.pods, before.pods, strict=True))
    assert all(a is b for a, b in zip(after.nodes, before.nodes, strict=True))
    assert len(after.services) == len(before.services) + 1


def test_changing_the_cluster_settings_is_seen(client: TestClient) -> None:
    before = client.get("/api/clusters/demo/topology").json()["load_balancers"][0]
    assert not before["pending"]
    assert client.patch("/api/clusters/demo", json={"provider": "none"}).status_code == 200
    after = client.get("/api/clusters/demo/topology").json()["load_balancers"][0]
    assert after["pending"] and "provider none" in after["note"]


def test_the_cache_keeps_few_big_clusters(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watchcache, "MAX_OBJECTS", 1)
    watchcache.clear()
    current("demo")
    newest = current("bare-metal")[1]
    assert [e.base.config.name for e in watchcache._entries.values()] == ["bare-metal"]
    assert current("bare-metal")[1] is newest  # the newest one stays, served from memory


def test_a_huge_rule_set_is_linked_not_rendered(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(panel, "RULES_INLINE_MAX", 1)
    html = client.get("/clusters/demo/panel", params={"sel": "node:node-2"}).text
    assert 'href="/api/clusters/demo/nodes/node-2/proxy-rules"' in html
    assert "KUBE-SERVICES" not in html
