"""Every request that is not delivered says why and what would work instead.

The texts follow Kubernetes semantics (docs "Service"; k/k pkg/proxy/iptables/proxier.go for
the REJECT/DROP verdicts): a ClusterIP is in-cluster only, a nodePort is open on every node,
a Local policy needs an endpoint on the node, a pending LoadBalancer still has its nodePorts.
"""

from __future__ import annotations

import itertools

import pytest

from app.core.model.objects import ClusterState
from app.core.network.routing import RouteError, Source, route
from tests.core.builders import cluster, port, service
from tests.core.network.test_routing import NODES, WEB_PODS, _web


def test_a_cluster_ip_from_outside_says_where_it_works() -> None:
    state = _web(type_="ClusterIP")
    for dest in ("web:80", "10.96.0.20:80"):
        path = route(state, Source.external(), dest, 0)
        assert path.outcome == "unreachable"
        assert "reachable only from inside the cluster" in path.instead
        assert "NodePort or LoadBalancer" in path.instead and "node or a pod" in path.instead
        assert path.to_dict()["instead"] == path.instead
    # ... and what it says works.
    assert route(state, Source.node("node-c"), "web:80", 0).outcome == "delivered"


def test_local_policy_on_a_node_without_endpoints_names_the_nodes_that_have_them() -> None:
    path = route(_web(etp="Local"), Source.external(), "192.168.49.4:30080", 0)
    assert path.outcome == "dropped"
    assert "(node-a, node-b)" in path.instead and "externalTrafficPolicy: Cluster" in path.instead
    assert route(_web(etp="Local"), Source.external(), "192.168.49.2:30080", 0).outcome == (
        "delivered"
    )
    internal = route(_web(type_="ClusterIP", itp="Local"), Source.pod("default", "client"),
                     "web:80", 0)  # fmt: skip
    assert internal.outcome == "dropped" and "internalTrafficPolicy: Cluster" in internal.instead


def test_no_endpoints_and_pending_load_balancer() -> None:
    svc = service("empty", "10.96.0.30", [port(80)], selector={"x": "y"})
    empty = cluster(nodes=NODES, pods=WEB_PODS, services=[svc])
    path = route(empty, Source.pod("default", "client"), "empty:80", 0)
    assert path.outcome == "rejected" and "ready endpoints" in path.instead
    pending = route(_web(provider="none", type_="LoadBalancer"), Source.external(), "web:80", 0)
    assert pending.outcome == "unreachable"
    assert "nodePort 30080 (e.g. 192.168.49.2:30080)" in pending.instead
    assert "MetalLB" in pending.instead


def _states() -> list[ClusterState]:
    out = [_web(type_=t, etp=e) for t in ("ClusterIP", "NodePort") for e in ("", "Local")
           if not (t == "ClusterIP" and e)]  # fmt: skip
    out += [_web(type_="LoadBalancer", provider=p, etp="Local") for p in ("none", "cloud")]
    out += [_web(type_="LoadBalancer", provider="cloud", lb_ingress=["203.0.113.50"],
                 source_ranges=["198.51.100.0/24"], mode=m) for m in ("iptables", "ipvs",
                                                                       "nftables")]  # fmt: skip
    out.append(_web(type_="ClusterIP", itp="Local", mode="ipvs"))
    return out


SOURCES = [Source.external(), Source.node("node-c"), Source.pod("default", "client")]
DESTINATIONS = ["web:80", "web:81", "nope:80", "10.96.0.20:80", "10.96.0.20:81", "10.96.0.99:80",
                "192.168.49.4:30080", "192.168.49.4:30999", "10.244.0.5:8080", "8.8.8.8:53",
                "203.0.113.50:80", "203.0.113.50:81", "127.0.0.1:30999"]  # fmt: skip


@pytest.mark.parametrize("state", _states())
def test_every_failure_says_what_would_work_instead(state: ClusterState) -> None:
    failures = 0
    for source, dest in itertools.product(SOURCES, DESTINATIONS):
        try:
            path = route(state, source, dest, 0)
        except RouteError:
            continue
        if path.outcome == "delivered":
            assert path.instead == "", (dest, path.instead)
            continue
        failures += 1
        assert path.reason and len(path.instead) > 20, (source, dest, path.reason)
    assert failures > 3
