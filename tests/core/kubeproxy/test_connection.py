"""kube-proxy's decision for one new connection, on its own: no route, no walk, no network.

Everything the decision needs from around it comes in as parameters - whether an address is a
pod's, the random pick, the kernel's memories - so these cases pin what it answers for them.
"""

from __future__ import annotations

import numpy as np

from app.core.kubeproxy.balancing import AffinityState, IpvsState
from app.core.kubeproxy.connection import NewConnection, decide
from app.core.kubeproxy.endpointchoice import Kernel
from app.core.model.objects import ClusterState, Node, Service
from tests.core.builders import three_node_web


def _web(state: ClusterState) -> tuple[Service, Node, Node]:
    svc = state.service("default", "web")
    assert svc is not None
    nodes = {n.name: n for n in state.nodes}
    return svc, nodes["node-a"], nodes["node-c"]


def _pod_cidr(ip: str) -> bool:
    return ip.startswith("10.244.")


def _kernel(
    forced: int,
    asked: list[tuple[str, int]],
    *,
    affinity: AffinityState | None = None,
    ipvs: IpvsState | None = None,
) -> Kernel:
    """A kernel whose every random pick is `forced`, recording what was asked."""

    def pick(kind: str, n: int) -> int:
        asked.append((kind, n))
        return forced

    return Kernel(pick, np.random.default_rng(0), 0.0, affinity, ipvs)


def test_a_pod_to_a_cluster_ip_is_dnated_to_the_endpoint_the_pick_chose() -> None:
    state = three_node_web()
    svc, _, node_c = _web(state)
    conn = NewConnection("cluster-ip", svc, svc.ports[0], "10.96.0.20", 80, "10.244.2.9")
    asked: list[tuple[str, int]] = []
    decision = decide(state, node_c, conn, in_pod_cidr=_pod_cidr, kernel=_kernel(1, asked))
    assert asked == [("endpoint", 2)]
    assert decision.outcome == "" and decision.rule.startswith("KUBE-SERVICES → KUBE-SVC-")
    assert decision.dnat is not None
    assert decision.dnat.endpoint.address == "10.244.1.5:8080"
    assert decision.dnat.source == "10.244.2.9"  # pod traffic is not masqueraded
    assert decision.dnat.choices == (("10.244.0.5:8080", 0.5), ("10.244.1.5:8080", 0.5))
    assert decision.dnat.started is None


def test_the_same_source_not_from_the_pod_network_is_masqueraded() -> None:
    state = three_node_web()
    svc, _, node_c = _web(state)
    conn = NewConnection("cluster-ip", svc, svc.ports[0], "10.96.0.20", 80, "10.244.2.9")
    kernel = _kernel(0, [])
    decision = decide(state, node_c, conn, in_pod_cidr=lambda ip: False, kernel=kernel)
    assert decision.dnat is not None
    assert decision.dnat.source == node_c.internal_ip


def test_a_failure_is_an_outcome_without_a_pick() -> None:
    state = three_node_web()
    svc, node_a, _ = _web(state)
    port = svc.ports[0]
    asked: list[tuple[str, int]] = []
    conn = NewConnection("cluster-ip", svc, port, "10.96.0.20", 80, "10.244.0.9")
    emptied = ClusterState(config=state.config, nodes=state.nodes, services=state.services)
    decision = decide(emptied, node_a, conn, in_pod_cidr=_pod_cidr, kernel=_kernel(0, asked))
    assert decision.outcome == "rejected" and decision.dnat is None
    assert "has no endpoints" in decision.rule
    assert asked == []


def test_ipvs_hands_back_the_connection_it_counts_as_active() -> None:
    state = three_node_web(proxy_mode="ipvs")
    svc, _, node_c = _web(state)
    conn = NewConnection("cluster-ip", svc, svc.ports[0], "10.96.0.20", 80, "10.244.2.9")
    ipvs = IpvsState()
    kernel = _kernel(0, [], ipvs=ipvs, affinity=AffinityState())
    decision = decide(state, node_c, conn, in_pod_cidr=_pod_cidr, kernel=kernel)
    assert decision.dnat is not None and decision.dnat.started is not None
    started = decision.dnat.started
    assert started.node == "node-c" and started.real_server == decision.dnat.endpoint.address
    assert ipvs.active == {tuple(started): 1}
