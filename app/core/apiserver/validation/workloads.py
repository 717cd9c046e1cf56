"""Validation of Nodes, Deployments and EndpointSlices.

Upstream: pkg/apis/core/validation/validation.go (ValidateNode, validateNodeTaints),
pkg/apis/apps/validation/validation.go (ValidateDeployment, ValidateDeploymentSpec,
ValidatePodTemplateSpecForReplicaSet) and pkg/apis/discovery/validation/validation.go
(ValidateEndpointSlice). Pods live in validation_pods.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.core.apiserver.validation.meta import (
    each_invalid,
    not_supported_in_order,
    selector_matches,
    validate_annotations,
    validate_cidr,
    validate_dns1123_label,
    validate_label_selector,
    validate_labels,
    validate_non_special_ip,
    validate_nonnegative,
    validate_object_meta,
    validate_qualified_name,
)
from app.core.apiserver.validation.pods import validate_pod_spec
from app.core.model import names
from app.core.model.fielderrors import (
    ErrorType,
    FieldError,
    GoValue,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
    too_many,
)

PROTOCOLS = ["SCTP", "TCP", "UDP"]

Obj = Mapping[str, Any]


def validate_node(node: Obj) -> list[FieldError]:
    """ValidateNode: cluster-scoped metadata, taints and pod CIDRs."""
    errors = validate_object_meta(
        node.get("metadata", {}), namespaced=False, name_fn=names.name_is_dns_subdomain
    )
    spec: Obj = node.get("spec", {})
    # Upstream hangs the taints path off metadata (fldPath.Child("taints")).
    errors += _taints(spec.get("taints", []), "metadata.taints")
    # v1 → internal conversion: a lone podCIDR becomes podCIDRs[0], and wins if they differ.
    cidrs: list[str] = spec.get("podCIDRs", [])
    if spec.get("podCIDR") and (not cidrs or cidrs[0] != spec["podCIDR"]):
        cidrs = [spec["podCIDR"]]
    for i, cidr in enumerate(cidrs):
        errors += validate_cidr(cidr, f"spec.podCIDRs[{i}]")
    if len(cidrs) > 1:
        parsed = [names.parse_cidr_sloppy(c) for c in cidrs]
        versions = {p.version for p in parsed if p is not None}
        if None in parsed or len(versions) < 2 or len(cidrs) > 2:
            message = "may specify no more than one CIDR for each IP family"
            errors.append(invalid("spec.podCIDRs", cidrs, message))
        seen: set[str] = set()
        for i, cidr in enumerate(cidrs):
            if cidr in seen:
                errors.append(duplicate(f"spec.podCIDRs[{i}]", cidr))
            seen.add(cidr)
    return errors


def _taints(taints: list[Obj], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    unique: set[tuple[str, str]] = set()
    for i, taint in enumerate(taints):
        at = f"{path}[{i}]"
        key, value, effect = taint.get("key", ""), taint.get("value", ""), taint.get("effect", "")
        errors += validate_qualified_name(key, f"{at}.key")
        messages = names.is_valid_label_value(value)
        if messages:
            errors.append(invalid(f"{at}.value", value, ";".join(messages)))
        if not effect:
            errors.append(required(f"{at}.effect"))
        elif effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            supported = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
            errors.append(not_supported_in_order(f"{at}.effect", effect, supported))
        if (effect, key) in unique:
            # The bad value is the internal core.Taint; the detail is set by hand upstream.
            bad = GoValue("core.Taint", {"key": key, "value": value, "effect": effect})
            detail = "taints must be unique by key and effect pair"
            errors.append(FieldError(ErrorType.DUPLICATE, at, bad, detail))
            continue
        unique.add((effect, key))
    return errors


def validate_deployment(dep: Obj) -> list[FieldError]:
    """ValidateDeployment (apps/v1), after SetDefaults_Deployment."""
    errors = validate_object_meta(
        dep.get("metadata", {}), namespaced=True, name_fn=names.name_is_dns_subdomain
    )
    spec: Obj = dep.get("spec", {})
    errors += validate_nonnegative(spec.get("replicas", 0), "spec.replicas")
    errors += validate_selector_and_template(spec, "deployment")  # sic: upstream's word
    errors += _strategy(spec.get("strategy", {}), "spec.strategy")
    errors += validate_nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    if "revisionHistoryLimit" in spec:
        errors += validate_nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit")
    if "progressDeadlineSeconds" in spec:
        deadline = spec["progressDeadlineSeconds"]
        errors += validate_nonnegative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= spec.get("minReadySeconds", 0):
            message = "must be greater than minReadySeconds"
            errors.append(invalid("spec.progressDeadlineSeconds", deadline, message))
    return errors


def validate_selector_and_template(spec: Obj, what: str) -> list[FieldError]:
    """The field errors of a workload spec's `selector` and `template`, as every apps/v1
    workload validates them: the selector must be set, valid and non-empty (`what` is the
    kind's word in upstream's "empty selector is invalid for …"), and the template's labels
    must match it. When the selector does not parse (LabelSelectorAsSelector fails), the
    template is not validated at all."""
    errors: list[FieldError] = []
    selector: Obj | None = spec.get("selector")
    selector_errors = validate_label_selector(selector, "spec.selector")
    if selector is None:
        errors.append(required("spec.selector"))
    else:
        errors += selector_errors
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            message = f"empty selector is invalid for {what}"
            errors.append(invalid("spec.selector", GoValue("v1.LabelSelector", selector), message))
    if selector is not None and selector_errors:
        # ValidateStatefulSetSpec gives this error no detail at all.
        detail = "" if what == "statefulset" else "invalid label selector"
        errors.append(invalid("spec.selector", GoValue("v1.LabelSelector", selector), detail))
    else:
        errors += validate_replica_set_pod_template(
            spec.get("template", {}), selector, "spec.template"
        )
    return errors


def validate_replica_set_pod_template(
    template: Obj, selector: Obj | None, path: str
) -> list[FieldError]:
    """The field errors of a workload's pod template at `path`.

    ValidatePodTemplateSpecForReplicaSet, which Deployments, ReplicaSets, StatefulSets and
    DaemonSets share: the labels must match `selector`; labels, annotations and pod spec must be
    valid; the pod must restart Always, with no ephemeral containers, no activeDeadlineSeconds."""
    meta: Obj = template.get("metadata", {})
    labels: Mapping[str, str] | None = meta.get("labels")
    errors: list[FieldError] = []
    # A nil selector parses to labels.Nothing(), which is not empty and matches nothing.
    empty = (
        selector is not None
        and not selector.get("matchLabels")
        and not selector.get("matchExpressions")
    )
    if not empty and (selector is None or not selector_matches(selector, labels or {})):
        value = GoValue("map[string]string", labels)
        message = "`selector` does not match template `labels`"
        errors.append(invalid(f"{path}.metadata.labels", value, message))
    # ValidatePodTemplateSpec uses fldPath.Child("labels"), without "metadata".
    errors += validate_labels(labels, f"{path}.labels")
    errors += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    spec: Obj = template.get("spec", {})
    errors += validate_pod_spec(spec, f"{path}.spec", resource_is_pod=False)
    if spec.get("ephemeralContainers"):
        message = "ephemeral containers not allowed in pod template"
        errors.append(forbidden(f"{path}.spec.ephemeralContainers", message))
    if spec.get("restartPolicy") != "Always":
        errors.append(
            not_supported(f"{path}.spec.restartPolicy", spec.get("restartPolicy", ""), ["Always"])
        )
    if "activeDeadlineSeconds" in spec:
        message = "activeDeadlineSeconds in ReplicaSet is not Supported"
        errors.append(forbidden(f"{path}.spec.activeDeadlineSeconds", message))
    return errors


def _int_or_percent(value: int | str) -> int:
    """getIntOrPercentValue: a percent's number, else IntValue() (strconv.Atoi or 0)."""
    if isinstance(value, int):
        return value
    if not names.is_valid_percent(value):
        return int(value[:-1])
    return int(value) if re.fullmatch(r"[+-]?[0-9]+", value) else 0


def _strategy(strategy: Obj, path: str) -> list[FieldError]:
    kind = strategy.get("type", "")
    rolling: Obj | None = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            message = "may not be specified when strategy `type` is 'Recreate'"
            return [forbidden(f"{path}.rollingUpdate", message)]
        return []
    if kind != "RollingUpdate":
        bad = {"Type": kind, "RollingUpdate": _rolling_json(rolling)}
        return [not_supported_in_order(path, bad, ["Recreate", "RollingUpdate"])]
    if rolling is None:
        message = "this should be defaulted and never be nil"
        return [required(f"{path}.rollingUpdate", message)]
    errors: list[FieldError] = []
    at = f"{path}.rollingUpdate"
    unavailable, surge = rolling.get("maxUnavailable", 0), rolling.get("maxSurge", 0)
    for key, value in (("maxUnavailable", unavailable), ("maxSurge", surge)):
        if isinstance(value, str):
            errors += each_invalid(f"{at}.{key}", value, names.is_valid_percent(value))
        else:
            errors += validate_nonnegative(value, f"{at}.{key}")
    if _int_or_percent(unavailable) == 0 and _int_or_percent(surge) == 0:
        message = "may not be 0 when `maxSurge` is 0"
        errors.append(invalid(f"{at}.maxUnavailable", unavailable, message))
    if isinstance(unavailable, str) and not names.is_valid_percent(unavailable):
        if int(unavailable[:-1]) > 100:
            message = "must not be greater than 100%"
            errors.append(invalid(f"{at}.maxUnavailable", unavailable, message))
    return errors


def _rolling_json(rolling: Obj | None) -> dict[str, Any] | None:
    if rolling is None:
        return None
    return {
        "MaxUnavailable": rolling.get("maxUnavailable", 0),
        "MaxSurge": rolling.get("maxSurge", 0),
    }


def validate_endpoint_slice(endpoint_slice: Obj) -> list[FieldError]:
    """ValidateEndpointSliceCreate (discovery/v1)."""
    errors = validate_object_meta(
        endpoint_slice.get("metadata", {}), namespaced=True, name_fn=names.name_is_dns_subdomain
    )
    address_type = endpoint_slice.get("addressType", "")
    if not address_type:
        errors.append(required("addressType"))
    elif address_type not in ("IPv4", "IPv6", "FQDN"):
        errors.append(not_supported("addressType", address_type, ["FQDN", "IPv4", "IPv6"]))
    errors += _endpoints(endpoint_slice.get("endpoints", []), address_type)
    return errors + _endpoint_ports(endpoint_slice.get("ports", []))


def _endpoints(endpoints: list[Obj], address_type: str) -> list[FieldError]:
    if len(endpoints) > 1000:
        return [too_many("endpoints", len(endpoints), 1000)]
    errors: list[FieldError] = []
    for i, endpoint in enumerate(endpoints):
        at = f"endpoints[{i}]"
        addresses: list[str] = endpoint.get("addresses", [])
        if not addresses:
            errors.append(required(f"{at}.addresses", "must contain at least 1 address"))
        elif len(addresses) > 100:
            errors.append(too_many(f"{at}.addresses", len(addresses), 100))
        for j, address in enumerate(addresses):
            errors += _endpoint_address(address, address_type, f"{at}.addresses[{j}]")
        if "nodeName" in endpoint:
            value = endpoint["nodeName"]
            errors += each_invalid(f"{at}.nodeName", value, names.name_is_dns_subdomain(value))
        topology: Mapping[str, str] = endpoint.get("deprecatedTopology", {})
        if len(topology) > 16:
            errors.append(too_many(f"{at}.deprecatedTopology", len(topology), 16))
        errors += validate_labels(topology, f"{at}.deprecatedTopology")
        if "hostname" in endpoint:
            errors += validate_dns1123_label(endpoint["hostname"], f"{at}.hostname")
        zones = (endpoint.get("hints") or {}).get("forZones", [])
        if len(zones) > 8:
            errors.append(too_many(f"{at}.hints.forZones", len(zones), 8))
            continue
        seen: set[str] = set()
        for j, zone in enumerate(zones):
            name, zone_path = zone.get("name", ""), f"{at}.hints.forZones[{j}].name"
            if name in seen:
                errors.append(duplicate(zone_path, name))
            seen.add(name)
            errors += each_invalid(zone_path, name, names.is_valid_label_value(name))
    return errors


def _endpoint_address(address: str, address_type: str, path: str) -> list[FieldError]:
    ip = names.parse_ip_sloppy(address)
    if address_type in ("IPv4", "IPv6"):
        if ip is None or names.ip_family(ip) != address_type:
            errors = [invalid(path, address, f"must be a valid {address_type} address")]
        else:
            errors = []
        return errors + validate_non_special_ip(address, path)
    if address_type == "FQDN":
        return _fully_qualified_domain_name(address, path)
    return []  # unknown types fall through unvalidated


def _fully_qualified_domain_name(name: str, path: str) -> list[FieldError]:
    """validation.IsFullyQualifiedDomainName: a trailing dot allowed, two labels at least."""
    if not name:
        return [required(path)]
    name = name[:-1] if name.endswith(".") else name
    messages = names.is_dns1123_subdomain(name)
    if messages:
        return [invalid(path, name, ",".join(messages))]
    if len(name.split(".")) < 2:
        message = "should be a domain with at least two segments separated by dots"
        return [invalid(path, name, message)]
    for label in name.split("."):
        messages = names.is_dns1123_label(label)
        if messages:
            return [invalid(path, label, ",".join(messages))]
    return []


def _endpoint_ports(ports: list[Obj]) -> list[FieldError]:
    if len(ports) > 20000:
        return [too_many("ports", len(ports), 20000)]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, port in enumerate(ports):
        at = f"ports[{i}]"
        # discovery/v1 defaulting sets a missing name to "" and a missing protocol to TCP.
        name = port.get("name", "")
        if name:
            errors += validate_dns1123_label(name, f"{at}.name")
        if name in seen:
            errors.append(duplicate(f"{at}.name", name))
        seen.add(name)
        protocol = port.get("protocol", "TCP")
        if protocol not in PROTOCOLS:
            errors.append(not_supported(f"{at}.protocol", protocol, PROTOCOLS))
        if "appProtocol" in port:
            errors += validate_qualified_name(port["appProtocol"], f"{at}.appProtocol")
    return errors
