"""Validation of v1 Endpoints written by users (pkg/apis/core/validation ValidateEndpoints).

Users write Endpoints for Services without a selector; the mirroring controller turns them
into EndpointSlices that kube-proxy reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.apiserver.validation.meta import each_invalid, validate_ip, validate_object_meta
from app.core.model import names
from app.core.model.fielderrors import FieldError, duplicate, not_supported, required
from app.core.model.workspace import clone

PROTOCOLS = ["SCTP", "TCP", "UDP"]


def _address(address: Mapping[str, Any], path: str) -> list[FieldError]:
    ip = address.get("ip", "")
    if not ip:
        return [required(f"{path}.ip")]
    errors = validate_ip(ip, f"{path}.ip")
    if not errors:
        errors += each_invalid(f"{path}.ip", ip, names.special_ip_messages(ip))
    return errors


def _port(port: Mapping[str, Any], path: str, multiple: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    name = port.get("name", "")
    if multiple and not name:
        errors.append(required(f"{path}.name"))
    elif name:
        errors += each_invalid(f"{path}.name", name, names.is_dns1123_label(name))
    errors += each_invalid(
        f"{path}.port", port.get("port", 0), names.is_valid_port_num(port.get("port", 0))
    )
    protocol = port.get("protocol", "")
    if not protocol:
        errors.append(required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        errors.append(not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    return errors


def validate_endpoints(endpoints: Mapping[str, Any]) -> list[FieldError]:
    errors = validate_object_meta(
        endpoints.get("metadata", {}), namespaced=True, name_fn=names.name_is_dns_subdomain
    )
    for i, subset in enumerate(endpoints.get("subsets", [])):
        path = f"subsets[{i}]"
        addresses = subset.get("addresses", [])
        not_ready = subset.get("notReadyAddresses", [])
        if not addresses and not not_ready:
            errors.append(required(f"{path}", "must specify `addresses` or `notReadyAddresses`"))
        for j, address in enumerate(addresses):
            errors += _address(address, f"{path}.addresses[{j}]")
        for j, address in enumerate(not_ready):
            errors += _address(address, f"{path}.notReadyAddresses[{j}]")
        ports = subset.get("ports", [])
        seen: set[str] = set()
        for j, port in enumerate(ports):
            errors += _port(port, f"{path}.ports[{j}]", len(ports) > 1)
            name = port.get("name", "")
            if name and name in seen:
                errors.append(duplicate(f"{path}.ports[{j}].name", name))
            seen.add(name)
    return errors


def default_endpoints(endpoints: Mapping[str, Any]) -> dict[str, Any]:
    """SetDefaults_EndpointPort: protocol TCP."""
    out: dict[str, Any] = clone(dict(endpoints))
    for subset in out.get("subsets", []):
        for port in subset.get("ports", []):
            port.setdefault("protocol", "TCP")
    return out
