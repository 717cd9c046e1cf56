"""The cells `kubectl get svc` prints, computed as the API server's Table printer does.

Upstream: pkg/printers/internalversion/printers.go (printService, getServiceExternalIP,
makePortString). Pages and the future server-side Tables use the same functions.
"""

from __future__ import annotations

from app.core.model.objects import Service


def external_ip(service: Service) -> str:
    if service.type in ("ClusterIP", "NodePort"):
        return ",".join(service.external_ips) or "<none>"
    if service.type == "LoadBalancer":
        ips = [*service.load_balancer_ingress, *service.external_ips]
        return ",".join(ips) or "<pending>"
    if service.type == "ExternalName":
        return service.external_name
    return "<unknown>"


def port_string(service: Service) -> str:
    parts = []
    for port in service.ports:
        if port.node_port:
            parts.append(f"{port.port}:{port.node_port}/{port.protocol}")
        else:
            parts.append(f"{port.port}/{port.protocol}")
    return ",".join(parts) or "<none>"


def cluster_ip(service: Service) -> str:
    if service.type == "ExternalName":
        return "<none>"
    return service.cluster_ip or "<none>"


def selector_string(service: Service) -> str:
    if not service.selector:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(service.selector.items()))
