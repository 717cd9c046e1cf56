"""The EndpointSlice and Endpoints controllers: which pods back a Service, on which port.

Sources: pkg/controller/endpointslice/endpointslice_controller.go (syncService) and
staging/src/k8s.io/endpointslice/{reconciler.go,utils.go,util/controller_utils.go,
trafficdist/trafficdist.go}; the legacy object from pkg/controller/endpoint and
pkg/api/v1/endpoints (RepackSubsets). `default/kubernetes` is not controller-managed: the
API server's endpoint reconciler (pkg/controlplane/reconcilers) writes its Endpoints and a
slice named `kubernetes` pointing at the control plane.

What kube-proxy makes of these slices lives in endpointcache.py.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from app.core.controllers.lineage import Change, Lineage
from app.core.model.objects import SERVICE_NAME_LABEL, ClusterState, Pod, Service, ServicePort

MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
HEADLESS_LABEL = "service.kubernetes.io/headless"
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity"
MAX_ENDPOINTS_PER_SLICE = 100  # kube-controller-manager --max-endpoints-per-slice default
MAX_ENDPOINTS_ADDRESSES = 1000  # pkg/controller/endpoint: maxCapacity
API_SERVER_PORT = 6443
# k8s.io/apimachinery/pkg/util/rand: the alphabet generateName suffixes are drawn from.
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MAX_GENERATED_NAME_LENGTH = 63 - 5  # apiserver/pkg/storage/names: maxGeneratedNameLength

T = TypeVar("T")
_CACHE_ATTRIBUTE = "_derived_cache"
LINEAGE_ATTRIBUTE = "_lineage"
GENERATION_ATTRIBUTE = "_generation"


def derived(
    state: ClusterState,
    key: Any,
    build: Callable[[], T],
    evolve: Callable[[T, list[Change]], T] | None = None,
) -> T:
    """Memoise a value computed from one (immutable) ClusterState snapshot.

    The state is frozen, so anything derived from it can be kept for as long as the state
    lives. The cache hangs off the state itself (written to its __dict__, as
    functools.cached_property does on frozen dataclasses), so it dies with the state even
    when a cached value points back at it (a RoutingIndex holds its state): a module-level
    cache keyed by id(state) kept every such snapshot alive forever.

    `evolve`: for a snapshot the watch cache built, start from the value of an earlier one
    and apply the changes since (lineage.py) instead of building it over every object.
    """
    cache: dict[Any, Any] | None = state.__dict__.get(_CACHE_ATTRIBUTE)
    if cache is None:
        cache = state.__dict__.setdefault(_CACHE_ATTRIBUTE, {})
    if key not in cache:
        lineage: Lineage | None = state.__dict__.get(LINEAGE_ATTRIBUTE)
        if evolve is None or lineage is None:
            cache[key] = build()
        else:
            generation: int = state.__dict__[GENERATION_ATTRIBUTE]
            cache[key] = lineage.value(key, generation, build, evolve)
    return cache[key]  # type: ignore[no-any-return]


def is_api_server_service(service: Service) -> bool:
    return service.namespace == "default" and service.name == "kubernetes"


PodIndex = dict[tuple[str, str, str], list[Pod]]


def _pod_index(state: ClusterState) -> PodIndex:
    """Pods by (namespace, label key, label value), so selection never scans every pod."""

    def build() -> PodIndex:
        index: PodIndex = defaultdict(list)
        for pod in state.pods:
            for key, value in pod.labels.items():
                index[(pod.namespace, key, value)].append(pod)
        return dict(index)

    return derived(state, "pods-by-label", build, _evolve_pod_index)


def _evolve_pod_index(index: PodIndex, changes: list[Change]) -> PodIndex:
    """The index with each changed pod's entries replaced (the lists copied where they
    change: the index given belongs to an older snapshot too). Order within a list does not
    matter: selected_pods sorts what it picks."""
    out, copied = dict(index), set()

    def entries(key: tuple[str, str, str]) -> list[Pod]:
        if key not in copied:
            out[key] = list(out.get(key, ()))
            copied.add(key)
        return out[key]

    for kind, before, after in changes:
        if kind != "Pod":
            continue
        if before is not None:
            for label in before.labels.items():
                pods = entries((before.namespace, *label))
                pods[:] = [pod for pod in pods if pod is not before]
        if after is not None:
            for label in after.labels.items():
                entries((after.namespace, *label)).append(after)
    for key in copied:
        if not out[key]:
            del out[key]
    return out


def selected_pods(state: ClusterState, service: Service) -> list[Pod]:
    """Pods in the Service's namespace matching every selector pair, sorted by name.

    An empty selector does not survive the API server's storage round trip (an empty map
    is dropped), so like a missing one it selects nothing.
    """
    if not service.selector:
        return []
    index = _pod_index(state)
    candidates = [index.get((service.namespace, k, v), []) for k, v in service.selector.items()]
    smallest = min(candidates, key=len)
    selector = service.selector
    pods = [p for p in smallest if all(p.labels.get(k) == v for k, v in selector.items())]
    return sorted(pods, key=lambda p: p.name)


def resolve_target_port(service_port: ServicePort, pod: Pod) -> int | None:
    """FindPort: a number is used as is; a name must match a container port's name and
    protocol (regular containers first, then sidecars). None: this pod does not serve it."""
    target = service_port.target_port
    if isinstance(target, int):
        return target
    for cp in pod.container_ports:
        if cp.name == target and cp.protocol == service_port.protocol:
            return cp.port
    return None


def _endpoint_ports(service: Service, pod: Pod) -> list[dict[str, Any]]:
    ports = []
    for sp in service.ports:
        number = resolve_target_port(sp, pod)
        if number is None:
            continue
        port: dict[str, Any] = {"name": sp.name, "port": number, "protocol": sp.protocol}
        if sp.app_protocol:
            port["appProtocol"] = sp.app_protocol
        ports.append(port)
    return ports


def included(state: ClusterState, service: Service, pod: Pod, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: not terminal, has an IP; terminating only when asked."""
    if pod.phase in ("Succeeded", "Failed") or not pod.pod_ip:
        return False
    if pod.terminating and not include_terminating:
        return False
    # reconciler.go: a pod whose Node object is missing is skipped, unless the Service
    # publishes not-ready addresses anyway.
    return service.publish_not_ready_addresses or state.node(pod.node_name) is not None


def _node_zone(state: ClusterState, node_name: str) -> str:
    zones = derived(state, "node-zones", lambda: {n.name: n.zone for n in state.nodes})
    return zones.get(node_name, "")


def _pod_endpoint(state: ClusterState, service: Service, pod: Pod) -> dict[str, Any]:
    """podToEndpoint: serving = pod Ready, ready = serving and not terminating (or forced)."""
    serving = pod.ready
    ready = service.publish_not_ready_addresses or (serving and not pod.terminating)
    endpoint: dict[str, Any] = {
        "addresses": [pod.pod_ip],
        "conditions": {"ready": ready, "serving": serving, "terminating": pod.terminating},
    }
    if pod.hostname and pod.subdomain == service.name:
        endpoint["hostname"] = pod.hostname
    endpoint["targetRef"] = {
        "kind": "Pod",
        "namespace": pod.namespace,
        "name": pod.name,
        "uid": pod.uid,
    }
    if pod.node_name:
        endpoint["nodeName"] = pod.node_name
    zone = _node_zone(state, pod.node_name)
    if zone:
        endpoint["zone"] = zone
        # trafficdist.go preferCloseHeuristic: each endpoint is hinted for its own zone.
        if service.traffic_distribution in ("PreferClose", "PreferSameZone"):
            endpoint["hints"] = {"forZones": [{"name": zone}]}
    return endpoint


def generated_name(prefix: str, seed: str) -> str:
    """names.SimpleNameGenerator: prefix cut to 58 characters plus 5 "random" characters,
    here drawn deterministically from `seed` so a snapshot always names its slices alike."""
    digest = hashlib.sha256(seed.encode()).digest()
    suffix = "".join(NAME_ALPHABET[b % len(NAME_ALPHABET)] for b in digest[:5])
    return prefix[:MAX_GENERATED_NAME_LENGTH] + suffix


def _slice_labels(service: Service) -> dict[str, str]:
    """setEndpointSliceLabels: the Service's own labels plus the two reserved ones."""
    labels = {
        k: v for k, v in service.labels.items() if k not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL)
    }
    if service.headless:
        labels[HEADLESS_LABEL] = ""
    labels[SERVICE_NAME_LABEL] = service.name
    labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
    return labels


def _new_slice(
    service: Service,
    index: int,
    address_type: str,
    endpoints: list[dict[str, Any]],
    ports: list[dict[str, Any]],
) -> dict[str, Any]:
    prefix = f"{service.name}-"
    seed = f"{service.uid or service.key}/{index}"
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": generated_name(prefix, seed),
            "generateName": prefix,
            "namespace": service.namespace,
            "labels": _slice_labels(service),
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "name": service.name,
                    "uid": service.uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "addressType": address_type,
        "endpoints": endpoints,
        "ports": ports,
    }


def api_server_slice(state: ClusterState) -> dict[str, Any]:
    """The slice the API server's endpoint reconciler keeps for `default/kubernetes`."""
    ip = state.config.control_plane_address
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {SERVICE_NAME_LABEL: "kubernetes"},
        },
        "addressType": "IPv6" if ":" in ip else "IPv4",
        "endpoints": [{"addresses": [ip], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": API_SERVER_PORT, "protocol": "TCP"}],
    }


def _chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def endpoint_slices(state: ClusterState, service: Service) -> list[dict[str, Any]]:
    """The EndpointSlices the control plane maintains for `service` (Kubernetes JSON).

    Endpoints are grouped by identical port list and address family, at most 100 per slice;
    a Service that selects nothing still gets one placeholder slice without endpoints.
    ExternalName and selector-less Services get none (their slices are the user's).
    """
    if service.type == "ExternalName":
        return []
    if is_api_server_service(service):
        return [api_server_slice(state)]
    if not service.selector:
        return []
    groups: dict[tuple[str, str], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for pod in selected_pods(state, service):
        if not included(state, service, pod, include_terminating=True):
            continue
        ports = _endpoint_ports(service, pod)
        family = "IPv6" if ":" in pod.pod_ip else "IPv4"
        key = (family, repr(ports))
        groups.setdefault(key, ([], ports))[0].append(_pod_endpoint(state, service, pod))
    slices: list[dict[str, Any]] = []
    for (family, _), (endpoints, ports) in groups.items():
        for chunk in _chunks(endpoints, MAX_ENDPOINTS_PER_SLICE):
            slices.append(_new_slice(service, len(slices), family, chunk, ports))
    if not slices:
        family = "IPv6" if ":" in service.cluster_ip else "IPv4"
        slices.append(_new_slice(service, 0, family, [], []))
    return slices


def _legacy_address(service: Service, pod: Pod) -> dict[str, Any]:
    address: dict[str, Any] = {"ip": pod.pod_ip}
    if pod.hostname and pod.subdomain == service.name:
        address["hostname"] = pod.hostname
    if pod.node_name:
        address["nodeName"] = pod.node_name
    address["targetRef"] = {
        "kind": "Pod",
        "namespace": pod.namespace,
        "name": pod.name,
        "uid": pod.uid,
    }
    return address


def endpoints_object(state: ClusterState, service: Service) -> dict[str, Any]:
    """The legacy v1 Endpoints object (deprecated API, still maintained in v1.33).

    Ready pods go to `addresses`, others to `notReadyAddresses`; terminating pods are left
    out unless publishNotReadyAddresses. Subsets are repacked so that each holds the
    addresses sharing one port set (RepackSubsets); upstream orders by hash, we by IP.
    """
    meta: dict[str, Any] = {"name": service.name, "namespace": service.namespace}
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta}
    if is_api_server_service(service):
        meta["labels"] = {SKIP_MIRROR_LABEL: "true"}
        obj["subsets"] = [
            {
                "addresses": [{"ip": state.config.control_plane_address}],
                "ports": [{"name": "https", "port": API_SERVER_PORT, "protocol": "TCP"}],
            }
        ]
        return obj
    labels = dict(service.labels)
    if service.headless:
        labels[HEADLESS_LABEL] = ""
    if labels:
        meta["labels"] = labels
    subsets = _repack(_legacy_addresses_by_port(state, service))
    if sum(len(s.get("addresses", [])) + len(s.get("notReadyAddresses", [])) for s in subsets) > (
        MAX_ENDPOINTS_ADDRESSES
    ):
        meta["annotations"] = {OVER_CAPACITY_ANNOTATION: "truncated"}
        subsets = _truncate(subsets, MAX_ENDPOINTS_ADDRESSES)
    if subsets:
        obj["subsets"] = subsets
    return obj


LegacyPort = tuple[str, int, str]
"""(name, number, protocol); number -1 is RepackSubsets' sentinel for "no ports"."""


def _legacy_addresses_by_port(
    state: ClusterState, service: Service
) -> dict[LegacyPort, dict[str, tuple[dict[str, Any], bool]]]:
    """port -> {ip: (EndpointAddress, ready)}, as the endpoints controller adds them."""
    by_port: dict[LegacyPort, dict[str, tuple[dict[str, Any], bool]]] = {}
    tolerate = service.publish_not_ready_addresses
    pods = selected_pods(state, service) if service.type != "ExternalName" else []
    for pod in pods:
        if not included(state, service, pod, include_terminating=tolerate):
            continue
        entry = (_legacy_address(service, pod), tolerate or pod.ready)
        if not service.ports and service.headless:
            by_port.setdefault(("", -1, ""), {})[pod.pod_ip] = entry
        for sp in service.ports:
            number = resolve_target_port(sp, pod)
            if number is not None:
                by_port.setdefault((sp.name, number, sp.protocol), {})[pod.pod_ip] = entry
    return by_port


def _repack(
    by_port: dict[LegacyPort, dict[str, tuple[dict[str, Any], bool]]],
) -> list[dict[str, Any]]:
    """RepackSubsets: ports offered by exactly the same (address, readiness) set share a
    subset."""
    by_addresses: dict[tuple[tuple[str, bool], ...], list[LegacyPort]] = {}
    for legacy_port, addrs in by_port.items():
        key = tuple(sorted((ip, ready) for ip, (_, ready) in addrs.items()))
        by_addresses.setdefault(key, []).append(legacy_port)
    subsets: list[dict[str, Any]] = []
    for _, ports in sorted(by_addresses.items()):
        entries = sorted(by_port[ports[0]].items())
        subset: dict[str, Any] = {}
        ready = [address for _, (address, ok) in entries if ok]
        not_ready = [address for _, (address, ok) in entries if not ok]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        real_ports = [
            {**({"name": name} if name else {}), "port": number, "protocol": protocol}
            for name, number, protocol in sorted(ports)
            if number > 0
        ]
        if real_ports:
            subset["ports"] = real_ports
        subsets.append(subset)
    return subsets


def _truncate(subsets: list[dict[str, Any]], capacity: int) -> list[dict[str, Any]]:
    """truncateEndpoints (pkg/controller/endpoint): keep `capacity` addresses, shared between
    subsets in proportion (rounded up); not-ready ones go first, ready ones only if needed."""
    total_ready = sum(len(s.get("addresses", [])) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses", [])) for s in subsets)
    truncate_ready = total_ready > capacity
    field = "addresses" if truncate_ready else "notReadyAddresses"
    budget = capacity if truncate_ready else capacity - total_ready
    total = total_ready if truncate_ready else total_not_ready
    left = budget
    result = []
    for subset in subsets:
        subset = dict(subset)
        share = min(math.ceil(len(subset.get(field, [])) / total * budget), left)
        subset[field] = subset.get(field, [])[:share]
        if truncate_ready:
            subset.pop("notReadyAddresses", None)
        left -= len(subset[field])
        if not subset[field]:
            del subset[field]
        result.append(subset)
    return result
