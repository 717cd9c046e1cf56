"""Service validation, rule for rule as kube-apiserver runs it on create and update.

Upstream: pkg/apis/core/validation/validation.go (ValidateService, validateServicePort,
validateServiceExternalTrafficPolicy, ValidateServiceClusterIPsRelatedFields,
ValidateServiceUpdate). The input is a decoded, defaulted Service whose IP family fields the
registry has initialised. Range and "already allocated" checks on nodePorts and clusterIPs
are not validation: the allocators report those. Pods, Nodes, Deployments and EndpointSlices
are validated in validation_pods and validation_workloads and re-exported here, so callers
need one module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.apiserver.validation.clusterips import (
    is_headless,
    upgrade_downgrade_cluster_ips,
    upgrade_downgrade_ip_families,
    validate_cluster_ips_related_fields,
)
from app.core.apiserver.validation.meta import (
    each_invalid,
    validate_cidr,
    validate_dns1123_label,
    validate_dns1123_subdomain,
    validate_ip,
    validate_labels,
    validate_non_special_ip,
    validate_object_meta,
    validate_object_meta_update,
    validate_qualified_name,
)
from app.core.apiserver.validation.pods import validate_pod
from app.core.apiserver.validation.workloads import (
    validate_deployment,
    validate_endpoint_slice,
    validate_node,
)
from app.core.model import names
from app.core.model.fielderrors import (
    FieldError,
    GoValue,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
)

__all__ = [
    "validate_cluster_ips_related_fields",
    "validate_deployment",
    "validate_endpoint_slice",
    "validate_node",
    "validate_pod",
    "validate_service",
]

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
SESSION_AFFINITIES = ["ClientIP", "None"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
TRAFFIC_POLICIES = ["Cluster", "Local"]
# v1.33 without the alpha PreferSameTrafficDistribution gate accepts only PreferClose.
TRAFFIC_DISTRIBUTIONS = ["PreferClose"]
MAX_AFFINITY_SECONDS = 86400
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
TOPOLOGY_MODE_ANNOTATION = "service.kubernetes.io/topology-mode"
TOPOLOGY_HINTS_ANNOTATION = "service.kubernetes.io/topology-aware-hints"

Spec = Mapping[str, Any]


def validate_service(
    svc: Mapping[str, Any], *, old: Mapping[str, Any] | None = None
) -> list[FieldError]:
    """ValidateServiceCreate, or ValidateServiceUpdate when the stored object is given."""
    if old is None:
        return _validate_service(svc)
    spec, old_spec = svc.get("spec", {}), old.get("spec", {})
    errors = validate_object_meta_update(svc.get("metadata", {}), old.get("metadata", {}))
    errors += upgrade_downgrade_cluster_ips(old_spec, spec)
    errors += upgrade_downgrade_ip_families(old_spec, spec)
    errors += _load_balancer_class(spec, old_spec)
    if _needs_health_check(old_spec) and _needs_health_check(spec):
        if spec.get("healthCheckNodePort", 0) != old_spec.get("healthCheckNodePort", 0):
            errors.append(forbidden("spec.healthCheckNodePort", "field is immutable"))
    return errors + _validate_service(svc)


def _externally_accessible(spec: Spec) -> bool:
    # pkg/api/service/util.go ExternallyAccessible
    kind = spec.get("type")
    return kind in ("LoadBalancer", "NodePort") or (
        kind == "ClusterIP" and len(spec.get("externalIPs", [])) > 0
    )


def _needs_health_check(spec: Spec) -> bool:
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def _validate_service(svc: Mapping[str, Any]) -> list[FieldError]:
    meta: Mapping[str, Any] = svc.get("metadata", {})
    spec: Spec = svc.get("spec", {})
    errors = validate_object_meta(meta, namespaced=True, name_fn=names.name_is_dns1035_label)
    annotations: Mapping[str, str] = meta.get("annotations", {})
    if (
        TOPOLOGY_MODE_ANNOTATION in annotations
        and TOPOLOGY_HINTS_ANNOTATION in annotations
        and annotations[TOPOLOGY_MODE_ANNOTATION] != annotations[TOPOLOGY_HINTS_ANNOTATION]
    ):
        errors.append(
            invalid(
                f"metadata.annotations[{TOPOLOGY_MODE_ANNOTATION}]",
                annotations[TOPOLOGY_MODE_ANNOTATION],
                f"must match annotations[{TOPOLOGY_HINTS_ANNOTATION}] when both are specified",
            )
        )
    kind = spec.get("type", "")
    ports: list[Mapping[str, Any]] = spec.get("ports", [])
    if not ports and not is_headless(spec) and kind != "ExternalName":
        errors.append(required("spec.ports"))
    errors += _type_specific(spec)
    port_names: set[str] = set()
    for i, port in enumerate(ports):
        errors += _validate_service_port(port, len(ports) > 1, port_names, f"spec.ports[{i}]")
    if "selector" in spec:
        errors += validate_labels(spec["selector"], "spec.selector")
    errors += _session_affinity(spec)
    errors += validate_cluster_ips_related_fields(svc)
    for i, ip in enumerate(spec.get("externalIPs", [])):
        errors += validate_ip(ip, f"spec.externalIPs[{i}]") or validate_non_special_ip(
            ip, f"spec.externalIPs[{i}]"
        )
    if not kind:
        errors.append(required("spec.type"))
    elif kind not in SERVICE_TYPES:
        errors.append(not_supported("spec.type", kind, SERVICE_TYPES))
    if kind == "ClusterIP":
        errors += [
            forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'")
            for i, port in enumerate(ports)
            if port.get("nodePort", 0) != 0
        ]
    errors += _duplicate_ports(ports)
    errors += _source_ranges(spec, meta)
    if "allocateLoadBalancerNodePorts" in spec and kind != "LoadBalancer":
        errors.append(
            forbidden(
                "spec.allocateLoadBalancerNodePorts",
                "may only be used when `type` is 'LoadBalancer'",
            )
        )
    if kind == "LoadBalancer" and "allocateLoadBalancerNodePorts" not in spec:
        # Upstream builds this path without "spec" (field.NewPath("allocateLoadBalancerNodePorts")).
        errors.append(required("allocateLoadBalancerNodePorts"))
    errors += _load_balancer_class(spec, None)
    errors += _external_traffic_policy(spec)
    errors += _internal_traffic_policy(spec)
    if "trafficDistribution" in spec and spec["trafficDistribution"] not in TRAFFIC_DISTRIBUTIONS:
        errors.append(
            not_supported(
                "spec.trafficDistribution", spec["trafficDistribution"], TRAFFIC_DISTRIBUTIONS
            )
        )
    return errors


def _type_specific(spec: Spec) -> list[FieldError]:
    kind = spec.get("type")
    if kind in ("LoadBalancer", "NodePort"):
        if is_headless(spec):
            message = f"may not be set to 'None' for {kind} services"
            return [invalid("spec.clusterIPs[0]", "None", message)]
        return []
    if kind != "ExternalName":
        return []
    errors: list[FieldError] = []
    for key in ("clusterIPs", "ipFamilies"):
        if spec.get(key):
            errors.append(forbidden(f"spec.{key}", "may not be set for ExternalName services"))
    if "ipFamilyPolicy" in spec:
        errors.append(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
    # The value (a CNAME) may have one trailing dot to mark it fully qualified.
    cname: str = spec.get("externalName", "")
    cname = cname[:-1] if cname.endswith(".") else cname
    if cname:
        errors += validate_dns1123_subdomain(cname, "spec.externalName")
    else:
        errors.append(required("spec.externalName"))
    return errors


def _validate_service_port(
    port: Mapping[str, Any], require_name: bool, seen: set[str], path: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    name = port.get("name", "")
    if require_name and not name:
        errors.append(required(f"{path}.name"))
    elif name:
        errors += validate_dns1123_label(name, f"{path}.name")
        if name in seen:
            errors.append(duplicate(f"{path}.name", name))
        seen.add(name)
    number = port.get("port", 0)
    errors += each_invalid(f"{path}.port", number, names.is_valid_port_num(number))
    protocol = port.get("protocol", "")
    if not protocol:
        errors.append(required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        errors.append(not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    errors += validate_port_num_or_name(port.get("targetPort", 0), f"{path}.targetPort")
    if "appProtocol" in port:
        errors += validate_qualified_name(port["appProtocol"], f"{path}.appProtocol")
    # Headless Services may keep a targetPort that differs from port: the v1 API always
    # tolerated it, so upstream left that check commented out.
    return errors


def validate_port_num_or_name(port: int | str, path: str) -> list[FieldError]:
    if isinstance(port, str):
        return each_invalid(path, port, names.is_valid_port_name(port))
    return each_invalid(path, port, names.is_valid_port_num(port))


def _session_affinity(spec: Spec) -> list[FieldError]:
    affinity = spec.get("sessionAffinity", "")
    errors: list[FieldError] = []
    if not affinity:
        errors.append(required("spec.sessionAffinity"))
    elif affinity not in SESSION_AFFINITIES:
        errors.append(not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES))
    path = "spec.sessionAffinityConfig"
    config = spec.get("sessionAffinityConfig")
    if affinity == "ClientIP":
        detail = "when session affinity type is ClientIP"
        if config is None:
            return [*errors, required(path, detail)]
        if config.get("clientIP") is None:
            return [*errors, required(f"{path}.clientIP", detail)]
        if "timeoutSeconds" not in config["clientIP"]:
            return [*errors, required(f"{path}.clientIP.timeoutSeconds", detail)]
        timeout = config["clientIP"]["timeoutSeconds"]
        if timeout <= 0 or timeout > MAX_AFFINITY_SECONDS:
            message = f"must be greater than 0 and less than {MAX_AFFINITY_SECONDS}"
            errors.append(invalid(f"{path}.clientIP.timeoutSeconds", timeout, message))
    elif affinity == "None" and config is not None:
        errors.append(forbidden(path, "must not be set when session affinity is None"))
    return errors


def _duplicate_ports(ports: list[Mapping[str, Any]]) -> list[FieldError]:
    """The same nodePort may serve TCP and UDP; the same (protocol, port) only once."""
    errors: list[FieldError] = []
    node_ports: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        if port.get("nodePort", 0) == 0:
            continue
        key = (port.get("protocol", ""), port["nodePort"])
        if key in node_ports:
            errors.append(duplicate(f"spec.ports[{i}].nodePort", port["nodePort"]))
        node_ports.add(key)
    seen: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol", ""), port.get("port", 0))
        if key in seen:
            # The bad value is the internal core.ServicePort used as the map key.
            value = GoValue("core.ServicePort", {"protocol": key[0], "port": key[1]})
            errors.append(duplicate(f"spec.ports[{i}]", value))
        seen.add(key)
    return errors


def _source_ranges(spec: Spec, meta: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    lb_only = "may only be used when `type` is 'LoadBalancer'"
    ranges: list[str] = spec.get("loadBalancerSourceRanges", [])
    annotations: Mapping[str, str] = meta.get("annotations", {})
    if ranges:
        path = "spec.LoadBalancerSourceRanges"  # sic: upstream capitalises this path
        if spec.get("type") != "LoadBalancer":
            errors.append(forbidden(path, lb_only))
        for i, value in enumerate(ranges):
            # Space padding is tolerated: a leftover from the annotation's days.
            errors += validate_cidr(value.strip(), f"{path}[{i}]")
    elif SOURCE_RANGES_ANNOTATION in annotations:
        path = f"metadata.annotations[{SOURCE_RANGES_ANNOTATION}]"
        if spec.get("type") != "LoadBalancer":
            errors.append(forbidden(path, lb_only))
        value = annotations[SOURCE_RANGES_ANNOTATION].strip()
        if value:
            for cidr in value.split(","):
                errors += validate_cidr(cidr.strip(), path)
    return errors


def _load_balancer_class(spec: Spec, old_spec: Spec | None) -> list[FieldError]:
    errors: list[FieldError] = []
    is_lb = spec.get("type") == "LoadBalancer"
    if old_spec is not None:
        if is_lb and old_spec.get("type") == "LoadBalancer":
            if spec.get("loadBalancerClass") != old_spec.get("loadBalancerClass"):
                errors.append(
                    invalid(
                        "spec.loadBalancerClass",
                        spec.get("loadBalancerClass"),
                        "may not change once set",
                    )
                )
    if "loadBalancerClass" in spec:
        if is_lb:
            errors += validate_qualified_name(spec["loadBalancerClass"], "spec.loadBalancerClass")
        else:
            errors.append(
                forbidden(
                    "spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"
                )
            )
    return errors


def _external_traffic_policy(spec: Spec) -> list[FieldError]:
    errors: list[FieldError] = []
    policy = spec.get("externalTrafficPolicy", "")
    if not _externally_accessible(spec):
        if policy:
            message = "may only be set for externally-accessible services"
            errors.append(invalid("spec.externalTrafficPolicy", policy, message))
    elif not policy:
        errors.append(required("spec.externalTrafficPolicy"))
    elif policy not in TRAFFIC_POLICIES:
        errors.append(not_supported("spec.externalTrafficPolicy", policy, TRAFFIC_POLICIES))
    hc = spec.get("healthCheckNodePort", 0)
    if not _needs_health_check(spec):
        if hc != 0:
            message = (
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` "
                "is 'Local'"
            )
            errors.append(invalid("spec.healthCheckNodePort", hc, message))
    elif hc == 0:
        errors.append(required("spec.healthCheckNodePort"))
    else:
        errors += each_invalid("spec.healthCheckNodePort", hc, names.is_valid_port_num(hc))
    return errors


def _internal_traffic_policy(spec: Spec) -> list[FieldError]:
    if "internalTrafficPolicy" not in spec:
        # Not forbidden on other types: stored objects predate the check.
        if spec.get("type") in ("NodePort", "LoadBalancer", "ClusterIP"):
            return [required("spec.internalTrafficPolicy")]
        return []
    policy = spec["internalTrafficPolicy"]
    if policy not in TRAFFIC_POLICIES:
        return [not_supported("spec.internalTrafficPolicy", policy, TRAFFIC_POLICIES)]
    return []
