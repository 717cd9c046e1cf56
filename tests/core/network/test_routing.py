"""route(): classic cases, upstream packet-flow expectations and properties of random clusters.

Packet-flow expectations mirror k/k pkg/proxy/iptables/proxier_test.go (runPacketFlowTests in
TestOverallIPTablesRules, TestInternalTrafficPolicyE2E, TestNoEndpointsReject) and
pkg/proxy/nftables/proxier_test.go (TestClusterIPGeneral).
"""

from __future__ import annotations

from typing import Any

import pytest

from app.core.kubeproxy.balancing import AffinityState, IpvsConnection, IpvsState
from app.core.model.objects import ClusterState
from app.core.network.index import RoutingIndex
from app.core.network.routing import RouteError, Source, route
from tests.core.builders import (
    cluster,
    endpoint_slice,
    node,
    pod,
    port,
    service,
    three_node_web,
    upstream_overall,
)

NODES = [
    node("node-a", "192.168.49.2", zone="zone-a"),
    node("node-b", "192.168.49.3", zone="zone-b"),
    node("node-c", "192.168.49.4", zone="zone-c"),
]
WEB_PODS = [
    pod("web-1", "node-a", "10.244.0.5", ports=[("http", 8080, "TCP")]),
    pod("web-2", "node-b", "10.244.1.5", ports=[("http", 8080, "TCP")]),
    pod("client", "node-c", "10.244.2.9", labels={"app": "client"}),
]


def _web(provider: str = "cloud", mode: str = "iptables", **svc: Any) -> ClusterState:
    svc.setdefault("type_", "NodePort")
    ports = [port(80, "http", name="http", node_port=30080)]
    return cluster(
        nodes=NODES,
        pods=WEB_PODS,
        services=[service("web", "10.96.0.20", ports, **svc)],
        provider=provider,
        proxy_mode=mode,
    )


def _pods_reached(state: ClusterState, source: Source, dest: str, n: int = 60) -> set[str]:
    out = set()
    for seed in range(n):
        path = route(state, source, dest, seed)
        assert path.outcome == "delivered", path.reason
        assert path.pod is not None
        out.add(path.pod.name)
    return out


def test_pod_reaches_a_service_by_short_name_without_snat() -> None:
    path = route(three_node_web(), Source.pod("default", "client"), "web:80", 1)
    assert path.outcome == "delivered"
    kinds = [h.kind for h in path.hops]
    assert kinds[:3] == ["client", "node", "service"] and kinds[-1] == "pod"
    svc_hop = path.hops[2]
    assert svc_hop.rule.startswith("KUBE-SVC-") and "KUBE-SEP-" in svc_hop.rule
    assert svc_hop.src == "10.244.2.9"  # pod-to-ClusterIP traffic is not masqueraded
    assert svc_hop.dst.endswith(":8080")
    assert sum(c[1] for c in svc_hop.choices) == pytest.approx(1.0)


def test_pod_ip_answers_from_a_node_but_not_from_outside() -> None:
    state = three_node_web()
    assert route(state, Source.node("node-c"), "10.244.0.5:8080", 0).outcome == "delivered"
    outside = route(state, Source.external(), "10.244.0.5:8080", 0)
    assert outside.outcome == "unreachable" and "pod IP" in outside.reason


def test_cluster_ip_is_unreachable_from_outside() -> None:
    path = route(three_node_web(), Source.external(), "10.96.0.20:80", 0)
    assert path.outcome == "unreachable" and "ClusterIP" in path.reason


def test_nodeport_answers_on_a_node_without_local_pods() -> None:
    state = _web()
    reached = set()
    for seed in range(40):
        path = route(state, Source.external(), "192.168.49.4:30080", seed)
        assert path.outcome == "delivered"
        assert path.hops[1].name == "node-c" and "KUBE-NODEPORTS" in path.hops[1].rule
        service_hop = path.hops[2]
        assert service_hop.src == "192.168.49.4"  # ETP Cluster: SNAT to node-c's IP
        assert path.pod is not None
        reached.add(path.pod.node)
    assert reached == {"node-a", "node-b"}  # the packet crosses nodes


def test_etp_local_drops_on_nodes_without_endpoints_and_keeps_the_client_ip() -> None:
    state = _web(etp="Local")
    dropped = route(state, Source.external(), "192.168.49.4:30080", 0)
    assert dropped.outcome == "dropped" and "no local endpoints" in dropped.hops[-1].rule
    kept = route(state, Source.external("198.51.100.9"), "192.168.49.2:30080", 0)
    assert kept.outcome == "delivered" and kept.pod is not None and kept.pod.node == "node-a"
    assert kept.hops[-1].src == "198.51.100.9"
    assert "KUBE-SVL-" in kept.hops[2].rule


def test_node_originated_traffic_to_an_etp_local_nodeport_short_circuits() -> None:
    state = _web(etp="Local")
    path = route(state, Source.node("node-c"), "192.168.49.4:30080", 3)
    assert path.outcome == "delivered" and path.hops[2].src == "192.168.49.4"
    from_pod = route(state, Source.pod("default", "client"), "192.168.49.4:30080", 3)
    assert from_pod.outcome == "delivered" and from_pod.hops[-1].src == "10.244.2.9"


def test_internal_traffic_policy_local() -> None:
    state = _web(type_="ClusterIP", itp="Local")
    path = route(state, Source.pod("default", "client"), "web:80", 0)
    assert path.outcome == "dropped" and "no local endpoints" in path.hops[1].rule
    with_local = cluster(
        nodes=NODES,
        pods=[*WEB_PODS, pod("client-a", "node-a", "10.244.0.9", labels={"app": "client"})],
        services=[service("web", "10.96.0.20", [port(80, "http")], itp="Local")],
    )
    assert _pods_reached(with_local, Source.pod("default", "client-a"), "web:80") == {"web-1"}


def test_no_endpoints_rejects_but_no_local_endpoints_drops() -> None:
    state = cluster(
        nodes=NODES,
        pods=WEB_PODS,
        services=[service("empty", "10.96.0.30", [port(80)], selector={"app": "none"})],
    )
    path = route(state, Source.pod("default", "client"), "empty:80", 0)
    assert path.outcome == "rejected"
    assert path.hops[-1].rule.endswith('"default/empty has no endpoints" -j REJECT')


def test_terminating_endpoints_are_a_fallback() -> None:
    state = cluster(
        nodes=NODES,
        pods=[
            pod("old", "node-a", "10.244.0.5", terminating=True),
            pod("unready", "node-b", "10.244.1.5", ready=False),
            pod("client", "node-c", "10.244.2.9", labels={"app": "client"}),
        ],
        services=[service("web", "10.96.0.20", [port(80)])],
    )
    assert _pods_reached(state, Source.pod("default", "client"), "web:80", 10) == {"old"}


def test_prefer_close_keeps_traffic_in_the_zone() -> None:
    state = cluster(
        nodes=NODES,
        pods=[*WEB_PODS, pod("client-a", "node-a", "10.244.0.9", labels={"app": "client"})],
        services=[
            service("web", "10.96.0.20", [port(80, 8080)], traffic_distribution="PreferClose")
        ],
    )
    assert _pods_reached(state, Source.pod("default", "client-a"), "web:80") == {"web-1"}
    # node-c's zone has no endpoint: hints are ignored there.
    assert _pods_reached(state, Source.pod("default", "client"), "web:80") == {"web-1", "web-2"}


def test_hairpin_traffic_is_masqueraded() -> None:
    state = cluster(
        nodes=NODES,
        pods=[pod("solo", "node-a", "10.244.0.5")],
        services=[service("web", "10.96.0.20", [port(80, 8080)])],
    )
    path = route(state, Source.pod("default", "solo"), "10.96.0.20:80", 0)
    assert path.outcome == "delivered"
    assert path.hops[-1].src == "192.168.49.2" and "hairpin" in path.hops[2].reason


def test_cloud_load_balancer_skips_not_ready_nodes_and_etp_local_nodes_without_pods() -> None:
    nodes = [*NODES[:2], node("node-c", "192.168.49.4", zone="zone-c", ready=False)]
    state = cluster(
        nodes=nodes,
        pods=WEB_PODS,
        services=[
            service(
                "web",
                "10.96.0.20",
                [port(80, "http", node_port=30080)],
                type_="LoadBalancer",
                lb_ingress=["203.0.113.50"],
            )
        ],
    )
    lb_nodes = {
        route(state, Source.external(), "203.0.113.50:80", s).hops[1].node for s in range(40)
    }
    assert lb_nodes == {"node-a", "node-b"}
    lb_hop = route(state, Source.external(), "203.0.113.50:80", 0).hops[1]
    assert lb_hop.kind == "load-balancer" and "skipped: node-c" in lb_hop.reason
    local = cluster(
        nodes=NODES,
        pods=WEB_PODS[:1] + WEB_PODS[2:],
        services=[
            service(
                "web",
                "10.96.0.20",
                [port(80, "http", node_port=30080)],
                type_="LoadBalancer",
                lb_ingress=["203.0.113.50"],
                etp="Local",
                hcnp=32000,
            )
        ],
    )
    for seed in range(20):
        path = route(local, Source.external(), "203.0.113.50:80", seed)
        assert path.hops[1].node == "node-a" and ":32000" in path.hops[1].rule
        assert path.outcome == "delivered" and path.hops[-1].src == "203.0.113.7"


def test_metallb_l2_sends_everything_to_one_speaker() -> None:
    state = _web(provider="metallb-l2", type_="LoadBalancer", lb_ingress=["192.168.49.240"])
    speakers = {
        route(state, Source.external(), "192.168.49.240:80", s).hops[1].node for s in range(30)
    }
    assert len(speakers) == 1


def test_pending_load_balancer_points_the_learner_to_the_node_port() -> None:
    state = _web(provider="none", type_="LoadBalancer")
    path = route(state, Source.external(), "web:80", 0)
    assert path.outcome == "unreachable"
    assert "<pending>" in path.reason and "nodePort 30080" in path.reason
    # The nodePort works fine meanwhile.
    assert route(state, Source.external(), "192.168.49.3:30080", 0).outcome == "delivered"


def test_load_balancer_source_ranges() -> None:
    state = _web(
        type_="LoadBalancer", lb_ingress=["203.0.113.50"], source_ranges=["198.51.100.0/24"]
    )
    blocked = route(state, Source.external("203.0.113.7"), "203.0.113.50:80", 0)
    assert blocked.outcome == "dropped" and "KUBE-PROXY-FIREWALL" in blocked.hops[-1].rule
    allowed = route(state, Source.external("198.51.100.4"), "203.0.113.50:80", 0)
    assert allowed.outcome == "delivered" and "KUBE-FW-" in allowed.hops[2].rule


def test_headless_service_returns_pod_ips_and_skips_kube_proxy() -> None:
    state = cluster(nodes=NODES, pods=WEB_PODS, services=[service("db", "None", [port(80, 8080)])])
    path = route(state, Source.pod("default", "client"), "db:8080", 4)
    assert path.outcome == "delivered"
    assert "service" not in [h.kind for h in path.hops]
    assert "headless" in path.hops[0].reason and path.hops[0].probability == 0.5
    # The client dials the port it asked for: no kube-proxy, so no port translation.
    assert route(state, Source.pod("default", "client"), "db:80", 4).hops[-1].dst.endswith(":80")


def test_external_name_is_only_a_dns_alias() -> None:
    state = cluster(
        services=[
            service(
                "ext",
                "",
                [],
                type_="ExternalName",
                external_name="db.example.com",
                no_selector=True,
            )
        ]
    )
    path = route(state, Source.external(), "ext:5432", 0)
    assert path.outcome == "unreachable" and "CNAME to db.example.com" in path.reason


def test_client_ip_affinity_sticks_until_the_timeout() -> None:
    state = _web(type_="ClusterIP", affinity_timeout=60)
    memory = AffinityState()
    first = route(state, Source.pod("default", "client"), "web:80", 0, affinity=memory, now=0)
    assert first.pod is not None
    for t, seed in zip(range(10, 300, 30), range(1, 20), strict=False):
        again = route(
            state, Source.pod("default", "client"), "web:80", seed, affinity=memory, now=float(t)
        )
        assert again.pod == first.pod  # each new connection refreshes the recent list
    later = {
        route(
            state, Source.pod("default", "client"), "web:80", s, affinity=AffinityState(), now=0.0
        ).pod
        for s in range(30)
    }
    assert len(later) == 2


def test_nftables_mode_names_its_chains() -> None:
    path = route(_web(mode="nftables"), Source.external(), "192.168.49.4:30080", 0)
    assert path.hops[1].rule.startswith("services → service-nodeports → external-")
    assert "endpoint-" in path.hops[2].rule and "numgen random mod 2" in path.hops[2].reason


def test_ipvs_round_robin_is_exact_per_node() -> None:
    state = _web(mode="ipvs", type_="ClusterIP")
    ipvs = IpvsState()
    picks = [
        route(state, Source.pod("default", "client"), "web:80", s, ipvs=ipvs).pod for s in range(10)
    ]
    names = [p.name for p in picks if p]
    assert names == ["web-1", "web-2"] * 5
    assert (
        route(state, Source.pod("default", "client"), "web:80", 0)
        .hops[2]
        .rule.startswith("TCP  10.96.0.20:80 rr → ")
    )


def test_an_ipvs_connection_counts_as_active_until_its_holder_finishes_it() -> None:
    state = _web(mode="ipvs", type_="ClusterIP")
    ipvs = IpvsState()
    opened: list[IpvsConnection] = []
    path = route(state, Source.pod("default", "client"), "web:80", 0, ipvs=ipvs, opened=opened)
    service_hop = next(h for h in path.hops if h.kind == "service")
    assert opened == [(service_hop.node, "TCP  10.96.0.20:80 rr", service_hop.dst)]
    assert ipvs.active == {tuple(opened[0]): 1}
    ipvs.finish(*opened[0])
    assert ipvs.active == {tuple(opened[0]): 0}
    # Without IPVS state nothing is counted, so nothing is handed back to finish.
    route(state, Source.pod("default", "client"), "web:80", 0, opened=opened)
    assert len(opened) == 1


@pytest.mark.parametrize(
    ("mode", "outcome"), [("iptables", "dropped"), ("nftables", "rejected"), ("ipvs", "rejected")]
)
def test_wrong_port_on_a_cluster_ip(mode: str, outcome: str) -> None:
    path = route(_web(mode=mode), Source.pod("default", "client"), "10.96.0.20:81", 0)
    assert path.outcome == outcome


def test_kubernetes_service_reaches_the_api_server() -> None:
    state = cluster(
        nodes=NODES,
        pods=WEB_PODS,
        services=[
            service("kubernetes", "10.96.0.1", [port(443, 6443, name="https")], no_selector=True)
        ],
        control_plane_address="192.168.49.2",
    )
    path = route(state, Source.pod("default", "client"), "kubernetes.default:443", 0)
    assert path.outcome == "delivered" and path.pod is None
    assert path.hops[-1].dst == "192.168.49.2:6443" and "kube-apiserver" in path.reason


def test_health_check_node_port_reports_local_endpoints() -> None:
    state = _web(type_="LoadBalancer", lb_ingress=["203.0.113.50"], etp="Local", hcnp=32000)
    assert "HTTP 200" in route(state, Source.external(), "192.168.49.2:32000", 0).reason
    assert "HTTP 503" in route(state, Source.external(), "192.168.49.4:32000", 0).reason


def test_upstream_packet_flows() -> None:
    """TestOverallIPTablesRules' runPacketFlowTests, routed from a pod or client on test-node."""
    state = cluster(
        nodes=[node("test-node", "192.168.0.2")],
        pods=[pod("client", "test-node", "10.0.0.2", labels={"app": "client"})],
        services=[
            service(
                s.name,
                s.cluster_ip,
                [port(80, 80, name="p80", node_port=s.ports[0].node_port)],
                namespace=s.namespace,
                type_=s.type,
                no_selector=True,
                etp=s.external_traffic_policy,
                external_ips=s.external_ips,
                lb_ingress=s.load_balancer_ingress,
                source_ranges=s.load_balancer_source_ranges,
            )
            for s in upstream_overall().services
        ],
        slices=[dict(s) for s in upstream_overall().endpoint_slices],
        pod_cidr="10.0.0.0/8",
    )
    pod_src = Source.pod("default", "client")
    assert route(state, pod_src, "172.30.0.41:80", 0).hops[-1].dst == "10.180.0.1:80"
    assert route(state, pod_src, "172.30.0.46:80", 0).outcome == "rejected"
    # External client to svc2's LB IP: ETP Local, no local endpoint anywhere → DROP (here the
    # cloud LB already finds no healthy node; upstream feeds the packet to the node directly).
    assert route(state, Source.external("203.0.113.2"), "1.2.3.4:80", 0).outcome == "dropped"
    node_src = Source.external("203.0.113.2")
    assert route(state, node_src, "192.168.0.2:3001", 0).outcome == "dropped"
    assert route(state, node_src, "192.168.0.2:3003", 0).hops[-1].src == "192.168.0.2"
    # Pod to svc2's external IP short-circuits to the (remote) cluster endpoint.
    assert route(state, pod_src, "192.168.99.22:80", 0).hops[-1].dst == "10.180.0.2:80"


def test_path_serialises_to_the_contract() -> None:
    data = route(three_node_web(), Source.pod("default", "client"), "web:80", 1).to_dict()
    assert set(data) == {"outcome", "reason", "hops", "pod", "instead"}
    assert set(data["pod"]) == {"namespace", "name", "node"}
    for hop in data["hops"]:
        assert {
            "kind",
            "name",
            "node",
            "address",
            "src",
            "dst",
            "rule",
            "probability",
            "reason",
        } <= set(hop)


def test_bad_requests_raise_route_errors() -> None:
    state = three_node_web()
    with pytest.raises(RouteError):
        route(state, Source.external(), "10.96.0.20", 0)
    with pytest.raises(RouteError):
        route(state, Source.node("nope"), "web:80", 0)
    with pytest.raises(RouteError):
        route(state, Source.external(), "10.96.0.20:99999", 0)
    assert route(state, Source.pod("default", "client"), "nope:80", 0).outcome == "unreachable"


def test_user_managed_endpoints_outside_the_cluster() -> None:
    state = cluster(
        nodes=NODES,
        pods=WEB_PODS,
        services=[service("db", "10.96.0.40", [port(5432)], no_selector=True)],
        slices=[
            endpoint_slice(
                "default", "db", [{"addresses": ["172.16.0.9"]}], [{"name": "", "port": 5432}]
            )
        ],
    )
    path = route(state, Source.pod("default", "client"), "db:5432", 0)
    assert path.outcome == "delivered" and "outside the simulated cluster" in path.reason


def test_the_index_is_built_once_per_snapshot() -> None:
    state = three_node_web()
    assert RoutingIndex.for_state(state) is RoutingIndex.for_state(state)


@pytest.mark.parametrize(
    ("mode", "outcome"), [("iptables", "delivered"), ("nftables", "rejected"), ("ipvs", "rejected")]
)
def test_localhost_node_ports_only_in_iptables_mode(mode: str, outcome: str) -> None:
    path = route(_web(mode=mode), Source.node("node-c"), "127.0.0.1:30080", 0)
    assert path.outcome == outcome


def test_ipvs_persistence_keeps_a_client_on_one_real_server() -> None:
    state = _web(mode="ipvs", type_="ClusterIP", affinity_timeout=300)
    memory, ipvs = AffinityState(), IpvsState()
    src = Source.pod("default", "client")
    picks = {
        route(state, src, "web:80", s, affinity=memory, ipvs=ipvs, now=float(s)).pod
        for s in range(10)
    }
    assert len(picks) == 1
    assert "persistent 300" in route(state, src, "web:80", 0).hops[1].rule


def test_ambiguous_or_unknown_ports_of_a_name() -> None:
    state = cluster(
        nodes=NODES,
        pods=WEB_PODS,
        services=[
            service(
                "dns",
                "10.96.0.10",
                [
                    port(53, name="dns", protocol="UDP"),
                    port(53, name="dns-tcp"),
                    port(9153, name="metrics"),
                ],
                selector={"app": "coredns"},
            )
        ],
    )
    src = Source.pod("default", "client")
    with pytest.raises(RouteError):
        route(state, src, "dns", 0)
    with pytest.raises(RouteError):
        route(state, src, "dns:nope", 0)
    tcp = route(state, src, "dns:53", 0)
    assert tcp.hops[0].dst == "10.96.0.10:53" and "/tcp/" not in tcp.hops[1].rule
    udp = route(state, src, "dns.default.svc.cluster.local:dns/udp", 0)
    assert udp.outcome == "rejected"  # no pod selected: "has no endpoints"
    assert "dns:dns has no endpoints" in udp.hops[-1].rule


def test_ipvs_local_policies_fall_back_to_every_endpoint() -> None:
    state = _web(mode="ipvs", etp="Local", itp="Local")
    from_pod = route(state, Source.pod("default", "client"), "web:80", 0)
    assert from_pod.outcome == "delivered"  # node-c has no web pod: all endpoints are used
    external = route(state, Source.external(), "192.168.49.4:30080", 0)
    assert external.outcome == "dropped" and "kubernetes#97081" in external.reason
