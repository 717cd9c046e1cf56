"""What kube-proxy writes on a node (in the cluster's proxy mode or another one asked for), and
requests routed one after another from the same client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from sqlmodel import Session

from app.core.apiserver.writes import NotFound
from app.core.diagram.trace import hop_ids, path_service
from app.core.kubeproxy import ladder as proxyladder
from app.core.kubeproxy import rules as proxyrules
from app.core.kubeproxy.balancing import AffinityState, IpvsState
from app.core.model.objects import ClusterState
from app.core.network.routing import Path, Source, route
from app.core.simulation.simulate import Spec
from app.core.simulation.stream import TrafficStream
from app.db import repo, snapshots
from app.db.session import get_engine
from app.services.errors import refusals

LISTINGS: dict[str, Callable[[ClusterState, str], str]] = {
    "iptables": proxyrules.iptables_save,
    "ipvs": proxyrules.ipvsadm_listing,
    "nftables": proxyrules.nft_ruleset,
}
"""Each mode as its own tool prints it: iptables-save, `ipvsadm -Ln`, the nft ruleset."""


def proxy_rules(*, state: ClusterState, node: str, mode: str | None = None) -> str:
    """The node's rules in `mode` (default: the cluster's own)."""
    render = LISTINGS.get(mode or state.config.proxy_mode, proxyrules.iptables_save)
    with refusals():
        try:
            return render(state, node)
        except proxyrules.UnknownNode:
            raise NotFound(f'nodes "{node}" not found', kind="nodes", name=node) from None


def probability_ladder(*, state: ClusterState, node: str, chain: str) -> dict[str, Any]:
    """The rungs of one Service chain on a node, read off the rules kube-proxy writes there."""
    with refusals():
        try:
            return proxyladder.ladder(state, node, chain)
        except proxyrules.UnknownNode:
            raise NotFound(f'nodes "{node}" not found', kind="nodes", name=node) from None


# --- the live traffic stream (issue 11) ------------------------------------------------

REFRESH_SECONDS = 0.02
"""Requests due within this long of each other are routed against one snapshot."""
HEARTBEAT_SECONDS = 15.0


def cluster_state(cluster: str) -> ClusterState:
    """The cluster as the watch cache holds it now (a fresh row: provider and proxy mode
    changes made during a run count at once)."""
    with Session(get_engine()) as session:
        return snapshots.snapshot(session, repo.get_cluster_for_read(session, cluster))[1]


def open_stream(spec: Spec, start: int, state: ClusterState) -> TrafficStream:
    """A run positioned at request `start`; a destination or source that cannot be routed
    is refused here, before anything is sent (RouteError)."""
    route(state, spec.source, spec.destination, 0)
    stream = TrafficStream(spec)
    stream.skip_to(start, state)
    return stream


async def traffic_events(
    *, cluster: str, stream: TrafficStream, start: int
) -> AsyncIterator[tuple[str, dict[str, Any] | None]]:
    """("request", path) as each request's arrival time comes (wall clock, from now), each
    routed against the cluster of that moment, with `ids` (the diagram's elements per hop)
    and `affinitySeconds` (the Service's ClientIP timeout, or null); ("done", totals) at the
    end; (":", None) as a heartbeat while nothing is due. The caller stops iterating when
    its client goes."""
    first = stream.next_arrival() if not stream.done else 0.0
    began = anyio.current_time()
    state = await anyio.to_thread.run_sync(cluster_state, cluster)
    read_at = anyio.current_time()
    while not stream.done:
        due = began + stream.next_arrival() - first
        wait = due - anyio.current_time()
        if wait > 0:
            await anyio.sleep(min(wait, HEARTBEAT_SECONDS))
            if wait > HEARTBEAT_SECONDS:
                yield ":", None
            continue
        if anyio.current_time() - read_at > REFRESH_SECONDS:
            state = await anyio.to_thread.run_sync(cluster_state, cluster)
            read_at = anyio.current_time()
        path, data = stream.next(state)
        service = path_service(path, state)
        sticky = service is not None and service.session_affinity == "ClientIP"
        data["ids"] = hop_ids(path, state)
        data["affinitySeconds"] = service.affinity_timeout if service and sticky else None
        yield "request", data
    yield "done", stream.summary(start=start)


def route_repeatedly(
    *,
    state: ClusterState,
    source: Source,
    destination: str,
    seed: int,
    requests: int,
    interval: float,
) -> list[Path]:
    """`requests` new connections from the same client, `interval` seconds apart.

    The nodes' kernels remember between them (ClientIP affinity, IPVS positions), so the second
    request of a client shows the rule that caught it; each request draws from seed + its index,
    so the first is exactly the single request with `seed`.
    """
    if requests == 1:
        return [route(state, source, destination, seed)]
    affinity, ipvs = AffinityState(), IpvsState()
    return [
        route(state, source, destination, seed + i, affinity=affinity, ipvs=ipvs, now=i * interval)
        for i in range(requests)
    ]
