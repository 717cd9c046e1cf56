"""Properties of route() over random clusters (tests/core/strategies.py).

Every delivered path ends at a usable pod the Service selects, on the resolved target port;
Local traffic policies never cross nodes; ClientIP affinity never switches pods within the
timeout; the alternatives of every choice sum to 1; the same seed gives the same path.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.controllers.endpointslices import resolve_target_port
from app.core.kubeproxy.balancing import AffinityState
from app.core.network.path import OUTCOMES
from app.core.network.routing import Source, route
from tests.core.strategies import RandomCluster, clusters

# --- properties over random clusters ------------------------------------------------------

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sources(rc: RandomCluster) -> list[Source]:
    running = [p for p in rc.state.pods if p.pod_ip and p.phase == "Running"]
    return [
        Source.external(),
        *(Source.node(n) for n in rc.node_names),
        *(Source.pod(p.namespace, p.name) for p in running),
    ]


def _destinations(rc: RandomCluster) -> list[str]:
    dests = []
    for svc in rc.state.services:
        sp = svc.ports[0]
        dests += [f"{svc.name}:80", f"{svc.cluster_ip}:80"]
        if sp.node_port:
            dests += [f"{n.internal_ip}:{sp.node_port}" for n in rc.state.nodes]
        dests += [f"{ip}:80" for ip in svc.load_balancer_ingress]
    return dests


@PROPS
@given(clusters(), st.integers(0, 2**32 - 1))
def test_delivered_paths_end_at_a_usable_selected_pod(rc: RandomCluster, seed: int) -> None:
    for source in _sources(rc):
        for dest in _destinations(rc):
            path = route(rc.state, source, dest, seed)
            # Every path starts at its client, names a pod exactly when it was delivered,
            # and says why it ended where it did.
            assert path.hops and path.hops[0].kind == "client", path.hops[:1]
            assert (path.outcome == "delivered") == (path.pod is not None), path.outcome
            assert path.outcome in OUTCOMES and path.reason, (path.outcome, path.reason)
            for hop in path.hops:
                assert hop.choices == () or sum(p for _, p in hop.choices) == pytest.approx(1)
                if hop.choices:
                    chosen = [
                        p for t, p in hop.choices if t in (hop.dst, hop.node, hop.dst.split(":")[0])
                    ]
                    assert chosen and chosen[0] == pytest.approx(hop.probability)
            if path.outcome != "delivered":
                continue
            assert path.pod is not None
            target = next(
                s
                for s in rc.state.services
                if dest.startswith((s.name + ":", s.cluster_ip + ":"))
                or any(dest.endswith(f":{p.node_port}") for p in s.ports if p.node_port)
                or any(dest.startswith(ip + ":") for ip in s.load_balancer_ingress)
            )
            pod_obj = rc.state.pods[rc.pod_names.index(path.pod.name)]
            assert target.selector and all(
                pod_obj.labels.get(k) == v for k, v in target.selector.items()
            )
            usable = pod_obj.ready or target.publish_not_ready_addresses or pod_obj.terminating
            assert usable and pod_obj.phase == "Running"
            expected_port = resolve_target_port(target.ports[0], pod_obj)
            assert path.hops[-1].dst == f"{pod_obj.pod_ip}:{expected_port}"


@PROPS
@given(clusters(), st.integers(0, 2**32 - 1))
def test_local_policies_never_cross_nodes(rc: RandomCluster, seed: int) -> None:
    state = rc.state
    for svc in state.services:
        sp = svc.ports[0]
        if sp.node_port and svc.external_traffic_policy == "Local":
            for n in state.nodes:
                path = route(state, Source.external(), f"{n.internal_ip}:{sp.node_port}", seed)
                if path.outcome == "delivered":
                    assert path.pod is not None and path.pod.node == n.name
        # IPVS falls back to all endpoints when a node has no local one (kubernetes#97081).
        if svc.internal_traffic_policy == "Local" and state.config.proxy_mode != "ipvs":
            for p in state.pods:
                if p.pod_ip and p.phase == "Running":
                    path = route(state, Source.pod(p.namespace, p.name), f"{svc.name}:80", seed)
                    if path.outcome == "delivered":
                        assert path.pod is not None and path.pod.node == p.node_name


@PROPS
@given(clusters(), st.integers(0, 2**32 - 1), st.lists(st.floats(0, 9.9), min_size=1, max_size=6))
def test_affinity_never_switches_pods_within_the_timeout(
    rc: RandomCluster, seed: int, gaps: list[float]
) -> None:
    for svc in rc.state.services:
        if svc.session_affinity != "ClientIP":
            continue
        for source in _sources(rc)[1:]:
            memory, now = AffinityState(), 0.0
            first = route(rc.state, source, f"{svc.name}:80", seed, affinity=memory, now=now)
            for i, gap in enumerate(gaps):
                now += gap  # every gap is shorter than the smallest timeout (10 s)
                again = route(
                    rc.state, source, f"{svc.name}:80", seed + i + 1, affinity=memory, now=now
                )
                assert again.pod == first.pod


@PROPS
@given(clusters(), st.integers(0, 2**32 - 1))
def test_same_seed_same_path(rc: RandomCluster, seed: int) -> None:
    for dest in _destinations(rc)[:4]:
        a = route(rc.state, Source.external(), dest, seed).to_dict()
        assert a == route(rc.state, Source.external(), dest, seed).to_dict()
