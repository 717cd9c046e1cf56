"""Validating the simulator-level cluster settings (what the API server's flags would be).

Messages follow the apimachinery field-error format so the API can answer with the same
Status shape as for Kubernetes objects.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from dataclasses import replace
from typing import Any

from app.core.apiserver.allocation import PoolInvalid, pool_bounds
from app.core.model.fielderrors import FieldError, forbidden, invalid, not_supported, required
from app.core.model.objects import IPVS_SCHEDULERS, PROVIDERS, PROXY_MODES, ClusterConfig, PortRange

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DEFAULT_POOLS = {"cloud": "198.51.100.0/24", "metallb-l2": "192.168.49.240/28", "none": ""}
MAX_NODES = 5000

# JSON field → ClusterConfig attribute; the contract of POST /api/clusters.
FIELDS = {
    "provider": "provider",
    "proxyMode": "proxy_mode",
    "ipvsScheduler": "ipvs_scheduler",
    "serviceCIDR": "service_cidr",
    "podCIDR": "pod_cidr",
    "nodePortRange": "node_port_range",
    "nodeCIDR": "node_cidr",
    "controlPlaneAddress": "control_plane_address",
    "loadBalancerPool": "load_balancer_pool",
}
MUTABLE = {"provider", "proxyMode", "ipvsScheduler", "loadBalancerPool"}
# What a body may hold: the settings, `nodes` on create, and what GET adds (a read-modify-write
# sends those back unchanged; they are ignored).
ACCEPTED = ("name", "nodes", *FIELDS, "resourceVersion", "createdAt", "counts")


def _network(field: str, value: Any, errors: list[FieldError], min_size: int) -> None:
    try:
        network = ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        errors.append(invalid(field, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24)"))
        return
    if network.version != 4:
        errors.append(invalid(field, value, "only IPv4 clusters are simulated"))
    elif network.num_addresses < min_size:
        errors.append(invalid(field, value, f"must hold at least {min_size} addresses"))


def _pool(value: str, errors: list[FieldError]) -> None:
    """A pool the LoadBalancer controller can hand addresses out of (allocation.pool_bounds)."""
    if not value.strip():
        errors.append(required("loadBalancerPool"))
        return
    try:
        pool_bounds(value)
    except PoolInvalid as exc:
        errors.append(invalid("loadBalancerPool", value, str(exc)))


def config_from_json(body: dict[str, Any], base: ClusterConfig | None = None) -> ClusterConfig:
    """Build a config from the API's JSON; raise ValueError(list[FieldError]) when invalid."""
    errors: list[FieldError] = []
    name = body.get("name", base.name if base else "")
    if not isinstance(name, str) or not name:
        errors.append(required("name"))
    elif len(name) > 63 or not DNS1123_LABEL.match(name):
        errors.append(
            invalid(
                "name",
                name,
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
                "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            )
        )
    accepted = ACCEPTED if base is None else tuple(k for k in ACCEPTED if k != "nodes")
    unknown = sorted(str(key) for key in body if key not in accepted)
    errors.extend(forbidden(key, f"unknown field; known: {', '.join(accepted)}") for key in unknown)
    values: dict[str, Any] = {}
    for key, attr in FIELDS.items():
        if key in body and body[key] is not None:
            if not isinstance(body[key], str):
                errors.append(invalid(key, body[key], "must be a string"))
                continue
            values[attr] = body[key]
    checks = (
        ("provider", PROVIDERS),
        ("proxy_mode", PROXY_MODES),
        ("ipvs_scheduler", IPVS_SCHEDULERS),
    )
    for attr, allowed in checks:
        if attr in values and values[attr] not in allowed:
            key = next(k for k, a in FIELDS.items() if a == attr)
            errors.append(not_supported(key, values[attr], list(allowed)))
    if "service_cidr" in values:
        _network("serviceCIDR", values["service_cidr"], errors, 8)
    if "pod_cidr" in values:
        _network("podCIDR", values["pod_cidr"], errors, 256)
    if "node_cidr" in values:
        _network("nodeCIDR", values["node_cidr"], errors, 4)
    if "load_balancer_pool" in values:
        _pool(values["load_balancer_pool"], errors)
    if "node_port_range" in values:
        try:
            values["node_port_range"] = PortRange.parse(values["node_port_range"])
        except ValueError:
            errors.append(
                invalid(
                    "nodePortRange", values["node_port_range"], "must be a range like 30000-32767"
                )
            )
    for key in ("controlPlaneAddress",):
        if key in body and isinstance(body[key], str):
            try:
                ipaddress.IPv4Address(body[key])
            except ValueError:
                errors.append(invalid(key, body[key], "must be a valid IP address"))
    if errors:
        raise ValueError(errors)
    if base is not None:
        return replace(base, **values)
    provider = values.get("provider", "cloud")
    values.setdefault("load_balancer_pool", DEFAULT_POOLS.get(provider) or DEFAULT_POOLS["cloud"])
    return ClusterConfig(name=name, **values)


def node_capacity(config: ClusterConfig) -> int:
    """Worker addresses in the node network: its hosts less the gateway and the control plane."""
    network = ipaddress.ip_network(config.node_cidr, strict=False)
    hosts = list(itertools.islice(network.hosts(), MAX_NODES + 2))[1:]
    return len([h for h in hosts if str(h) != config.control_plane_address])


def node_count(body: dict[str, Any], config: ClusterConfig | None = None) -> int:
    count = body.get("nodes", 3)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_NODES:
        raise ValueError([invalid("nodes", count, f"must be between 0 and {MAX_NODES}, inclusive")])
    if config is not None and count > (capacity := node_capacity(config)):
        detail = f"must be at most {capacity}, the worker addresses in {config.node_cidr}"
        raise ValueError([invalid("nodes", count, detail)])
    return count


def config_to_json(config: ClusterConfig) -> dict[str, Any]:
    out: dict[str, Any] = {"name": config.name}
    for key, attr in FIELDS.items():
        out[key] = str(getattr(config, attr))
    return out
