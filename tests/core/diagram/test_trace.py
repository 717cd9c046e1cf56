"""From a routed path to the diagram's ids, and the rule lines and DOT that go with a view."""

from __future__ import annotations

from app.core.diagram.dot import quote, to_dot
from app.core.diagram.layout import layout
from app.core.diagram.trace import path_ids
from app.core.kubeproxy import rules as proxyrules
from app.core.kubeproxy.ruleslice import service_rules
from app.core.network.routing import Source, route
from tests.core.diagram.test_layout import demo


def test_a_node_port_request_passes_the_tab_it_entered_by() -> None:
    state = demo()
    node = state.nodes[0]
    path = route(state, Source.external(), f"{node.internal_ip}:30080", 7)
    ids = path_ids(path, state)
    assert ids[:4] == [
        "client",
        f"node:{node.name}",
        f"np:{node.name}:30080",
        "svc:default/frontend",
    ]
    assert ids[-1].startswith("pod:default/frontend-")
    assert set(ids) <= layout(state).ids()


def test_a_load_balancer_request_enters_by_the_tab_the_diagram_draws() -> None:
    state = demo()
    web = state.service("default", "web")
    assert web is not None
    path = route(state, Source.external(), f"{web.load_balancer_ingress[0]}:80", 3)
    ids = path_ids(path, state)
    assert ids[:2] == ["client", "lb:default/web"]
    entry = path.hops[2].name
    assert f"np:{entry}:{web.ports[0].node_port}" in ids
    drawn = {e.id for e in layout(state).edges}
    assert f"lb:default/web>np:{entry}:{web.ports[0].node_port}" in drawn


def test_a_pod_client_starts_at_its_pod() -> None:
    state = demo()
    client = next(p for p in state.pods if p.name.startswith("backend-"))
    ids = path_ids(
        route(state, Source.pod("default", client.name), "kube-dns.kube-system:53/udp", 1), state
    )
    assert ids[0] == f"pod:default/{client.name}" and "svc:kube-system/kube-dns" in ids


def test_the_rule_slice_keeps_a_services_chains_and_nothing_else() -> None:
    state = demo()
    frontend = state.service("default", "frontend")
    assert frontend is not None
    text = service_rules(proxyrules.iptables_save(state, "node-1"), frontend)
    assert "--dport 30080" in text and "KUBE-SEP-" in text
    assert "default/backend" not in text and "default/web" not in text
    chain = next(w for w in text.split() if w.startswith("KUBE-SVC-"))
    assert f":{chain} - [0:0]" in text  # the chain's declaration came along


def test_the_rule_slice_of_ipvs_and_nftables() -> None:
    state = demo()
    frontend = state.service("default", "frontend")
    assert frontend is not None
    ipvs = service_rules(proxyrules.ipvsadm_listing(state, "node-1"), frontend, ipvs=True)
    assert ipvs.splitlines()[0].startswith("TCP") and frontend.cluster_ip in ipvs
    assert all(line.startswith(("TCP", "  ->")) for line in ipvs.splitlines())
    nft = service_rules(proxyrules.nft_ruleset(state, "node-1"), frontend)
    assert "default/frontend" in nft and "default/backend" not in nft


def test_dot_export_names_every_drawn_element() -> None:
    state = demo()
    drawn = layout(state)
    dot = to_dot(drawn, "demo")
    assert dot.startswith('digraph "demo" {') and dot.rstrip().endswith("}")
    for box in [*drawn.nodes, *drawn.pods, *drawn.services, *drawn.ports]:
        assert quote(box.id) in dot
    assert quote('a "quoted"\\ name') == '"a \\"quoted\\"\\\\ name"'
