"""A StatefulSet pod's own DNS name (`<hostname>.<service>.<namespace>`) through its headless
Service, built through the write path as a real cluster would hold it."""

from __future__ import annotations

import random

from app.core.apiserver import bootstrap
from app.core.apiserver import writes as apiserver
from app.core.controllers.snapshot import cluster_state
from app.core.model.objects import ClusterConfig, ClusterState
from app.core.model.workspace import Workspace
from app.core.network.routing import Source, route


def _shop() -> tuple[Workspace, ClusterState]:
    ws = Workspace(ClusterConfig(name="t"), rng=random.Random(5))
    bootstrap.system_namespaces(ws)
    apiserver.create(ws, "Namespace", {"metadata": {"name": "shop"}})
    for i in (1, 2, 3):
        apiserver.create(ws, "Node", {"metadata": {"name": f"node-{i}"}})
    labels = {"app": "db"}
    apiserver.create(
        ws,
        "Service",
        {
            "metadata": {"name": "db"},
            "spec": {"clusterIP": "None", "selector": labels, "ports": [{"port": 5432}]},
        },
        "shop",
    )
    template = {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "pg", "image": "postgres:17"}]},
    }
    sts = {
        "metadata": {"name": "db"},
        "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": labels},
                 "template": template},
    }  # fmt: skip
    apiserver.create(ws, "StatefulSet", sts, "shop")
    apiserver.create(
        ws,
        "Pod",
        {"metadata": {"name": "client"}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
        "shop",
    )
    return ws, cluster_state(ws)


def _ip(ws: Workspace, name: str) -> str:
    pod = ws.get("Pod", "shop", name)
    assert pod is not None
    return str(pod["status"]["podIP"])


def test_a_stateful_set_pods_own_name_reaches_that_pod_every_time() -> None:
    ws, state = _shop()
    client = Source.pod("shop", "client")
    for host in ("db-1.db.shop", "db-1.db", "db-1.db.shop.svc", "db-1.db.shop.svc.cluster.local"):
        for seed in range(5):
            path = route(state, client, f"{host}:5432", seed)
            assert path.outcome == "delivered", (host, path.reason)
            assert path.pod is not None and path.pod.name == "db-1", host
            assert path.hops[-1].dst.startswith(_ip(ws, "db-1")), host


def test_the_service_name_still_spreads_over_every_pod() -> None:
    _, state = _shop()
    reached = {route(state, Source.pod("shop", "client"), "db.shop:5432", s).pod for s in range(40)}
    assert {p.name for p in reached if p is not None} == {"db-0", "db-1", "db-2"}


def test_a_pod_name_that_is_not_a_ready_endpoint_does_not_resolve() -> None:
    ws, _ = _shop()
    apiserver.set_ready(ws, "Pod", "shop", "db-2", False)
    path = route(cluster_state(ws), Source.pod("shop", "client"), "db-2.db.shop:5432", 1)
    assert path.outcome == "unreachable" and "NXDOMAIN" in path.reason
    missing = route(cluster_state(ws), Source.pod("shop", "client"), "db-7.db.shop:5432", 1)
    assert missing.outcome == "unreachable"
