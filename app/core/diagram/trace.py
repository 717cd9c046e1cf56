"""From one routed Path to the diagram: the ids of the elements it passes, in order.

routing.route() names hops in Kubernetes terms (node-1, default/web:http, frontend-abc); the
topology diagram names elements by layoutmodel's ids. This is the one place that translates,
for the trace panel now and the live-traffic animation later. Ids a view does not draw (a
group instead of a node) are simply not found by the browser.
"""

from __future__ import annotations

from app.core.model.objects import ClusterState, Service
from app.core.network.path import Path


def _np_id(node: str, node_port: int, protocol: str) -> str:
    return f"np:{node}:{node_port}" + ("" if protocol == "TCP" else f"/{protocol}")


def path_ids(path: Path, state: ClusterState) -> list[str]:
    return list(dict.fromkeys(i for ids in hop_ids(path, state) for i in ids))


def path_service(path: Path, state: ClusterState) -> Service | None:
    """The Service whose rules the path went through, if any."""
    services = [h.name.split(":", 1)[0] for h in path.hops if h.kind == "service"]
    return state.service(*services[0].split("/", 1)) if services else None


def hop_ids(path: Path, state: ClusterState) -> list[list[str]]:
    """Per hop, the elements it passes (a node hop: the node, then the nodePort tab it
    entered by); the live-traffic animation moves a dot through them hop by hop."""
    hops = path.hops
    service = path_service(path, state)
    node_ips = {n.internal_ip: n.name for n in state.nodes}
    out: list[list[str]] = []
    for index, hop in enumerate(hops):
        ids: list[str] = []
        out.append(ids)
        if hop.kind == "client":
            if index == 0 and hop.node and "/" in hop.name:
                ids.append(f"pod:{hop.name}")
            elif hop.node:
                ids.append(f"node:{hop.node}")
            else:
                ids.append("client")
        elif hop.kind == "load-balancer" and service is not None:
            ids.append(f"lb:{service.key}")
        elif hop.kind == "node":
            ids.append(f"node:{hop.name}")
            ids += _entry_ports(
                hops[index - 1].kind if index else "", hop.dst, hop.name, service, node_ips
            )
        elif hop.kind == "service":
            ids.append(f"svc:{hop.name.split(':', 1)[0]}")
        elif hop.kind == "pod" and path.pod is not None:
            ids.append(f"pod:{path.pod.namespace}/{hop.name}")
    return out


def _entry_ports(
    previous: str,
    dst: str,
    node: str,
    service: Service | None,
    node_ips: dict[str, str],
) -> list[str]:
    """The nodePort tab a packet enters by: the node's IP and a nodePort, or (after a load
    balancer) the nodePort the diagram draws the load balancer sending to."""
    if service is None:
        return []
    host, _, port = dst.rpartition(":")
    number = int(port) if port.isdigit() else -1
    for sp in service.ports:
        if not sp.node_port:
            continue
        if node_ips.get(host) == node and sp.node_port == number:
            return [_np_id(node, sp.node_port, sp.protocol)]
        if previous == "load-balancer" and sp.port == number:
            return [_np_id(node, sp.node_port, sp.protocol)]
    return []
