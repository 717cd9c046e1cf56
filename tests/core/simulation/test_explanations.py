"""A run's failures come with their reasons, counted, in both engines alike."""

from __future__ import annotations

import pytest

from app.core.apiserver import writes as apiserver
from app.core.controllers.snapshot import cluster_state
from app.core.model.workspace import Workspace
from app.core.network.routing import Source
from app.core.simulation.simulate import Spec, simulate
from tests.core.simulation.test_simulate import demo


@pytest.mark.parametrize("engine", ["vector", "scalar"])
def test_a_cluster_ip_from_outside_is_explained_once_for_every_request(engine: str) -> None:
    spec = Spec(destination="backend.default:80", requests=500, engine=engine, sample=0)
    result = simulate(demo(), spec)
    assert result["outcomes"]["unreachable"] == 500
    (why,) = result["explanations"]
    assert why["requests"] == 500 and why["outcome"] == "unreachable"
    assert "reachable only from inside the cluster" in why["instead"]


def _frontend_local_on_one_node() -> tuple[Workspace, str]:
    ws = demo()
    dep = ws.get("Deployment", "default", "frontend")
    svc = ws.get("Service", "default", "frontend")
    assert dep is not None and svc is not None
    apiserver.replace(ws, "Deployment", "default", "frontend",
                      {**dep, "spec": {**dep["spec"], "replicas": 1}})  # fmt: skip
    body = {**svc, "spec": {**svc["spec"], "externalTrafficPolicy": "Local"}}
    apiserver.replace(ws, "Service", "default", "frontend", body)
    (pod,) = [p for p in cluster_state(ws).pods if p.name.startswith("frontend")]
    return ws, pod.node_name


def test_engines_agree_on_the_explanations_of_a_local_policy() -> None:
    ws, home = _frontend_local_on_one_node()
    state = cluster_state(ws)
    away = next(n for n in state.nodes if n.name != home)
    dest = f"{away.internal_ip}:30080"
    runs = [simulate(ws, Spec(destination=dest, requests=2000, engine=e, sample=0,
                              source=Source.external()))
            for e in ("vector", "scalar")]  # fmt: skip
    assert runs[0]["explanations"] == runs[1]["explanations"]
    (why,) = runs[0]["explanations"]
    assert why["outcome"] == "dropped" and why["requests"] == 2000
    assert f"({home})" in why["instead"] and "externalTrafficPolicy: Cluster" in why["instead"]


def test_a_delivered_run_has_no_explanations() -> None:
    result = simulate(demo(), Spec(destination="web:80", requests=300, sample=0))
    assert result["explanations"] == []
