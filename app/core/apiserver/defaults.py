"""API-server defaulting: what a stored object gains over the manifest that was sent.

Upstream: pkg/apis/core/v1/defaults.go (SetDefaults_Service, _Pod, _PodSpec, _Container,
_Probe, _NodeStatus), pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment),
pkg/apis/discovery/v1/defaults.go, and the v1 ⇄ internal conversions that keep paired fields
(podIP/podIPs, podCIDR/podCIDRs) in step. The Service registry's create-time work on IP
families (pkg/registry/core/service/storage/alloc.go initIPFamilyFields, after
NormalizeClusterIPs) is here too, because it also fills fields the user left out.
Every function returns a new dict and leaves its argument untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.apiserver.validation.clusterips import validate_cluster_ips_related_fields
from app.core.model import names
from app.core.model.fielderrors import FieldError, ValidationFailed, invalid
from app.core.model.workspace import clone

Manifest = dict[str, Any]

DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
DEFAULT_SCHEDULER_NAME = "default-scheduler"
TERMINATION_MESSAGE_PATH = "/dev/termination-log"


def default_service(svc: Mapping[str, Any]) -> Manifest:
    """SetDefaults_Service, in upstream order."""
    out: Manifest = clone(dict(svc))
    spec: Manifest = out.setdefault("spec", {})
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)  # dropped silently, never an error
    if spec["sessionAffinity"] == "ClientIP":
        client_ip = (spec.get("sessionAffinityConfig") or {}).get("clientIP")
        if client_ip is None or "timeoutSeconds" not in client_ip:
            spec["sessionAffinityConfig"] = {
                "clientIP": {"timeoutSeconds": DEFAULT_CLIENT_IP_AFFINITY_SECONDS}
            }
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for port in spec.get("ports", []):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port", 0)  # named targetPorts are kept as written
    kind = spec["type"]
    externally_accessible = kind in ("NodePort", "LoadBalancer") or (
        kind == "ClusterIP" and bool(spec.get("externalIPs"))
    )
    if externally_accessible and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if "internalTrafficPolicy" not in spec and kind in ("NodePort", "LoadBalancer", "ClusterIP"):
        spec["internalTrafficPolicy"] = "Cluster"
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
        for ingress in out.get("status", {}).get("loadBalancer", {}).get("ingress", []):
            if ingress.get("ip") and "ipMode" not in ingress:
                ingress["ipMode"] = "VIP"
    return out


def normalize_cluster_ips(svc: Manifest, old: Mapping[str, Any] | None = None) -> None:
    """NormalizeClusterIPs (registry/core/service/strategy.go): sync clusterIP and clusterIPs.

    Old clients only send clusterIP; the registry derives clusterIPs from it before anyone
    reads either field. Mutates svc in place.
    """
    spec: Manifest = svc.setdefault("spec", {})
    cluster_ip, cluster_ips = spec.get("clusterIP", ""), spec.get("clusterIPs") or []
    if old is None:
        if cluster_ip and not cluster_ips:
            spec["clusterIPs"] = [cluster_ip]
        return
    old_spec: Mapping[str, Any] = old.get("spec", {})
    old_ip, old_ips = old_spec.get("clusterIP", ""), old_spec.get("clusterIPs") or []
    if old_ips and not cluster_ips and old_ip == cluster_ip:
        spec["clusterIPs"] = cluster_ips = list(old_ips)  # a patch that never sent clusterIPs
    if old_ip != cluster_ip and cluster_ips == old_ips:
        if old_ip and not cluster_ip:
            spec.pop("clusterIPs", None)  # clearing clusterIP clears both
        else:
            spec["clusterIPs"] = [cluster_ip]


def init_ip_family_fields(
    svc: Mapping[str, Any],
    *,
    cluster_family: str = "IPv4",
    old: Mapping[str, Any] | None = None,
) -> Manifest:
    """Fill ipFamilyPolicy and ipFamilies as the registry does before allocating IPs.

    The cluster is single-stack (`cluster_family` only). Raises ValidationFailed (422) for
    the inputs the registry itself rejects, before validation ever runs: malformed
    clusterIPs, a family this cluster lacks, RequireDualStack on a single-stack cluster.
    """
    out: Manifest = clone(dict(svc))
    normalize_cluster_ips(out, old)
    spec: Manifest = out["spec"]
    if spec.get("type") == "ExternalName":
        return out
    old_spec: Mapping[str, Any] = (old or {}).get("spec", {})
    headless_selectorless = spec.get("clusterIP") == "None" and not spec.get("selector")
    if "ipFamilyPolicy" not in spec:
        if "ipFamilyPolicy" in old_spec:
            spec["ipFamilyPolicy"] = old_spec["ipFamilyPolicy"]
        elif headless_selectorless:
            spec["ipFamilyPolicy"] = "RequireDualStack"
        else:
            spec["ipFamilyPolicy"] = "SingleStack"
    name = out.get("metadata", {}).get("name", "")
    errors = validate_cluster_ips_related_fields(out)
    if errors:
        raise ValidationFailed("Service", name, errors)
    policy: str = spec["ipFamilyPolicy"]
    errors = _update_prep(spec, old_spec, policy) if old is not None else []
    ips: list[str] = spec.get("clusterIPs") or []
    if policy == "SingleStack":
        for key, what in (("clusterIPs", "cluster IPs"), ("ipFamilies", "IP families")):
            if len(spec.get(key) or []) == 2:
                message = (
                    f"must be 'RequireDualStack' or 'PreferDualStack' when multiple {what} "
                    "are specified"
                )
                errors.append(invalid("spec.ipFamilyPolicy", policy, message))
    families: list[str] = list(spec.get("ipFamilies") or [])
    for i, ip in enumerate(ips):
        if ip == "None":
            break
        parsed = names.parse_ip_sloppy(ip)
        family = names.ip_family(parsed) if parsed is not None else cluster_family
        if i >= len(families):
            if family != cluster_family:
                message = f"{family} is not configured on this cluster"
                errors.append(invalid(f"spec.clusterIPs[{i}]", ips, message))
            else:
                families.append(family)
    if errors:
        raise ValidationFailed("Service", name, errors)
    if headless_selectorless:
        # Allowed even on a single-stack cluster: a selectorless headless Service gets both
        # families unless the user asked for SingleStack.
        families = families or [cluster_family]
        if len(families) < 2 and policy != "SingleStack":
            families.append("IPv6" if families[0] == "IPv4" else "IPv4")
        spec["ipFamilies"] = families
        return out
    if policy == "RequireDualStack":
        message = "this cluster is not configured for dual-stack services"
        errors.append(invalid("spec.ipFamilyPolicy", policy, message))
    for i, family in enumerate(families):
        if family != cluster_family:
            errors.append(
                invalid(f"spec.ipFamilies[{i}]", family, "not configured on this cluster")
            )
    if errors:
        raise ValidationFailed("Service", name, errors)
    spec["ipFamilies"] = families or [cluster_family]
    return out


def _update_prep(spec: Manifest, old_spec: Mapping[str, Any], policy: str) -> list[FieldError]:
    """initIPFamilyFields' update-only step: SingleStack is how a Service sheds a family."""
    errors: list[FieldError] = []
    for key, what in (("clusterIPs", "cluster IP"), ("ipFamilies", "IP family")):
        new_values, old_values = spec.get(key) or [], old_spec.get(key) or []
        if policy == "SingleStack":
            if new_values == old_values and len(new_values) > 1:
                spec[key] = new_values[:1]
        elif new_values and len(new_values) < len(old_values):
            message = f"must be 'SingleStack' to release the secondary {what}"
            errors.append(invalid("spec.ipFamilyPolicy", policy, message))
    return errors


def _image_tag(image: str) -> str:
    """The tag parsers.ParseImageName finds: "latest" when there is neither tag nor digest."""
    if not image or image != image.strip():
        return ""  # unparsable references default as if they had a tag
    name, at, _ = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    repository = name[: len(name) - len(tag) - 1] if tag else name
    if repository != repository.lower():
        return ""  # docker references reject upper case repositories
    return tag or ("" if at else "latest")


def _default_probe(probe: Manifest) -> None:
    for key, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        if not probe.get(key):
            probe[key] = value
    http_get = probe.get("httpGet")
    if http_get is not None:
        http_get["path"] = http_get.get("path") or "/"
        http_get["scheme"] = http_get.get("scheme") or "HTTP"


def _default_container(container: Manifest) -> None:
    if not container.get("imagePullPolicy"):
        latest = _image_tag(container.get("image", "")) == "latest"
        container["imagePullPolicy"] = "Always" if latest else "IfNotPresent"
    container["terminationMessagePath"] = (
        container.get("terminationMessagePath") or TERMINATION_MESSAGE_PATH
    )
    container["terminationMessagePolicy"] = container.get("terminationMessagePolicy") or "File"
    # Resources is a struct, not a pointer, in v1.Container: it is always written back.
    container.setdefault("resources", {})
    for port in container.get("ports", []):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(container.get(key), dict):
            _default_probe(container[key])


def _default_pod_spec(spec: Manifest) -> None:
    """SetDefaults_PodSpec plus the container defaults; pod templates get exactly these."""
    spec["dnsPolicy"] = spec.get("dnsPolicy") or "ClusterFirst"
    spec["restartPolicy"] = spec.get("restartPolicy") or "Always"
    spec.setdefault("securityContext", {})
    spec.setdefault("terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS)
    spec["schedulerName"] = spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME
    for key in ("initContainers", "containers"):
        for container in spec.get(key, []):
            _default_container(container)


def _sync_pair(status: Manifest, single: str, plural: str) -> None:
    """v1 ⇄ internal conversion of podIP/podIPs and hostIP/hostIPs: the singular one wins."""
    ip, ips = status.get(single, ""), status.get(plural) or []
    if ip and (not ips or ips[0].get("ip") != ip):
        status[plural] = [{"ip": ip}]
    elif ips and not ip:
        status[single] = ips[0].get("ip", "")


def default_pod(pod: Mapping[str, Any]) -> Manifest:
    """SetDefaults_Pod and SetDefaults_PodSpec with their container and probe defaults."""
    out: Manifest = clone(dict(pod))
    spec: Manifest = out.setdefault("spec", {})
    for key in ("containers", "initContainers"):
        for container in spec.get(key, []):
            resources = container.get("resources") or {}
            limits = resources.get("limits")
            if limits:  # requests default to limits, key by key
                requests = resources.setdefault("requests", {})
                for name, quantity in limits.items():
                    requests.setdefault(name, clone(quantity))
                container["resources"] = resources
    spec.setdefault("enableServiceLinks", True)
    if spec.get("hostNetwork"):
        for key in ("containers", "initContainers"):
            for container in spec.get(key, []):
                for port in container.get("ports", []):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort", 0)
    _default_pod_spec(spec)
    status = out.get("status")
    if status is not None:
        _sync_pair(status, "podIP", "podIPs")
        _sync_pair(status, "hostIP", "hostIPs")
    return out


def default_deployment(dep: Mapping[str, Any]) -> Manifest:
    """SetDefaults_Deployment (apps/v1) and the pod defaults of its template."""
    out: Manifest = clone(dict(dep))
    spec: Manifest = out.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy: Manifest = spec.setdefault("strategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling: Manifest = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    default_pod_template(spec)
    return out


def default_pod_template(spec: Manifest) -> None:
    """The pod defaults of a workload's template (SetDefaults_PodSpec reaches it too)."""
    template: Manifest = spec.setdefault("template", {})
    _default_pod_spec(template.setdefault("spec", {}))


def default_node(node: Mapping[str, Any]) -> Manifest:
    """SetDefaults_NodeStatus, and podCIDR/podCIDRs kept in step as conversion does."""
    out: Manifest = clone(dict(node))
    spec: Manifest | None = out.get("spec")
    if spec is not None:
        cidr, cidrs = spec.get("podCIDR", ""), spec.get("podCIDRs") or []
        if cidr and (not cidrs or cidrs[0] != cidr):
            spec["podCIDRs"] = [cidr]
        elif cidrs and not cidr:
            spec["podCIDR"] = cidrs[0]
    status: Manifest | None = out.get("status")
    if status is not None and "allocatable" not in status and "capacity" in status:
        status["allocatable"] = clone(status["capacity"])
    return out


def default_endpoint_slice(endpoint_slice: Mapping[str, Any]) -> Manifest:
    """SetDefaults_EndpointPort (discovery/v1): name "" and protocol TCP."""
    out: Manifest = clone(dict(endpoint_slice))
    for port in out.get("ports", []):
        port.setdefault("name", "")
        port.setdefault("protocol", "TCP")
    return out
