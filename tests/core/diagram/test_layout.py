"""The topology diagram's geometry: what is drawn, where edges go, and how big clusters fold."""

from __future__ import annotations

import gc
import random
import weakref
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.apiserver import bootstrap
from app.core.apiserver import writes as apiserver
from app.core.controllers.snapshot import cluster_state
from app.core.diagram.layout import LayoutOptions, layout
from app.core.diagram.shapes import Box, Edge, Layout
from app.core.model.objects import ClusterConfig, ClusterState
from app.core.model.workspace import Workspace
from tests.core.builders import cluster, node, pod, port, service
from tests.core.strategies import RandomCluster, clusters


def demo(provider: str = "cloud", nodes: int = 3, backend: bool = True) -> ClusterState:
    """The seeded demo clusters, built through the same write path as the API."""
    ws = Workspace(config=ClusterConfig(name="demo", provider=provider), rng=random.Random(3))
    bootstrap.bootstrap(ws, nodes)
    for obj in bootstrap.demo_objects(with_backend=backend):
        apiserver.create(ws, obj["kind"], obj, "default")
    return cluster_state(ws)


def edges(drawn: Layout, kind: str | None = None, service: str | None = None) -> list[str]:
    return [
        e.id
        for e in drawn.edges
        if (kind is None or e.kind == kind) and (service is None or e.service == service)
    ]


def test_the_demo_shows_three_nodes_each_with_every_node_port() -> None:
    state = demo()
    drawn = layout(state)
    assert [n.id for n in drawn.nodes] == ["node:node-1", "node:node-2", "node:node-3"]
    web = state.service("default", "web")
    assert web is not None and web.ports[0].node_port
    for name in ("node-1", "node-2", "node-3"):
        ids = {m.id for m in drawn.ports if m.column == f"node:{name}"}
        assert ids == {f"np:{name}:30080", f"np:{name}:{web.ports[0].node_port}"}


def test_the_cloud_load_balancer_sends_to_the_node_port_on_every_ready_node() -> None:
    state = demo()
    web = state.service("default", "web")
    assert web is not None
    drawn = layout(state)
    lb = next(b for b in drawn.load_balancers if b.service == "default/web")
    assert lb.address == web.load_balancer_ingress[0] and not lb.pending
    node_port = web.ports[0].node_port
    assert sorted(edges(drawn, "lb-np")) == [
        f"lb:default/web>np:node-{i}:{node_port}" for i in (1, 2, 3)
    ]
    assert "client>lb:default/web" in edges(drawn, "client-lb")


def test_without_a_cloud_provider_the_load_balancer_is_pending_and_node_ports_still_work() -> None:
    drawn = layout(demo(provider="none", nodes=2, backend=False))
    lb = next(b for b in drawn.load_balancers if b.service == "default/web")
    assert lb.pending and lb.address == "<pending>"
    assert "nodePorts still answer" in lb.note
    assert edges(drawn, "client-lb") == [] and edges(drawn, "lb-np") == []
    forwarding = edges(drawn, "np-svc", "default/web")
    assert len(forwarding) == 2


def test_a_service_reaches_every_ready_endpoint_from_the_clusterip_layer() -> None:
    drawn = layout(demo())
    backend = edges(drawn, "svc-pod", "default/backend")
    assert len(backend) == 4
    assert all(e.startswith("svc:default/backend>pod:default/backend-") for e in backend)
    kubernetes = edges(drawn, service="default/kubernetes")
    assert kubernetes == ["svc:default/kubernetes>addr:192.168.49.2"]


def test_a_not_ready_pod_is_drawn_but_gets_no_edge() -> None:
    state = demo()
    ws_pods = [p for p in state.pods if p.name.startswith("frontend-")]
    victim = ws_pods[0]
    three = cluster(
        nodes=[node("n1", "192.168.49.3"), node("n2", "192.168.49.4")],
        pods=[
            pod("a", "n1", "10.244.1.2", ports=[("http", 8080, "TCP")]),
            pod("b", "n2", "10.244.2.2", ready=False, ports=[("http", 8080, "TCP")]),
        ],
        services=[service("web", "10.96.0.20", [port(80, 8080)])],
    )
    drawn = layout(three)
    assert edges(drawn, "svc-pod") == ["svc:default/web>pod:default/a"]
    b = next(p for p in drawn.pods if p.name == "b")
    assert not b.ready
    assert victim.ready  # the demo itself starts all ready


def test_metallb_sends_everything_to_the_one_announcing_node() -> None:
    state = local_cluster()
    metallb = ClusterState(
        config=ClusterConfig(name="l2", provider="metallb-l2"),
        nodes=state.nodes,
        pods=state.pods,
        services=state.services,
    )
    drawn = layout(metallb)
    assert len(edges(drawn, "lb-np")) == 1
    assert drawn.load_balancers[0].summary.startswith("MetalLB: n")


def test_a_cloud_cluster_out_of_addresses_is_pending_for_another_reason() -> None:
    state = local_cluster()
    web = state.services[0]
    no_ip = ClusterState(
        config=state.config,
        nodes=state.nodes,
        pods=state.pods,
        services=(replace(web, load_balancer_ingress=(), external_ips=("192.0.2.9",)),),
    )
    drawn = layout(no_ip)
    lb = drawn.load_balancers[0]
    assert lb.pending and "No free address in the pool" in lb.note
    assert lb.summary == "no free address: use a nodePort"
    assert "externalIPs 192.0.2.9" in drawn.services[0].address


def local_cluster(*, etp: str = "", itp: str = "Cluster") -> ClusterState:
    return cluster(
        nodes=[
            node("n1", "192.168.49.3", zone="a"),
            node("n2", "192.168.49.4", zone="b"),
            node("n3", "192.168.49.5", zone="c"),
        ],
        pods=[pod("a", "n1", "10.244.1.2"), pod("b", "n2", "10.244.2.2")],
        services=[
            service(
                "web",
                "10.96.0.20",
                [port(80, 8080, node_port=30080)],
                type_="LoadBalancer",
                lb_ingress=["198.51.100.7"],
                hcnp=32000 if etp == "Local" else None,
                etp=etp,
                itp=itp,
            )
        ],
        provider="cloud",
    )


def test_external_traffic_policy_local_skips_nodes_without_a_local_endpoint() -> None:
    drawn = layout(local_cluster(etp="Local"))
    assert sorted(edges(drawn, "lb-np")) == [
        "lb:default/web>np:n1:30080",
        "lb:default/web>np:n2:30080",
    ]
    n3 = next(m for m in drawn.ports if m.id == "np:n3:30080")
    assert not n3.forwards and "drops" in n3.title
    assert "np:n3:30080>svc:default/web" not in edges(drawn)
    assert any("externalTrafficPolicy Local" in note for note in drawn.services[0].notes)


def test_internal_traffic_policy_local_draws_only_edges_inside_a_node() -> None:
    drawn = layout(local_cluster(itp="Local"))
    bar = drawn.services[0]
    assert bar.split
    local = [e for e in drawn.edges if e.kind in ("local", "cross", "svc-pod")]
    # External traffic (ETP Cluster) may still cross nodes: those edges are cluster-wide.
    assert {e.target for e in local} == {"pod:default/a", "pod:default/b"}


def test_internal_local_without_external_access_has_no_cross_node_edges() -> None:
    state = cluster(
        nodes=[node("n1", "192.168.49.3"), node("n2", "192.168.49.4")],
        pods=[pod("a", "n1", "10.244.1.2"), pod("b", "n2", "10.244.2.2")],
        services=[service("web", "10.96.0.20", [port(80, 8080)], itp="Local")],
    )
    drawn = layout(state)
    kinds = {e.kind for e in drawn.edges}
    assert kinds == {"local"}
    columns = {n.id: n for n in drawn.nodes}
    for edge in drawn.edges:
        target = next(p for p in drawn.pods if p.id == edge.target)
        column = columns[f"node:{target.node}"]
        assert all(column.x <= x <= column.x + column.w for x, _ in edge.points)


def test_selecting_a_service_keeps_only_its_paths() -> None:
    drawn = layout(demo(), LayoutOptions(service="default/frontend"))
    assert {e.service for e in drawn.edges} == {"default/frontend"}
    dimmed = {b.key for b in drawn.services if b.dim}
    assert "default/frontend" not in dimmed and "default/backend" in dimmed
    assert all(p.dim for p in drawn.pods if not p.name.startswith("frontend-"))
    assert not any(p.dim for p in drawn.pods if p.name.startswith("frontend-"))


def test_the_filter_dims_what_does_not_match_and_leaves_nodes_alone() -> None:
    drawn = layout(demo(), LayoutOptions(filter="ns:kube-system"))
    assert not any(n.dim for n in drawn.nodes)
    assert {b.key for b in drawn.services if not b.dim} == {"kube-system/kube-dns"}
    assert all(p.dim == (p.namespace != "kube-system") for p in drawn.pods)
    assert all(e.dim for e in drawn.edges if e.service != "kube-system/kube-dns")


def test_system_services_can_be_hidden() -> None:
    drawn = layout(demo(), LayoutOptions(system=False))
    assert {b.key for b in drawn.services} == {"default/web", "default/frontend", "default/backend"}


def test_headless_and_external_name_services() -> None:
    state = cluster(
        nodes=[node("n1", "192.168.49.3")],
        pods=[pod("a", "n1", "10.244.1.2")],
        services=[
            service("db", "None", [port(5432)]),
            service("ext", "", [], type_="ExternalName", external_name="example.com"),
        ],
    )
    drawn = layout(state)
    assert edges(drawn, "dns") == ["svc:default/db>pod:default/a"]
    ext = next(b for b in drawn.services if b.name == "ext")
    assert ext.kind == "external-name" and "example.com" in ext.address
    assert edges(drawn, service="default/ext") == []


def big(nodes: int, pods_per_node: int = 3) -> ClusterState:
    node_list = [
        node(f"n{i}", f"10.1.{i // 250}.{i % 250 + 1}", zone=f"z{i % 3}") for i in range(nodes)
    ]
    pods = [
        pod(f"p{i}", f"n{i % nodes}", f"10.2.{i // 250}.{i % 250 + 1}", labels={"app": f"a{i % 5}"})
        for i in range(nodes * pods_per_node)
    ]
    services = [
        service(
            f"s{i}",
            f"10.96.1.{i + 1}",
            [port(80, 8080, node_port=30000 + i)],
            type_="NodePort",
            selector={"app": f"a{i % 5}"},
        )
        for i in range(40)
    ]
    return cluster(nodes=node_list, pods=pods, services=services)


def test_many_nodes_are_grouped_by_zone_and_pods_counted() -> None:
    drawn = layout(big(60))
    assert drawn.level == "groups"
    assert [n.id for n in drawn.nodes] == ["group:zone:z0", "group:zone:z1", "group:zone:z2"]
    assert sum(n.members for n in drawn.nodes) == 60
    assert sum(c.count for c in drawn.chips) == 180
    assert len(drawn.services) == 30 and any("Showing 30 of 40" in n for n in drawn.notes)
    # Every group still shows every nodePort, and the edges reach the counters.
    assert len(drawn.ports) == 3 * 30
    assert {e.target.split("/")[0] for e in edges_of(drawn, "svc-pod")} <= {
        f"pods:group:zone:z{i}" for i in range(3)
    }


def edges_of(drawn: Layout, kind: str) -> list[Edge]:
    return [e for e in drawn.edges if e.kind == kind]


def test_zooming_into_a_group_shows_its_members() -> None:
    drawn = layout(big(60), LayoutOptions(focus="zone:z1"))
    # 20 nodes in z1: more than 12 columns, so blocks of ceil(20 / 12) = 2.
    assert len(drawn.nodes) == 10 and all(n.members == 2 for n in drawn.nodes)
    assert drawn.breadcrumbs[-1] == ("z1", "zone:z1")
    deeper = layout(big(60), LayoutOptions(focus=drawn.nodes[0].focus))
    assert [n.id for n in deeper.nodes] == ["node:n1", "node:n4"]
    stale = layout(big(60), LayoutOptions(focus="zone:gone/block:99"))
    assert stale.nodes[0].id == "group:zone:z0"


def test_the_filter_picks_which_services_a_big_cluster_draws() -> None:
    drawn = layout(big(60), LayoutOptions(filter="s39"))
    assert [b.key for b in drawn.services] == ["default/s39"]


def inside(inner: Box, outer: Box) -> bool:
    return (
        outer.x <= inner.x
        and inner.x + inner.w <= outer.x + outer.w
        and outer.y <= inner.y
        and inner.bottom <= outer.bottom
    )


def check_invariants(drawn: Layout) -> None:
    ids = drawn.ids()
    boxes = [*drawn.nodes, *drawn.ports, *drawn.services, *drawn.pods, *drawn.chips]
    assert len({b.id for b in boxes}) == len(boxes), "ids are unique"
    for edge in drawn.edges:
        assert edge.source.split("@")[0] in ids and edge.target in ids, edge.id
        assert all(0 <= x <= drawn.width and 0 <= y <= drawn.height for x, y in edge.points)
    for box in boxes:
        assert 0 <= box.x and box.x + box.w <= drawn.width and box.bottom <= drawn.height
    columns = {n.id: n for n in drawn.nodes}
    for p in drawn.pods:
        assert inside(p, columns[f"node:{p.node}"])
    for chip in drawn.chips:
        assert inside(chip, columns[chip.column])


@settings(max_examples=60, deadline=None)
@given(clusters())
def test_random_clusters_draw_consistent_diagrams(rc: RandomCluster) -> None:
    drawn = layout(rc.state)
    check_invariants(drawn)
    # EndpointSlice conditions: serving = the pod is ready (terminating or not); ready = serving
    # and not terminating, so ready pods are a subset of serving ones.
    serving = {f"pod:{p.key}" for p in rc.state.pods if p.ready}
    for edge in drawn.edges:
        if edge.kind in ("svc-pod", "local", "cross") and edge.target.startswith("pod:"):
            svc = rc.state.service(*edge.service.split("/"))
            assert svc is not None
            # kube-proxy uses ready endpoints, falling back to serving terminating ones; either
            # way the pod is serving (publishNotReadyAddresses makes every endpoint ready).
            assert edge.target in serving or svc.publish_not_ready_addresses, edge.id
    for marker in drawn.ports:
        fed = any(e.target == marker.id for e in drawn.edges)
        forwards = any(e.source == marker.id for e in drawn.edges)
        assert forwards == marker.forwards
        if fed:
            assert rc.state.config.provider != "none"


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 70), st.integers(0, 4), st.sampled_from(["", "zone:z0", "block:1"]))
def test_any_size_stays_inside_its_frame(nodes: int, pods_per_node: int, focus: str) -> None:
    check_invariants(layout(big(nodes, pods_per_node), LayoutOptions(focus=focus)))


def test_a_drawn_snapshot_is_freed_with_everything_derived_from_it() -> None:
    # The load-balancer plan builds a RoutingIndex, which holds its state: the per-snapshot
    # cache must not keep that cycle alive (each page view would leak a whole cluster).
    state = demo()
    layout(state)
    alive = weakref.ref(state)
    del state
    gc.collect()
    assert alive() is None
