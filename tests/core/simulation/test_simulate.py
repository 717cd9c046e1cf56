"""The simulator: both engines agree request by request, and the numbers mean what they say."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from app.core.apiserver import writes as apiserver
from app.core.model.fielderrors import ValidationFailed
from app.core.model.objects import ClusterConfig
from app.core.model.workspace import Workspace
from app.core.network.routing import Source
from app.core.simulation.events import parse_events
from app.core.simulation.simulate import Spec, simulate
from app.services.clusters import populate_demo

# expected_share is left out: it is computed from the plans before either engine runs, so two
# engines can never disagree on it (test_expected_share_follows_the_endpoint_lists checks it).
COMPARED = ("outcomes", "by_pod", "by_node", "by_lb_node", "cross_node", "affinity_hits",
            "series")  # fmt: skip


def demo(**config: Any) -> Workspace:
    ws = Workspace(config=ClusterConfig(name="demo", **config), rng=random.Random(1))
    populate_demo(ws, 3, with_backend=True)
    return ws


def set_affinity(ws: Workspace, name: str = "web", timeout: int = 10800) -> None:
    svc = ws.get("Service", "default", name)
    assert svc is not None
    body = {**svc, "spec": {**svc["spec"], "sessionAffinity": "ClientIP",
            "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": timeout}}}}  # fmt: skip
    apiserver.replace(ws, "Service", "default", name, body)


def both(ws: Workspace, spec: Spec) -> tuple[dict[str, Any], dict[str, Any]]:
    vector = simulate(ws, replace(spec, engine="vector"))
    scalar = simulate(ws, replace(spec, engine="scalar"))
    return vector, scalar


def assert_agree(vector: dict[str, Any], scalar: dict[str, Any]) -> None:
    assert vector["engine"] == "vector"
    assert scalar["engine"] == "scalar"
    for key in COMPARED:
        assert vector[key] == scalar[key], key
    assert [s["pod"] for s in vector["sample"]] == [s["pod"] for s in scalar["sample"]]
    assert [s["outcome"] for s in vector["sample"]] == [s["outcome"] for s in scalar["sample"]]
    assert [s["affinity_hit"] for s in vector["sample"]] == [
        s["affinity_hit"] for s in scalar["sample"]
    ]


NODE_DOWN = [{"at": 0.5, "action": "node-down", "node": "node-2"}]
SCENARIOS: dict[str, tuple[dict[str, Any], str, list[dict[str, Any]], bool]] = {
    "iptables load balancer": ({}, "web:80", [], False),
    "nftables node port": ({"proxy_mode": "nftables"}, "192.168.49.4:30080", [], False),
    "ipvs round robin": ({"proxy_mode": "ipvs"}, "web:80", [], False),
    "iptables affinity": ({}, "web:80", [], True),
    "ipvs persistence": ({"proxy_mode": "ipvs"}, "web:80", [], True),
    "metallb": ({"provider": "metallb-l2"}, "web:80", [], False),
    "no provider": ({"provider": "none"}, "web:80", [], False),
    "node goes down": ({}, "web:80", NODE_DOWN, False),
    "affinity and a node going down": ({}, "web:80", NODE_DOWN, True),
    "scale and local policy": (
        {},
        "web:80",
        [
            {
                "at": 0.3,
                "action": "set-external-traffic-policy",
                "service": "web",
                "value": "Local",
            },
            {"at": 0.6, "action": "scale", "deployment": "frontend", "replicas": 1},
            {"at": 0.9, "action": "scale", "deployment": "frontend", "replicas": 4},
        ],
        False,
    ),
    "pod flaps with affinity on": (
        {},
        "web:80",
        [
            {"at": 0.2, "action": "set-session-affinity", "service": "web", "value": "ClientIP"},
            {"at": 0.4, "action": "pod-not-ready", "pod": "POD0"},
            {"at": 0.7, "action": "pod-ready", "pod": "POD0"},
        ],
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_vector_engine_decides_exactly_as_route_does(name: str) -> None:
    config, destination, raw_events, affinity = SCENARIOS[name]
    ws = demo(**config)
    if affinity:
        set_affinity(ws, timeout=1)
    first_pod = sorted(p["metadata"]["name"] for p in ws.items("Pod", "default")
                       if p["metadata"]["labels"].get("app") == "frontend")[0]  # fmt: skip
    for event in raw_events:
        if event.get("pod") == "POD0":
            event["pod"] = first_pod
    spec = Spec(destination=destination, requests=1500, clients=7, rate=1000, seed=11,
                sample=25, events=tuple(parse_events(raw_events)))  # fmt: skip
    vector, scalar = both(ws, spec)
    assert_agree(vector, scalar)
    assert vector["total"] == 1500


def test_from_a_pod_to_a_cluster_ip_both_engines_agree() -> None:
    ws = demo()
    pod = next(p for p in ws.items("Pod", "default") if p["metadata"]["name"].startswith("front"))
    source = Source.pod("default", pod["metadata"]["name"])
    vector, scalar = both(ws, Spec(destination="backend:80", source=source, requests=800))
    assert_agree(vector, scalar)
    assert vector["clients"] == 1
    assert vector["by_lb_node"] == {}


def test_a_large_run_splits_evenly_by_the_rules() -> None:
    result = simulate(demo(), Spec(destination="web:80", requests=200_000, seed=3, sample=0))
    assert result["engine"] == "vector"
    assert result["outcomes"]["delivered"] == 200_000
    assert result["degrees_of_freedom"] == 2
    assert result["p_value"] > 0.001
    assert sum(result["expected_share"].values()) == pytest.approx(1.0, abs=1e-5)
    # ETP Cluster from 3 nodes to 3 pods, one per node: two thirds cross nodes.
    assert result["cross_node"] / 200_000 == pytest.approx(2 / 3, abs=0.01)


def test_expected_share_follows_the_endpoint_lists() -> None:
    # ETP Local, 4 frontend pods on 3 nodes: the cloud load balancer spreads over the nodes
    # with local endpoints, and each node's kube-proxy over its own pods only
    # (pkg/proxy/topology.go CategorizeEndpoints), so a pod's share is 1/3 divided by the
    # number of frontend pods on its node - not the 1/4 a cluster-wide spread would give.
    events = tuple(parse_events([
        {"at": 0, "action": "set-external-traffic-policy", "service": "web", "value": "Local"},
        {"at": 0, "action": "scale", "deployment": "frontend", "replicas": 4},
    ]))  # fmt: skip
    result = simulate(demo(), Spec(destination="web:80", requests=30_000, seed=3, sample=0,
                                   events=events))  # fmt: skip
    per_node = Counter(result["pod_nodes"].values())
    assert sorted(per_node.values()) == [1, 1, 2]  # the scheduler spread 4 pods over 3 nodes
    want = {pod: round(1 / 3 / per_node[node], 6) for pod, node in result["pod_nodes"].items()}
    assert result["expected_share"] == want
    assert result["p_value"] > 0.001  # and the observed split agrees with it


def test_affinity_lives_in_each_node_so_one_client_can_reach_several_pods() -> None:
    ws = demo()
    set_affinity(ws)
    result = simulate(ws, Spec(destination="web:80", requests=3000, clients=1, seed=5))
    assert len(result["by_lb_node"]) == 3
    assert len(result["by_pod"]) > 1  # the surprise: stickiness is per node, not per cluster
    assert result["affinity_hits"] == 3000 - 3  # one fresh pick per node, then sticky
    web = ws.get("Service", "default", "web")
    assert web is not None
    node_port = web["spec"]["ports"][0]["nodePort"]
    via_one_node = simulate(
        ws, Spec(destination=f"192.168.49.3:{node_port}", requests=500, clients=1, seed=5)
    )
    assert len(via_one_node["by_pod"]) == 1
    assert via_one_node["affinity_hits"] == 499


def test_affinity_expires_after_the_idle_timeout() -> None:
    ws = demo()
    set_affinity(ws, timeout=1)
    # A request every 1000 s on average against a 1 s timeout: stickiness almost never holds.
    slow = simulate(ws, Spec(destination="web:80", requests=300, clients=1, rate=0.001, seed=2))
    assert slow["affinity_hits"] <= 3
    fast = simulate(ws, Spec(destination="web:80", requests=300, clients=1, rate=1000, seed=2))
    assert fast["affinity_hits"] == 297


def test_without_a_provider_every_request_is_unreachable() -> None:
    result = simulate(demo(provider="none"), Spec(destination="web:80", requests=100))
    assert result["outcomes"]["unreachable"] == 100
    assert result["sample"][0]["outcome"] == "unreachable"


def test_a_node_going_down_moves_traffic_off_its_pod() -> None:
    events = tuple(parse_events([{"at": 5.0, "action": "node-down", "node": "node-1"}]))
    result = simulate(demo(), Spec(destination="web:80", requests=10_000, rate=1000, events=events))
    assert result["events"][0]["description"] == "t=5s node-down node-1"
    late = [row for row in result["series"] if row["t"] >= 5.2]
    assert late and all("node-1" not in row["by_node"] for row in late)
    early = [row for row in result["series"] if row["t"] < 4.8]
    assert any("node-1" in row["by_node"] for row in early)


def test_ipvs_least_connection_runs_on_the_scalar_engine() -> None:
    result = simulate(demo(proxy_mode="ipvs", ipvs_scheduler="lc"),
                      Spec(destination="web:80", requests=600))  # fmt: skip
    assert result["engine"] == "scalar"
    assert result["outcomes"]["delivered"] == 600


def test_sample_paths_have_the_route_contract_and_their_time() -> None:
    result = simulate(demo(), Spec(destination="web:80", requests=1000, sample=10))
    assert len(result["sample"]) == 10
    first = result["sample"][0]
    assert {"outcome", "reason", "hops", "pod", "t", "client", "request"} <= set(first)
    assert first["hops"][0]["kind"] == "client"


def test_bad_events_are_field_errors() -> None:
    with pytest.raises(ValidationFailed) as bad:
        parse_events([{"at": -1, "action": "node-down", "node": "x"}, {"at": 1, "action": "nap"}])
    fields = [e.field for e in bad.value.errors]
    assert fields == ["events[0].at", "events[1].action"]
    with pytest.raises(ValidationFailed) as missing:
        simulate(demo(), Spec(destination="web:80", requests=10,
                              events=tuple(parse_events([{"at": 0, "action": "node-down",
                                                          "node": "ghost"}]))))  # fmt: skip
    assert missing.value.errors[0].field == "events[0]"


def test_chunking_for_the_progress_bar_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    ws = demo(proxy_mode="ipvs")
    set_affinity(ws, timeout=1)
    spec = Spec(destination="web:80", requests=5000, clients=9, seed=4, sample=5)
    whole = simulate(ws, spec)
    monkeypatch.setattr("app.core.simulation.simulate.VECTOR_CHUNK", 97)
    ticks: list[float] = []
    chunked = simulate(ws, spec, progress=ticks.append)
    assert len(ticks) == 52 and ticks[-1] == 1.0
    for key in (*COMPARED, "sample"):
        assert chunked[key] == whole[key], key


def test_a_very_slow_run_still_has_a_short_series() -> None:
    result = simulate(demo(), Spec(destination="web:80", requests=2000, rate=0.001, sample=0))
    assert result["duration"] > 1e6
    assert len(result["series"]) <= 61
