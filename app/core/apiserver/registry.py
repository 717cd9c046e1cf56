"""What the Service registry does around validation: keep, drop and allocate values.

Upstream: pkg/registry/core/service/storage/alloc.go (allocateCreate/allocateUpdate,
initNodePorts), storage.go (patchAllocatedValues) and strategy.go (dropTypeDependentFields).
Allocation runs before validation upstream (BeginCreate precedes BeforeCreate), so a requested
nodePort outside the range is reported even when other fields are also wrong.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from app.core.apiserver import allocation
from app.core.model.fielderrors import FieldError, ValidationFailed, invalid
from app.core.model.workspace import Manifest, Workspace, clone


class InternalError(Exception):
    """An allocation failure upstream reports as 500 `Internal error occurred: …`."""


def needs_cluster_ip(svc: Manifest) -> bool:
    return bool(svc.get("spec", {}).get("type") != "ExternalName")


def needs_node_port(svc: Manifest) -> bool:
    return svc.get("spec", {}).get("type") in ("NodePort", "LoadBalancer")


def needs_hc_node_port(svc: Manifest) -> bool:
    spec = svc.get("spec", {})
    return bool(spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local")


def _externally_accessible(svc: Manifest) -> bool:
    spec = svc.get("spec", {})
    return spec.get("type") in ("NodePort", "LoadBalancer") or bool(
        spec.get("type") == "ClusterIP" and spec.get("externalIPs")
    )


def patch_allocated_values(new: Manifest, old: Manifest) -> None:
    """A PUT that omits allocated values keeps them (storage.go patchAllocatedValues)."""
    new_spec, old_spec = new.setdefault("spec", {}), old.get("spec", {})
    if needs_cluster_ip(old) and needs_cluster_ip(new):
        if not new_spec.get("clusterIP") and old_spec.get("clusterIP"):
            new_spec["clusterIP"] = old_spec["clusterIP"]
        if not new_spec.get("clusterIPs") and old_spec.get("clusterIPs"):
            new_spec["clusterIPs"] = list(old_spec["clusterIPs"])
    if needs_node_port(old) and needs_node_port(new):
        old_ports = {p.get("nodePort", 0) for p in old_spec.get("ports", [])}
        new_ports = {p.get("nodePort", 0) for p in new_spec.get("ports", [])}
        used = old_ports & new_ports
        by_name = {p.get("name", ""): p.get("nodePort", 0) for p in old_spec.get("ports", [])}
        for port in new_spec.get("ports", []):
            if not port.get("nodePort"):
                old_value = by_name.get(port.get("name", ""), 0)
                if old_value and old_value not in used:
                    port["nodePort"] = old_value
    if needs_hc_node_port(old) and needs_hc_node_port(new):
        if not new_spec.get("healthCheckNodePort") and old_spec.get("healthCheckNodePort"):
            new_spec["healthCheckNodePort"] = old_spec["healthCheckNodePort"]


def drop_type_dependent_fields(new: Manifest, old: Manifest) -> None:
    """Wipe values that no longer apply and that the user did not change (strategy.go)."""
    new_spec, old_spec = new.setdefault("spec", {}), old.get("spec", {})
    if needs_cluster_ip(old) and not needs_cluster_ip(new):
        if new_spec.get("clusterIP") == old_spec.get("clusterIP") and new_spec.get(
            "clusterIPs"
        ) == old_spec.get("clusterIPs"):
            new_spec.pop("clusterIP", None)
            new_spec.pop("clusterIPs", None)
        if new_spec.get("ipFamilies") == old_spec.get("ipFamilies"):
            new_spec.pop("ipFamilies", None)
        if new_spec.get("ipFamilyPolicy") == old_spec.get("ipFamilyPolicy"):
            new_spec.pop("ipFamilyPolicy", None)
    if needs_node_port(old) and not needs_node_port(new):
        old_np = [p.get("nodePort", 0) for p in old_spec.get("ports", [])]
        new_np = [p.get("nodePort", 0) for p in new_spec.get("ports", [])]
        if old_np == new_np:
            for port in new_spec.get("ports", []):
                port.pop("nodePort", None)
    if needs_hc_node_port(old) and not needs_hc_node_port(new):
        if new_spec.get("healthCheckNodePort") == old_spec.get("healthCheckNodePort"):
            new_spec.pop("healthCheckNodePort", None)
    was_lb = old_spec.get("type") == "LoadBalancer"
    is_lb = new_spec.get("type") == "LoadBalancer"
    if was_lb and not is_lb:
        if new_spec.get("allocateLoadBalancerNodePorts") == old_spec.get(
            "allocateLoadBalancerNodePorts"
        ):
            new_spec.pop("allocateLoadBalancerNodePorts", None)
        if new_spec.get("loadBalancerClass") == old_spec.get("loadBalancerClass"):
            new_spec.pop("loadBalancerClass", None)
        new.setdefault("status", {})["loadBalancer"] = {}
    if _externally_accessible(old) and not _externally_accessible(new):
        new_spec.pop("externalTrafficPolicy", None)
    if old_spec.get("type") != "ExternalName" and new_spec.get("type") == "ExternalName":
        if new_spec.get("internalTrafficPolicy") == old_spec.get("internalTrafficPolicy"):
            new_spec.pop("internalTrafficPolicy", None)


def _owned(ws: Workspace, kind: str, uid: str) -> set[str]:
    return ws.owned(kind, uid)


def allocate(ws: Workspace, svc: Manifest, old: Manifest | None = None) -> None:
    """Fill clusterIP(s), nodePorts and healthCheckNodePort; claim them; release what went.

    Raises ValidationFailed for requested values that are out of range or taken (422) and
    InternalError when an automatic allocation finds the range full (500).
    """
    uid = svc["metadata"]["uid"]
    name = svc["metadata"].get("name", "")
    errors: list[FieldError] = []
    _allocate_cluster_ip(ws, svc, uid, errors)
    _allocate_node_ports(ws, svc, uid, errors)
    if errors:
        raise ValidationFailed("Service", name, errors)
    keep_ports = {str(p["nodePort"]) for p in svc["spec"].get("ports", []) if p.get("nodePort")}
    if svc["spec"].get("healthCheckNodePort"):
        keep_ports.add(str(svc["spec"]["healthCheckNodePort"]))
    for value in _owned(ws, "node-port", uid) - keep_ports:
        ws.release("node-port", value)
    keep_ips = set(svc["spec"].get("clusterIPs", []))
    for value in _owned(ws, "cluster-ip", uid) - keep_ips:
        ws.release("cluster-ip", value)


def _allocate_cluster_ip(ws: Workspace, svc: Manifest, uid: str, errors: list[FieldError]) -> None:
    spec = svc["spec"]
    if not needs_cluster_ip(svc) or spec.get("clusterIP") == "None":
        return
    requested = spec.get("clusterIP") or (spec.get("clusterIPs") or [""])[0]
    used = ws.used("cluster-ip")
    if requested:
        try:
            ipaddress.ip_address(requested)
        except ValueError:
            return  # validation reports a malformed IP with its own message
        if used.get(requested) == uid:
            return
        try:
            allocation.check_cluster_ip(ws.config.service_cidr, used, requested)
        except (allocation.NotInRange, allocation.AlreadyAllocated) as exc:
            errors.append(
                invalid(
                    "spec.clusterIPs",
                    spec.get("clusterIPs") or [requested],
                    f"failed to allocate IP {requested}: {exc}",
                )
            )
            return
        ip = requested
    else:
        try:
            ip = allocation.allocate_cluster_ip(ws.config.service_cidr, used, ws.rng)
        except allocation.RangeFull:
            raise InternalError("failed to allocate a serviceIP: range is full") from None
    ws.claim("cluster-ip", ip, uid)
    spec["clusterIP"] = ip
    spec["clusterIPs"] = [ip, *spec.get("clusterIPs", [])[1:]]


def _allocate_node_ports(ws: Workspace, svc: Manifest, uid: str, errors: list[FieldError]) -> None:
    """initNodePorts: one nodePort per port number, shared across protocols."""
    spec = svc["spec"]
    used = ws.used("node-port")
    port_range = ws.config.node_port_range
    auto = needs_node_port(svc) and not (
        spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is False
    )
    taken_here: dict[int, int] = {}  # service port number → nodePort
    ports: list[dict[str, Any]] = spec.get("ports", [])
    if needs_node_port(svc):
        for i, port in enumerate(ports):
            node_port = port.get("nodePort")
            if not node_port:
                continue
            if port.get("port") in taken_here and taken_here[port["port"]] == node_port:
                continue
            if used.get(str(node_port)) != uid:
                try:
                    allocation.check_node_port(port_range, _ints(used), node_port)
                except (allocation.NotInRange, allocation.AlreadyAllocated) as exc:
                    errors.append(invalid(f"spec.ports[{i}].nodePort", node_port, str(exc)))
                    continue
                ws.claim("node-port", str(node_port), uid)
            taken_here[port.get("port", 0)] = node_port
        if auto:
            for port in ports:
                if port.get("nodePort"):
                    continue
                shared = taken_here.get(port.get("port", 0))
                if shared is None:
                    try:
                        shared = allocation.allocate_node_port(port_range, _ints(used), ws.rng)
                    except allocation.RangeFull:
                        raise InternalError(
                            "failed to allocate a nodePort: range is full"
                        ) from None
                    ws.claim("node-port", str(shared), uid)
                    taken_here[port.get("port", 0)] = shared
                port["nodePort"] = shared
    if needs_hc_node_port(svc):
        hc = spec.get("healthCheckNodePort")
        if hc:
            if used.get(str(hc)) != uid:
                try:
                    allocation.check_node_port(port_range, _ints(used), hc)
                except (allocation.NotInRange, allocation.AlreadyAllocated) as exc:
                    raise InternalError(
                        f"failed to allocate requested HealthCheck NodePort {hc}: {exc}"
                    ) from None
                ws.claim("node-port", str(hc), uid)
        else:
            try:
                hc = allocation.allocate_node_port(port_range, _ints(used), ws.rng)
            except allocation.RangeFull:
                raise InternalError(
                    "failed to allocate a HealthCheck NodePort: range is full"
                ) from None
            ws.claim("node-port", str(hc), uid)
            spec["healthCheckNodePort"] = hc


def _ints(used: Mapping[str, str]) -> set[int]:
    return {int(v) for v in used}


def assign_load_balancer(ws: Workspace, svc: Manifest) -> None:
    """The cloud or MetalLB controller: write status.loadBalancer.ingress, or leave it pending.

    With provider `none` nothing writes the status, exactly as on a bare-metal kubeadm cluster,
    so `kubectl get svc` shows EXTERNAL-IP <pending> while nodePorts keep working.
    """
    uid = svc["metadata"]["uid"]
    spec = svc["spec"]
    status = svc.setdefault("status", {}).setdefault("loadBalancer", {})
    if spec.get("type") != "LoadBalancer" or ws.config.provider == "none":
        owned = _owned(ws, "lb-ip", uid)
        for value in owned:
            ws.release("lb-ip", value)
        kept = [i for i in status.get("ingress", []) if i.get("ip") not in owned]
        if kept:
            status["ingress"] = kept
        else:
            status.pop("ingress", None)
        return
    current = [i.get("ip") for i in status.get("ingress", []) if i.get("ip")]
    if current and all(ws.used("lb-ip").get(ip) == uid for ip in current):
        return
    requested = spec.get("loadBalancerIP", "")
    used = ws.used("lb-ip")
    if requested and requested not in used:
        ip = requested
    else:
        try:
            ip = allocation.allocate_pool_ip(ws.config.load_balancer_pool, used)
        except allocation.RangeFull:
            return  # the controller keeps retrying; the Service stays <pending>
    ws.claim("lb-ip", ip, uid)
    status["ingress"] = [{"ip": ip, "ipMode": "VIP"}]


def release_all(ws: Workspace, uid: str) -> None:
    for kind in ("node-port", "cluster-ip", "lb-ip"):
        for value in _owned(ws, kind, uid):
            ws.release(kind, value)


def copy_manifest(obj: Manifest) -> Manifest:
    return clone(obj)
