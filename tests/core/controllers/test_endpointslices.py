"""EndpointSlice controller and kube-proxy's endpoint view (service-semantics.md section 4)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from app.core.controllers.endpointslices import (
    NAME_ALPHABET,
    endpoint_slices,
    endpoints_object,
    selected_pods,
)
from app.core.kubeproxy.endpointcache import (
    ProxyEndpoint,
    categorize_endpoints,
    policies,
    port_endpoints,
    proxy_endpoints,
    proxy_endpoints_via_slices,
)
from app.core.model.objects import ClusterState, Service
from tests.core import strategies
from tests.core.builders import cluster, endpoint_slice, node, pod, port, service, three_node_web


def _svc(state: ClusterState, name: str = "web", namespace: str = "default") -> Service:
    found = state.service(namespace, name)
    assert found is not None
    return found


def test_slice_carries_labels_owner_and_a_generated_name() -> None:
    state = three_node_web()
    (eps,) = endpoint_slices(state, _svc(state))
    meta = eps["metadata"]
    assert eps["apiVersion"] == "discovery.k8s.io/v1"
    assert eps["addressType"] == "IPv4"
    assert meta["labels"] == {
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    assert meta["generateName"] == "web-"
    assert meta["name"].startswith("web-") and len(meta["name"]) == len("web-") + 5
    assert set(meta["name"][4:]) <= set(NAME_ALPHABET)
    assert meta["ownerReferences"][0] == {
        "apiVersion": "v1",
        "kind": "Service",
        "name": "web",
        "uid": "uid-svc-default-web",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    assert eps["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    first = eps["endpoints"][0]
    assert first["addresses"] == ["10.244.0.5"]
    assert first["conditions"] == {"ready": True, "serving": True, "terminating": False}
    assert first["nodeName"] == "node-a" and first["zone"] == "zone-a"
    assert first["targetRef"]["name"] == "web-1"
    # Deterministic: the same snapshot names its slices the same way.
    assert endpoint_slices(three_node_web(), _svc(state))[0]["metadata"]["name"] == meta["name"]


def test_named_target_port_resolves_per_pod_and_splits_slices() -> None:
    state = cluster(
        nodes=[node("n1", "192.168.49.2")],
        pods=[
            pod("a", "n1", "10.244.0.2", ports=[("http", 8080, "TCP")]),
            pod("b", "n1", "10.244.0.3", ports=[("http", 9090, "TCP")]),
            pod("c", "n1", "10.244.0.4", ports=[("http", 8080, "UDP")]),
        ],
        services=[service("web", "10.96.0.20", [port(80, "http", name="web")])],
    )
    slices = endpoint_slices(state, _svc(state))
    by_port = {
        tuple(p["port"] for p in s["ports"]): [e["targetRef"]["name"] for e in s["endpoints"]]
        for s in slices
    }
    # Name AND protocol must match: pod c (UDP "http") serves no port but is still listed.
    assert by_port == {(8080,): ["a"], (9090,): ["b"], (): ["c"]}
    view = port_endpoints(state, _svc(state), _svc(state).ports[0])
    assert [e.address for e in view] == ["10.244.0.2:8080", "10.244.0.3:9090"]


def test_terminal_ipless_and_terminating_pods() -> None:
    state = cluster(
        nodes=[node("n1", "192.168.49.2")],
        pods=[
            pod("done", "n1", "10.244.0.2", phase="Succeeded"),
            pod("pending", "n1", ""),
            pod("leaving", "n1", "10.244.0.4", terminating=True),
            pod("starting", "n1", "10.244.0.5", ready=False),
        ],
        services=[service("web", "10.96.0.20", [port(80)])],
    )
    (eps,) = endpoint_slices(state, _svc(state))
    conditions = {e["targetRef"]["name"]: e["conditions"] for e in eps["endpoints"]}
    assert conditions == {
        "leaving": {"ready": False, "serving": True, "terminating": True},
        "starting": {"ready": False, "serving": False, "terminating": False},
    }
    legacy = endpoints_object(state, _svc(state))
    (subset,) = legacy["subsets"]
    assert "addresses" not in subset
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["10.244.0.5"]


def test_publish_not_ready_addresses_marks_everything_ready() -> None:
    state = cluster(
        nodes=[node("n1", "192.168.49.2")],
        pods=[pod("starting", "n1", "10.244.0.5", ready=False)],
        services=[service("web", "None", [port(80)], publish_not_ready=True)],
    )
    (eps,) = endpoint_slices(state, _svc(state))
    assert eps["endpoints"][0]["conditions"]["ready"] is True
    assert eps["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    assert endpoints_object(state, _svc(state))["subsets"][0]["addresses"][0]["ip"] == "10.244.0.5"


def test_a_hundred_endpoints_per_slice() -> None:
    pods = [pod(f"p{i:03}", "n1", f"10.244.{i // 200}.{i % 200 + 2}") for i in range(250)]
    state = cluster(
        nodes=[node("n1", "192.168.49.2")],
        pods=pods,
        services=[service("web", "10.96.0.20", [port(80)])],
    )
    slices = endpoint_slices(state, _svc(state))
    assert [len(s["endpoints"]) for s in slices] == [100, 100, 50]
    assert len({s["metadata"]["name"] for s in slices}) == 3


def test_placeholder_slice_and_selectorless_services() -> None:
    state = cluster(
        nodes=[node("n1", "192.168.49.2")],
        services=[
            service("lonely", "10.96.0.21", [port(80)], selector={"app": "nothing"}),
            service("manual", "10.96.0.22", [port(80)], no_selector=True),
            service("alias", "", [], type_="ExternalName", external_name="example.com"),
        ],
    )
    (placeholder,) = endpoint_slices(state, _svc(state, "lonely"))
    assert placeholder["endpoints"] == [] and placeholder["ports"] == []
    assert endpoint_slices(state, _svc(state, "manual")) == []
    assert endpoint_slices(state, _svc(state, "alias")) == []


def test_kubernetes_service_points_at_the_control_plane() -> None:
    state = cluster(
        services=[
            service("kubernetes", "10.96.0.1", [port(443, 6443, name="https")], no_selector=True)
        ],
        control_plane_address="192.168.49.2",
    )
    kube = _svc(state, "kubernetes")
    (eps,) = endpoint_slices(state, kube)
    assert eps["metadata"]["name"] == "kubernetes"
    assert eps["endpoints"] == [{"addresses": ["192.168.49.2"], "conditions": {"ready": True}}]
    assert eps["ports"] == [{"name": "https", "port": 6443, "protocol": "TCP"}]
    assert [e.address for e in port_endpoints(state, kube, kube.ports[0])] == ["192.168.49.2:6443"]
    legacy = endpoints_object(state, kube)
    assert legacy["subsets"][0]["ports"][0]["port"] == 6443


def test_prefer_close_hints_each_endpoint_for_its_zone() -> None:
    base = three_node_web()
    state = cluster(
        nodes=[node(n.name, n.internal_ip, zone=n.zone) for n in base.nodes],
        pods=[pod("web-1", "node-a", "10.244.0.5"), pod("web-2", "node-b", "10.244.1.5")],
        services=[service("web", "10.96.0.20", [port(80)], traffic_distribution="PreferClose")],
    )
    (eps,) = endpoint_slices(state, _svc(state))
    assert [e["hints"] for e in eps["endpoints"]] == [
        {"forZones": [{"name": "zone-a"}]},
        {"forZones": [{"name": "zone-b"}]},
    ]


def test_selection_is_equality_and_namespace_scoped() -> None:
    state = cluster(
        nodes=[node("n1", "192.168.49.2")],
        pods=[
            pod("match", "n1", "10.244.0.2", labels={"app": "web", "tier": "fe"}),
            pod("partial", "n1", "10.244.0.3", labels={"app": "web"}),
            pod(
                "elsewhere",
                "n1",
                "10.244.0.4",
                namespace="other",
                labels={"app": "web", "tier": "fe"},
            ),
        ],
        services=[service("web", "10.96.0.20", [port(80)], selector={"app": "web", "tier": "fe"})],
    )
    assert [p.name for p in selected_pods(state, _svc(state))] == ["match"]


def test_kube_proxy_sorts_by_ip_port_string_and_reads_user_slices() -> None:
    eps: list[dict[str, Any]] = [
        {"addresses": ["10.0.1.2"], "nodeName": "n1"},
        {
            "addresses": ["10.0.1.10"],
            "conditions": {"ready": False, "serving": True, "terminating": True},
        },
    ]
    state = cluster(
        nodes=[node("n1", "192.168.49.2")],
        services=[service("db", "10.96.0.30", [port(80, name="p")], no_selector=True)],
        slices=[endpoint_slice("default", "db", eps, [{"name": "p", "port": 80}])],
    )
    view = proxy_endpoints(state, _svc(state, "db"))
    assert list(view) == [("p", "TCP")]
    assert [e.address for e in view[("p", "TCP")]] == ["10.0.1.10:80", "10.0.1.2:80"]
    # nil conditions mean ready and serving.
    assert view[("p", "TCP")][1].ready and view[("p", "TCP")][1].serving


def _ep(
    ip: str,
    node_name: str,
    *,
    ready: bool = True,
    terminating: bool = False,
    hints: frozenset[str] = frozenset(),
) -> ProxyEndpoint:
    return ProxyEndpoint(
        ip, 80, ready, ready or terminating, terminating, node_name, zone_hints=hints
    )


def test_categorize_falls_back_to_serving_terminating_endpoints() -> None:
    svc = Service.from_manifest(service("s", "10.96.0.40", [port(80)]))
    pol = policies(svc, svc.ports[0])
    eps = [_ep("10.0.0.1", "n1", ready=False, terminating=True), _ep("10.0.0.2", "n2", ready=False)]
    cats = categorize_endpoints(eps, pol, "n1", "")
    assert [e.ip for e in cats.cluster] == ["10.0.0.1"] and cats.has_any
    assert cats.local == ()


def test_categorize_local_endpoints_for_local_policies() -> None:
    svc = Service.from_manifest(service("s", "10.96.0.40", [port(80)], itp="Local"))
    pol = policies(svc, svc.ports[0])
    eps = [_ep("10.0.0.1", "n1"), _ep("10.0.0.2", "n2")]
    cats = categorize_endpoints(eps, pol, "n1", "")
    assert cats.cluster == () and [e.ip for e in cats.local] == ["10.0.0.1"]
    none_local = categorize_endpoints(eps, pol, "n3", "")
    assert none_local.local == () and none_local.has_any


def test_topology_hints_apply_only_when_every_ready_endpoint_has_one() -> None:
    svc = Service.from_manifest(service("s", "10.96.0.40", [port(80)]))
    pol = policies(svc, svc.ports[0])
    a, b = frozenset({"zone-a"}), frozenset({"zone-b"})
    hinted = [_ep("10.0.0.1", "n1", hints=a), _ep("10.0.0.2", "n2", hints=b)]
    assert [e.ip for e in categorize_endpoints(hinted, pol, "n1", "zone-a").cluster] == ["10.0.0.1"]
    # No endpoint for this node's zone: ignore hints, use all.
    assert len(categorize_endpoints(hinted, pol, "n3", "zone-c").cluster) == 2
    # One endpoint without a hint: ignore hints.
    partial = [*hinted, _ep("10.0.0.3", "n3")]
    assert len(categorize_endpoints(partial, pol, "n1", "zone-a").cluster) == 3


def test_legacy_endpoints_truncate_at_a_thousand_addresses() -> None:
    pods = [pod(f"p{i:04}", "n1", f"10.244.{i // 250}.{i % 250 + 2}") for i in range(1001)]
    state = cluster(
        nodes=[node("n1", "192.168.49.2")],
        pods=pods,
        services=[service("web", "10.96.0.20", [port(80)])],
    )
    legacy = endpoints_object(state, _svc(state))
    assert legacy["metadata"]["annotations"] == {
        "endpoints.kubernetes.io/over-capacity": "truncated"
    }
    assert sum(len(s["addresses"]) for s in legacy["subsets"]) == 1000


@given(strategies.clusters())
@settings(max_examples=200, deadline=None)
def test_kube_proxys_view_built_from_pods_equals_reading_the_controllers_slices(
    random: strategies.RandomCluster,
) -> None:
    for svc in random.state.services:
        assert proxy_endpoints(random.state, svc) == proxy_endpoints_via_slices(random.state, svc)
