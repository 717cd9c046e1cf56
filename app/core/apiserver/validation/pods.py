"""Pod validation: the metadata, spec and container rules a Service simulation can trip over.

Upstream: pkg/apis/core/validation/validation.go (ValidatePodCreate, ValidatePodSpec,
validateContainers, validateInitContainers, validateContainerCommon, validateContainerPorts,
validateRestartPolicy, validateDNSPolicy). Volumes, probes, resources and security contexts
are not modelled. Deployment templates reuse validate_pod_spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.apiserver.validation.meta import (
    each_invalid,
    not_supported_in_order,
    validate_dns1123_label,
    validate_ip,
    validate_labels,
    validate_object_meta,
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

PROTOCOLS = ["SCTP", "TCP", "UDP"]
MAX_INT32 = 2**31 - 1
INIT_ONLY = "may not be set for init containers without restartPolicy=Always"

Obj = Mapping[str, Any]


def validate_pod(pod: Obj) -> list[FieldError]:
    """ValidatePodCreate: metadata, spec, and the pod-only checks templates skip."""
    spec: Obj = pod.get("spec", {})
    errors = validate_object_meta(
        pod.get("metadata", {}), namespaced=True, name_fn=names.name_is_dns_subdomain
    )
    errors += validate_pod_spec(spec, "spec", resource_is_pod=True)
    for key in ("containers", "initContainers"):
        for i, container in enumerate(spec.get(key, [])):
            image: str = container.get("image", "")
            if image != image.strip():
                message = "must not have leading or trailing whitespace"
                errors.append(invalid(f"spec.{key}[{i}].image", image, message))
    if spec.get("ephemeralContainers"):
        errors.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
    if spec.get("nodeName") and spec.get("schedulingGates"):
        message = "cannot be set until all schedulingGates have been cleared"
        errors.append(forbidden("spec.nodeName", message))
    return errors + _pod_ips(pod.get("status", {}))


def _pod_ips(status: Obj) -> list[FieldError]:
    ips = [entry.get("ip", "") for entry in status.get("podIPs", [])]
    errors: list[FieldError] = []
    for i, ip in enumerate(ips):
        errors += validate_ip(ip, f"status.podIPs[{i}]")
    if len(ips) > 1:
        parsed = [names.parse_ip_sloppy(ip) for ip in ips]
        families = {names.ip_family(p) for p in parsed if p is not None}
        if None in parsed or len(families) < 2 or len(ips) > 2:
            value = GoValue("[]core.PodIP", [{"ip": ip} for ip in ips])
            message = "may specify no more than one IP for each IP family"
            errors.append(invalid("status.podIPs", value, message))
        seen: set[str] = set()
        for i, ip in enumerate(ips):
            if ip in seen:
                errors.append(duplicate(f"status.podIPs[{i}]", GoValue("core.PodIP", {"ip": ip})))
            seen.add(ip)
    return errors


def validate_pod_spec(spec: Obj, path: str, *, resource_is_pod: bool) -> list[FieldError]:
    """ValidatePodSpec, for the fields the simulator reads."""
    errors: list[FieldError] = []
    if "terminationGracePeriodSeconds" not in spec:
        errors.append(required(f"{path}.terminationGracePeriodSeconds"))
    errors += _containers(spec, path)
    errors += _init_containers(spec, path)
    if spec.get("hostNetwork"):
        for i, container in enumerate(spec.get("containers", [])):
            for j, port in enumerate(container.get("ports", [])):
                host, target = port.get("hostPort", 0), port.get("containerPort", 0)
                # A template may leave hostPort 0: Pod defaulting fills it in later.
                if (resource_is_pod or host != 0) and host != target:
                    errors.append(
                        invalid(
                            f"{path}.containers[{i}].ports[{j}].hostPort",
                            host,
                            "must match `containerPort` when `hostNetwork` is true",
                        )
                    )
    errors += _enum(
        spec.get("restartPolicy", ""), f"{path}.restartPolicy", ["Always", "OnFailure", "Never"]
    )
    errors += _enum(
        spec.get("dnsPolicy", ""),
        f"{path}.dnsPolicy",
        ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
    )
    errors += validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    errors += _dns_config(spec, path)
    for key in ("serviceAccountName", "nodeName"):
        if spec.get(key):
            errors += each_invalid(
                f"{path}.{key}", spec[key], names.name_is_dns_subdomain(spec[key])
            )
    if "activeDeadlineSeconds" in spec:
        value = spec["activeDeadlineSeconds"]
        if not 1 <= value <= MAX_INT32:
            message = names.inclusive_range_error(1, MAX_INT32)
            errors.append(invalid(f"{path}.activeDeadlineSeconds", value, message))
    for key in ("hostname", "subdomain"):
        if spec.get(key):
            errors += validate_dns1123_label(spec[key], f"{path}.{key}")
    if spec.get("priorityClassName"):
        value = spec["priorityClassName"]
        errors += each_invalid(
            f"{path}.priorityClassName", value, names.name_is_dns_subdomain(value)
        )
    return errors


def _enum(value: str, path: str, supported: list[str]) -> list[FieldError]:
    if not value:
        return [required(path)]
    if value not in supported:
        return [not_supported_in_order(path, value, supported)]
    return []


def _dns_config(spec: Obj, path: str) -> list[FieldError]:
    config: Obj | None = spec.get("dnsConfig")
    if spec.get("dnsPolicy") == "None":
        if config is None:
            message = "must provide `dnsConfig` when `dnsPolicy` is None"
            return [required(f"{path}.dnsConfig", message)]
        if not config.get("nameservers"):
            message = "must provide at least one DNS nameserver when `dnsPolicy` is None"
            return [required(f"{path}.dnsConfig.nameservers", message)]
    errors: list[FieldError] = []
    for i, server in enumerate((config or {}).get("nameservers", [])):
        errors += validate_ip(server, f"{path}.dnsConfig.nameservers[{i}]")
    return errors


def _container_common(container: Obj, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    name = container.get("name", "")
    if not name:
        errors.append(required(f"{path}.name"))
    else:
        errors += validate_dns1123_label(name, f"{path}.name")
    if not container.get("image"):
        errors.append(required(f"{path}.image"))
    errors += _enum(
        container.get("terminationMessagePolicy", ""),
        f"{path}.terminationMessagePolicy",
        ["File", "FallbackToLogsOnError"],
    )
    errors += _container_ports(container.get("ports", []), f"{path}.ports")
    errors += _enum(
        container.get("imagePullPolicy", ""),
        f"{path}.imagePullPolicy",
        ["Always", "IfNotPresent", "Never"],
    )
    return errors


def _container_ports(ports: list[Obj], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, port in enumerate(ports):
        at = f"{path}[{i}]"
        name = port.get("name", "")
        if name:
            messages = names.is_valid_port_name(name)
            if messages:
                errors += each_invalid(f"{at}.name", name, messages)
            elif name in seen:
                errors.append(duplicate(f"{at}.name", name))
            else:
                seen.add(name)
        number = port.get("containerPort", 0)
        if number == 0:
            errors.append(required(f"{at}.containerPort"))
        else:
            errors += each_invalid(f"{at}.containerPort", number, names.is_valid_port_num(number))
        host = port.get("hostPort", 0)
        if host != 0:
            errors += each_invalid(f"{at}.hostPort", host, names.is_valid_port_num(host))
        protocol = port.get("protocol", "")
        if not protocol:
            errors.append(required(f"{at}.protocol"))
        elif protocol not in PROTOCOLS:
            errors.append(not_supported(f"{at}.protocol", protocol, PROTOCOLS))
    return errors


def _host_port_conflicts(containers: list[Obj], path: str, start: int = 0) -> list[FieldError]:
    """AccumulateUniqueHostPorts: protocol/hostIP/hostPort taken twice."""
    errors: list[FieldError] = []
    taken: set[str] = set()
    for i, container in enumerate(containers, start=start):
        for j, port in enumerate(container.get("ports", [])):
            if not port.get("hostPort"):
                continue
            key = f"{port.get('protocol', '')}/{port.get('hostIP', '')}/{port['hostPort']}"
            if key in taken:
                errors.append(duplicate(f"{path}[{i}].ports[{j}].hostPort", key))
            taken.add(key)
    return errors


def _containers(spec: Obj, path: str) -> list[FieldError]:
    containers: list[Obj] = spec.get("containers", [])
    at = f"{path}.containers"
    if not containers:
        return [required(at)]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, container in enumerate(containers):
        errors += _container_common(container, f"{at}[{i}]")
        name = container.get("name", "")
        if name in seen:
            errors.append(duplicate(f"{at}[{i}].name", name))
        seen.add(name)
        if "restartPolicy" in container:
            message = "may not be set for non-init containers"
            errors.append(forbidden(f"{at}[{i}].restartPolicy", message))
    return errors + _host_port_conflicts(containers, at)


def _init_containers(spec: Obj, path: str) -> list[FieldError]:
    at = f"{path}.initContainers"
    seen = {c.get("name", "") for c in spec.get("containers", [])}
    errors: list[FieldError] = []
    for i, container in enumerate(spec.get("initContainers", [])):
        errors += _container_common(container, f"{at}[{i}]")
        policy = container.get("restartPolicy")
        if policy is not None and policy != "Always":
            errors.append(not_supported(f"{at}[{i}].restartPolicy", policy, ["Always"]))
        name = container.get("name", "")
        if name in seen:
            errors.append(duplicate(f"{at}[{i}].name", name))
        elif name:
            seen.add(name)
        # Init containers run one by one, so each is checked against itself only.
        errors += _host_port_conflicts([container], at, start=i)
        if policy != "Always":
            for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if key in container:
                    errors.append(forbidden(f"{at}[{i}].{key}", INIT_ONLY))
    return errors
