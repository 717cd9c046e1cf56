"""Validation of the kept kinds of the named groups: Ingress and NetworkPolicy
(networking.k8s.io/v1), HorizontalPodAutoscaler (autoscaling/v2), PodDisruptionBudget
(policy/v1).

Upstream: pkg/apis/networking/validation/validation.go (ValidateIngressCreate,
validateIngressBackend, ValidateNetworkPolicy), pkg/apis/autoscaling/validation/validation.go
(ValidateHorizontalPodAutoscaler) and pkg/apis/policy/validation/validation.go
(ValidatePodDisruptionBudget).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.apiserver.validation.meta import (
    each_invalid,
    validate_cidr,
    validate_dns1123_subdomain,
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)
from app.core.model import names
from app.core.model.fielderrors import FieldError, forbidden, invalid, not_supported, required

Obj = Mapping[str, Any]
PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
METRIC_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"]


def _meta(obj: Obj, old: Obj | None) -> list[FieldError]:
    if old is not None:
        return validate_object_meta_update(obj.get("metadata", {}), old.get("metadata", {}))
    return validate_object_meta(
        obj.get("metadata", {}), namespaced=True, name_fn=names.name_is_dns_subdomain
    )


def _backend(backend: Obj, path: str) -> list[FieldError]:
    service, resource = backend.get("service"), backend.get("resource")
    if service is not None and resource is not None:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if resource is not None:
        return []
    if service is None:
        return [invalid(path, "", "resource or service backend is required")]
    errors: list[FieldError] = []
    name = service.get("name", "")
    if not name:
        errors.append(required(f"{path}.service.name"))
    else:
        errors += each_invalid(f"{path}.service.name", name, names.name_is_dns1035_label(name))
    port = service.get("port", {})
    port_name, number = port.get("name", ""), port.get("number", 0)
    if port_name and number:
        errors.append(invalid(path, "", "cannot set both port name & port number"))
    elif port_name:
        errors += each_invalid(
            f"{path}.service.port.name", port_name, names.is_valid_port_name(port_name)
        )
    elif number:
        errors += each_invalid(
            f"{path}.service.port.number", number, names.is_valid_port_num(number)
        )
    else:
        errors.append(required(path, "port name or number is required"))
    return errors


def _host(host: str, path: str) -> list[FieldError]:
    if names.parse_ip_sloppy(host) is not None:
        return [invalid(path, host, "must be a DNS name, not an IP address")]
    if host.startswith("*."):
        return each_invalid(path, host, names.is_dns1123_subdomain(host[2:]))
    return each_invalid(path, host, names.is_dns1123_subdomain(host))


def _rule(rule: Obj, path: str) -> list[FieldError]:
    errors = _host(rule["host"], f"{path}.host") if rule.get("host") else []
    http = rule.get("http")
    if http is None:
        return errors
    paths = http.get("paths", [])
    if not paths:
        errors.append(required(f"{path}.http.paths"))
    for j, entry in enumerate(paths):
        at = f"{path}.http.paths[{j}]"
        kind, value = entry.get("pathType"), entry.get("path", "")
        if kind is None:
            errors.append(required(f"{at}.pathType", "pathType must be specified"))
        elif kind not in PATH_TYPES:
            errors.append(not_supported(f"{at}.pathType", kind, PATH_TYPES))
        elif kind in ("Exact", "Prefix") and not value.startswith("/"):
            errors.append(invalid(f"{at}.path", value, "must be an absolute path"))
        errors += _backend(entry.get("backend", {}), f"{at}.backend")
    return errors


def validate_ingress(ing: Obj, old: Obj | None = None) -> list[FieldError]:
    """ValidateIngressCreate / ValidateIngressUpdate (the spec rules are the same)."""
    errors = _meta(ing, old)
    spec: Obj = ing.get("spec", {})
    rules, default = spec.get("rules", []), spec.get("defaultBackend")
    if not rules and default is None:
        errors.append(
            invalid("spec", _go_spec(spec), "either `defaultBackend` or `rules` must be specified")
        )
    if default is not None:
        errors += _backend(default, "spec.defaultBackend")
    for i, rule in enumerate(rules):
        errors += _rule(rule, f"spec.rules[{i}]")
    for i, tls in enumerate(spec.get("tls", [])):
        for j, host in enumerate(tls.get("hosts", [])):
            errors += _host(host, f"spec.tls[{i}].hosts[{j}]")
    if spec.get("ingressClassName"):
        errors += validate_dns1123_subdomain(spec["ingressClassName"], "spec.ingressClassName")
    return errors


def _go_spec(spec: Obj) -> str:
    return "networking.IngressSpec{...}" if spec else "networking.IngressSpec{}"


def _peers(peers: list[Obj], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, peer in enumerate(peers):
        at = f"{path}[{i}]"
        selectors = [k for k in ("podSelector", "namespaceSelector") if peer.get(k) is not None]
        block = peer.get("ipBlock")
        if not selectors and block is None:
            errors.append(required(at, "must specify a peer"))
        elif selectors and block is not None:
            errors.append(forbidden(at, "may not specify both ipBlock and another peer"))
        for key in selectors:
            errors += validate_label_selector(peer[key], f"{at}.{key}")
        if block is not None:
            if not block.get("cidr"):
                errors.append(required(f"{at}.ipBlock.cidr"))
            else:
                errors += validate_cidr(block["cidr"], f"{at}.ipBlock.cidr")
            for j, cidr in enumerate(block.get("except", [])):
                errors += validate_cidr(cidr, f"{at}.ipBlock.except[{j}]")
    return errors


def _ports(ports: list[Obj], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, port in enumerate(ports):
        at = f"{path}[{i}]"
        protocol = port.get("protocol", "TCP")
        if protocol not in PROTOCOLS:
            errors.append(not_supported(f"{at}.protocol", protocol, PROTOCOLS))
        value, end = port.get("port"), port.get("endPort")
        if isinstance(value, int):
            errors += each_invalid(f"{at}.port", value, names.is_valid_port_num(value))
            if end is not None and end < value:
                errors.append(
                    invalid(f"{at}.endPort", end, "must be greater than or equal to `port`")
                )
        elif isinstance(value, str):
            errors += each_invalid(f"{at}.port", value, names.is_valid_port_name(value))
            if end is not None:
                errors.append(
                    invalid(f"{at}.endPort", end, "may not be specified when `port` is non-numeric")
                )
        elif end is not None:
            errors.append(
                invalid(f"{at}.endPort", end, "may not be specified when `port` is not specified")
            )
    return errors


def validate_network_policy(np: Obj, old: Obj | None = None) -> list[FieldError]:
    """ValidateNetworkPolicy: selectors, peers, ports, policyTypes."""
    errors = _meta(np, old)
    spec: Obj = np.get("spec", {})
    errors += validate_label_selector(spec.get("podSelector", {}), "spec.podSelector")
    for i, rule in enumerate(spec.get("ingress", [])):
        errors += _ports(rule.get("ports", []), f"spec.ingress[{i}].ports")
        errors += _peers(rule.get("from", []), f"spec.ingress[{i}].from")
    for i, rule in enumerate(spec.get("egress", [])):
        errors += _ports(rule.get("ports", []), f"spec.egress[{i}].ports")
        errors += _peers(rule.get("to", []), f"spec.egress[{i}].to")
    types = spec.get("policyTypes", [])
    for i, kind in enumerate(types):
        if kind not in ("Ingress", "Egress"):
            from app.core.apiserver.validation.meta import not_supported_in_order

            errors.append(
                not_supported_in_order(f"spec.policyTypes[{i}]", kind, ["Ingress", "Egress"])
            )
    if len(types) > 2:
        errors.append(
            invalid("spec.policyTypes", types, "may not specify more than two policyTypes")
        )
    return errors


def _metric(metric: Obj, path: str) -> list[FieldError]:
    kind = metric.get("type", "")
    if not kind:
        return [required(f"{path}.type", "must specify a metric source type")]
    if kind not in METRIC_TYPES:
        return [not_supported(f"{path}.type", kind, METRIC_TYPES)]
    key = kind[0].lower() + kind[1:]
    source = metric.get(key)
    if source is None:
        return [required(f"{path}.{key}", "must populate information for the given metric source")]
    if kind != "Resource":
        return []
    errors: list[FieldError] = []
    if not source.get("name"):
        errors.append(required(f"{path}.resource.name", "must specify a resource name"))
    target = source.get("target", {})
    target_type = target.get("type", "")
    at = f"{path}.resource.target"
    if target_type not in ("Utilization", "Value", "AverageValue"):
        errors.append(
            not_supported(f"{at}.type", target_type, ["AverageValue", "Utilization", "Value"])
        )
    elif target_type == "Utilization":
        value = target.get("averageUtilization")
        if value is None:
            errors.append(
                required(
                    f"{at}.averageUtilization",
                    "must set averageUtilization when type is Utilization",
                )
            )
        elif value <= 0:
            errors.append(invalid(f"{at}.averageUtilization", value, "must be greater than 0"))
    return errors


def validate_horizontal_pod_autoscaler(hpa: Obj, old: Obj | None = None) -> list[FieldError]:
    """ValidateHorizontalPodAutoscaler (autoscaling/v2 after defaulting)."""
    errors = _meta(hpa, old)
    spec: Obj = hpa.get("spec", {})
    low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 0)
    if low < 1:
        errors.append(invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
    if high < 1:
        errors.append(invalid("spec.maxReplicas", high, "must be greater than 0"))
    elif high < low:
        errors.append(
            invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`")
        )
    ref: Obj = spec.get("scaleTargetRef", {})
    for key in ("kind", "name"):
        value = ref.get(key, "")
        if not value:
            errors.append(required(f"spec.scaleTargetRef.{key}"))
        elif "/" in value or value in (".", ".."):
            errors.append(invalid(f"spec.scaleTargetRef.{key}", value, "may not contain '/'"))
    for i, metric in enumerate(spec.get("metrics", [])):
        errors += _metric(metric, f"spec.metrics[{i}]")
    return errors


def _int_or_percent(value: object, path: str) -> list[FieldError]:
    if isinstance(value, int):
        if value < 0:
            return [invalid(path, value, "must be greater than or equal to 0")]
        return []
    text = str(value)
    errors = each_invalid(path, text, names.is_valid_percent(text))
    if not errors and int(text[:-1]) > 100:
        errors.append(invalid(path, text, "must be no more than 100%"))
    return errors


def validate_pod_disruption_budget(pdb: Obj, old: Obj | None = None) -> list[FieldError]:
    """ValidatePodDisruptionBudget (policy/v1)."""
    errors = _meta(pdb, old)
    spec: Obj = pdb.get("spec", {})
    if "minAvailable" in spec and "maxUnavailable" in spec:
        errors.append(
            invalid("spec", "policy.PodDisruptionBudgetSpec{...}",
                    "minAvailable and maxUnavailable cannot be both set")
        )  # fmt: skip
    for key in ("minAvailable", "maxUnavailable"):
        if key in spec:
            errors += _int_or_percent(spec[key], f"spec.{key}")
    errors += validate_label_selector(spec.get("selector"), "spec.selector")
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in ("AlwaysAllow", "IfHealthyBudget"):
        errors.append(
            not_supported(
                "spec.unhealthyPodEvictionPolicy", policy, ["AlwaysAllow", "IfHealthyBudget"]
            )
        )
    return errors
