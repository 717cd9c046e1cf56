"""Where a packet to one IP address goes, once the client has an address to send to.

An address kube-proxy captures on every node (a ClusterIP, an externalIP, a LoadBalancer IP)
is handed to the node the packet is on, or to whatever carries it to a node (the load
balancer; an externalIP routed to a node); a node's own address answers with a nodePort, a
health check node port, kube-proxy's /healthz, the API server or a reset; localhost NodePorts;
a pod IP over the pod network; otherwise the reason nothing answers. routing.py resolves
names (cluster DNS) to these addresses.
"""

from __future__ import annotations

from app.core.model.objects import Node, Service
from app.core.network.loadbalancers import KUBE_PROXY_HEALTHZ_PORT, load_balancer, local_ready_count
from app.core.network.nodes import leave_node, local_arrival, through_kube_proxy
from app.core.network.path import CLUSTER_IP_FROM_OUTSIDE, Client, Path, Walk, deliver


def to_address(
    walk: Walk,
    client: Client,
    ip: str,
    port: int,
    proto: str | None,
    note: str,
    *,
    probability: float = 1.0,
    choices: list[tuple[str, float]] | None = None,
) -> Path:
    dst = f"{ip}:{port}"
    client.start(walk, dst, note, probability=probability, choices=choices)
    captured = _service_address(walk, client, ip, port, proto)
    if captured is not None:
        return captured
    node = walk.index.node_by_ip.get(ip)
    if node is not None:
        return _to_node(walk, client, node, port, proto)
    if ip.startswith("127.") and client.kind == "node":
        return _localhost(walk, client, port, proto)
    if ip in walk.index.pod_by_ip:
        return _to_pod(walk, client, ip, port)
    return _nothing_at(walk, client, ip, port)


def _service_address(
    walk: Walk, client: Client, ip: str, port: int, proto: str | None
) -> Path | None:
    """A ClusterIP, externalIP or LoadBalancer IP serving the port, as kube-proxy captures it
    on the client's node; from outside, what carries it to a node (or nothing). None when the
    address and port are no Service's."""
    idx = walk.index
    node = client.node
    hit = idx.lookup(idx.by_cluster_ip, ip, port, proto)
    if hit:
        if node is None:
            return walk.end(
                "unreachable",
                f"{ip} is a ClusterIP: a virtual address that "
                "exists only in kube-proxy's rules on the nodes, so nothing outside "
                "the cluster routes it. Use a NodePort or LoadBalancer Service.",
                instead=CLUSTER_IP_FROM_OUTSIDE,
            )
        return through_kube_proxy(
            walk, node, "cluster-ip", *hit, ip, port, client.ip, local_arrival(client)
        )
    hit = idx.lookup(idx.by_external_ip, ip, port, proto)
    if hit and node is not None:
        return through_kube_proxy(
            walk,
            node,
            "external-ip",
            *hit,
            ip,
            port,
            client.ip,
            local_arrival(client) + f" {ip} is an externalIP of the "
            "Service, which kube-proxy captures on every node.",
        )
    if hit:
        target = idx.node_by_ip.get(ip)
        if target is None:
            return walk.end(
                "unreachable",
                f"{ip} is an externalIP of {hit[0].key}: kube-proxy captures it on every "
                "node, but Kubernetes does not announce it; your network must route it to a "
                "node.",
                instead=f"Route {ip} to a node in your network (a static route, or a "
                "router that announces it), or send from a node or a pod: kube-proxy "
                "captures externalIPs there.",
            )
        return through_kube_proxy(
            walk,
            target,
            "external-ip",
            *hit,
            ip,
            port,
            client.ip,
            f"The packet reaches {target.name}, whose own address is an externalIP of the Service.",
        )
    hit = idx.lookup(idx.by_lb_ip, ip, port, proto)
    if not hit:
        return None
    if node is None:
        return load_balancer(walk, client, *hit, ip, port)
    return through_kube_proxy(
        walk,
        node,
        "load-balancer",
        *hit,
        ip,
        port,
        client.ip,
        local_arrival(client) + f" {ip} is the LoadBalancer IP; kube-proxy captures "
        "it on this node instead of sending it out to the load balancer.",
    )


def _to_pod(walk: Walk, client: Client, ip: str, port: int) -> Path:
    """A pod IP: no kube-proxy rule matches; the pod network carries it, inside the cluster."""
    pod = walk.index.pod_by_ip[ip]
    dst = f"{ip}:{port}"
    if client.node is None:
        return walk.end(
            "unreachable",
            f"{ip} is a pod IP; the pod network is not routed "
            "outside the cluster. Expose the pod through a Service.",
            instead="Send from a node or a pod, or expose the pod through a NodePort or "
            "LoadBalancer Service and send to that.",
        )
    if client.node.name != pod.node_name:
        leave_node(
            walk,
            client,
            dst,
            "No kube-proxy rule matches a pod IP; the node routes the packet over the pod network.",
        )
    return deliver(walk, client.node, ip, port, client.ip, dst)


def _localhost(walk: Walk, client: Client, port: int, proto: str | None) -> Path:
    """NodePorts on 127.0.0.1: iptables mode only (route_localnet=1, the nfacct-counted
    `-d 127.0.0.0/8` rules); nftables and IPVS never serve them."""
    assert client.node is not None
    hit = walk.index.node_port(port, proto)
    if hit and walk.mode == "iptables":
        return through_kube_proxy(
            walk,
            client.node,
            "node-port",
            *hit,
            "127.0.0.1",
            port,
            "127.0.0.1",
            f"The packet to 127.0.0.1:{port} enters netfilter on {client.node.name} (OUTPUT);"
            " kube-proxy in iptables mode also serves NodePorts on localhost.",
        )
    why = (
        f"kube-proxy in {walk.mode} mode does not serve NodePorts on 127.0.0.1"
        if hit
        else f"No Service uses nodePort {port}"
    )
    instead = (
        f"Send to the node's InternalIP {client.node.internal_ip}:{port}; only kube-proxy in "
        "iptables mode also answers NodePorts on localhost."
        if hit
        else _node_ports_hint(walk)
    )
    return walk.end("rejected", f"{why}, so nothing listens on 127.0.0.1:{port}.", instead=instead)


def _node_ports_hint(walk: Walk) -> str:
    used = sorted({p for (p, _) in walk.index.by_node_port})[:8]
    listed = ", ".join(str(p) for p in used) if used else "none yet"
    return (
        f"Use a nodePort a NodePort or LoadBalancer Service holds (here: {listed}); "
        "`kubectl get svc -A` shows them in PORT(S) as port:nodePort."
    )


def _ports(svc: Service) -> str:
    return ", ".join(f"{p.port}/{p.protocol}" for p in svc.ports)


def _nothing_at(walk: Walk, client: Client, ip: str, port: int) -> Path:
    idx = walk.index
    svc = idx.cluster_ips.get(ip)
    if svc is not None:
        if client.node is None:
            return walk.end(
                "unreachable",
                f"{ip} is a ClusterIP; it is not reachable from outside the cluster.",
                instead=CLUSTER_IP_FROM_OUTSIDE,
            )
        ports = _ports(svc)
        why = f"{ip} is the ClusterIP of {svc.key}, which serves {ports}, not port {port}"
        instead = f"Send to one of its ports: {ip}:" + f", {ip}:".join(
            str(p.port) for p in svc.ports
        )
        if walk.mode == "iptables":
            return walk.end(
                "dropped",
                f"{why}; no iptables rule matches, so the packet heads "
                "for the default route and the client times out.",
                instead=instead,
            )
        where = (
            "cluster-ips-check rejects it"
            if walk.mode == "nftables"
            else "the address sits on kube-ipvs0 and nothing listens there"
        )
        return walk.end("rejected", f"{why}; {where}.", instead=instead)
    if idx.in_service_cidr(ip):
        return walk.end(
            "dropped" if client.node else "unreachable",
            f"No Service has ClusterIP {ip}; nothing answers in the service range.",
            instead="Use the CLUSTER-IP of an existing Service (`kubectl get svc -A`), or "
            "its DNS name, name.namespace:port.",
        )
    lb = idx.lb_ips.get(ip)
    if lb is not None:
        return walk.end(
            "unreachable",
            f"{ip} belongs to {lb.key}, which does not serve port {port}.",
            instead=f"Send to one of its ports: {_ports(lb)}.",
        )
    return walk.end(
        "unreachable",
        f"Nothing in this cluster has address {ip}.",
        instead="From outside, send to a node's InternalIP at a nodePort or to a "
        "LoadBalancer's EXTERNAL-IP; from a node or a pod, a ClusterIP or a pod IP also "
        "answers.",
    )


def _to_node(walk: Walk, client: Client, node: Node, port: int, proto: str | None) -> Path:
    idx, dst = walk.index, f"{node.internal_ip}:{port}"
    hit = idx.node_port(port, proto)
    if client.node is not None and client.node.name != node.name:
        leave_node(
            walk,
            client,
            dst,
            f"{node.internal_ip} is another node's address, so no kube-proxy rule here "
            "matches; the packet is routed to it.",
        )
    if hit:
        same = client.node is not None and client.node.name == node.name
        how = (
            local_arrival(client)
            if same
            else f"The packet reaches {node.name} at {dst}; nodePort {port} is open on every "
            "node, whether or not it runs a pod of the Service."
        )
        return through_kube_proxy(
            walk, node, "node-port", *hit, node.internal_ip, port, client.ip, how
        )
    svc = idx.health_checks.get(port)
    if svc is not None:
        local = local_ready_count(walk, svc, node)
        code = "200" if local else "503"
        walk.hop(
            "node",
            node.name,
            node.name,
            dst,
            client.ip,
            dst,
            rule=f"filter KUBE-NODEPORTS ACCEPT (health check node port of {svc.key})",
            reason=f"kube-proxy's health server for {svc.key} answers {code}: "
            f"{local} local endpoint(s) on {node.name}.",
        )
        return walk.end(
            "delivered",
            f"kube-proxy on {node.name} answers the health check "
            f"with HTTP {code} (localEndpoints={local}).",
        )
    if port == KUBE_PROXY_HEALTHZ_PORT:
        walk.hop(
            "node",
            node.name,
            node.name,
            dst,
            client.ip,
            dst,
            reason=f"kube-proxy's /healthz on {node.name} answers.",
        )
        return walk.end("delivered", f"kube-proxy's healthz server on {node.name} answers.")
    if node.internal_ip == walk.state.config.control_plane_address and port == 6443:
        return deliver(walk, client.node, node.internal_ip, port, client.ip, dst)
    walk.hop(
        "node",
        node.name,
        node.name,
        node.internal_ip,
        client.ip,
        dst,
        reason=f"No Service uses nodePort {port}, so no kube-proxy rule matches.",
    )
    return walk.end(
        "rejected",
        f"Nothing listens on {node.name} port {port}: the node's kernel answers with a TCP reset.",
        instead=_node_ports_hint(walk),
    )
