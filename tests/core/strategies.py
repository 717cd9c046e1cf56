"""Hypothesis strategies that build random, already-defaulted clusters from Kubernetes JSON.

Small on purpose (≤4 nodes, ≤8 pods, ≤3 Services) so that every shrunk counterexample is
readable, yet rich enough to mix every policy, provider, proxy mode and pod state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from app.core.model.objects import ClusterConfig, ClusterState
from tests.core.builders import Manifest, cluster, node, pod, port, service

APPS = ("a", "b")


@dataclass(frozen=True)
class RandomCluster:
    state: ClusterState
    service_names: tuple[str, ...]
    node_names: tuple[str, ...]
    pod_names: tuple[str, ...]


@st.composite
def _pods(draw: st.DrawFn, node_names: list[str]) -> list[Manifest]:
    count = draw(st.integers(0, 8))
    pods = []
    for i in range(count):
        node_index = draw(st.integers(0, len(node_names) - 1))
        phase = draw(st.sampled_from(["Running"] * 6 + ["Pending", "Succeeded"]))
        http = draw(st.sampled_from([8080, 9090]))
        pods.append(
            pod(
                f"p{i}",
                node_names[node_index],
                "" if phase == "Pending" else f"10.244.{node_index}.{i + 10}",
                labels={"app": draw(st.sampled_from(APPS))},
                ready=draw(st.booleans()) if phase == "Running" else False,
                phase=phase,
                terminating=draw(st.booleans()) and draw(st.booleans()),
                ports=[("http", http, "TCP")] if draw(st.booleans()) else [],
            )
        )
    return pods


@st.composite
def _service(draw: st.DrawFn, i: int, provider: str) -> Manifest:
    type_ = draw(st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer"]))
    named = draw(st.booleans())
    node_port = 30100 + i if type_ != "ClusterIP" else None
    extra: dict[str, Any] = {}
    if type_ == "LoadBalancer":
        if provider != "none":
            extra["lb_ingress"] = [f"203.0.113.{100 + i}"]
        extra["etp"] = draw(st.sampled_from(["Cluster", "Local"]))
        if extra["etp"] == "Local":
            extra["hcnp"] = 32000 + i
    elif type_ == "NodePort":
        extra["etp"] = draw(st.sampled_from(["Cluster", "Local"]))
    if draw(st.booleans()):
        extra["affinity_timeout"] = draw(st.sampled_from([10, 10800]))
    if draw(st.integers(0, 4)) == 0:
        extra["traffic_distribution"] = "PreferClose"
    return service(
        f"s{i}",
        f"10.96.0.{10 + i}",
        [port(80, "http" if named else 8080, name="web", node_port=node_port)],
        type_=type_,
        selector={"app": draw(st.sampled_from(APPS))},
        itp=draw(st.sampled_from(["Cluster", "Cluster", "Local"])),
        publish_not_ready=draw(st.integers(0, 5)) == 0,
        **extra,
    )


@st.composite
def clusters(draw: st.DrawFn) -> RandomCluster:
    provider = draw(st.sampled_from(["cloud", "metallb-l2", "none"]))
    mode = draw(st.sampled_from(["iptables", "nftables", "ipvs"]))
    scheduler = draw(st.sampled_from(["rr", "lc", "sh", "dh", "sed", "nq"]))
    node_count = draw(st.integers(1, 4))
    node_names = [f"n{i}" for i in range(node_count)]
    nodes = [
        node(
            name,
            f"192.168.49.{i + 2}",
            zone=f"zone-{i % 2}",
            ready=i == 0 or draw(st.integers(0, 3)) > 0,
            cidr=f"10.244.{i}.0/24",
        )
        for i, name in enumerate(node_names)
    ]
    pods = draw(_pods(node_names))
    services = [draw(_service(i, provider)) for i in range(draw(st.integers(1, 3)))]
    config = ClusterConfig(
        name="random", provider=provider, proxy_mode=mode, ipvs_scheduler=scheduler
    )
    state = cluster(nodes=nodes, pods=pods, services=services, config=config)
    return RandomCluster(
        state,
        tuple(s["metadata"]["name"] for s in services),
        tuple(node_names),
        tuple(p["metadata"]["name"] for p in pods),
    )
