"""Lists of one resource as the apiserver serves them, from the watch cache: stored kinds,
the derived ones (Endpoints, EndpointSlices), and chunks of them with `limit` and
`continue` (app/core/apiserver/paging.py). The Kubernetes face and the pages both list through
here, so a page's table and `kubectl get --chunk-size` see the same objects in the same order.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from app.core.apiserver import fieldselectors, paging
from app.core.apiserver.eventsv1 import to_events_v1
from app.core.controllers import endpointslices as endpoints
from app.core.controllers import workloads
from app.core.model import selectors
from app.core.model.kept import KEPT
from app.core.model.objects import SERVICE_NAME_LABEL
from app.core.model.workspace import Manifest
from app.db import repo, watchcache
from app.db.tables import ClusterRow

EVENTS_V1 = "events.k8s.io/events"
"""The events.k8s.io/v1 view of the Events the core group serves (the same store)."""
STORED = {
    "services": "Service",
    "pods": "Pod",
    "nodes": "Node",
    "deployments": "Deployment",
    "replicasets": "ReplicaSet",
    "statefulsets": "StatefulSet",
    "daemonsets": "DaemonSet",
    "events": "Event",
    EVENTS_V1: "Event",
}
STORED.update({k.resource: k.kind for k in KEPT})
LIST_KINDS = {
    "services": ("v1", "ServiceList"),
    "pods": ("v1", "PodList"),
    "nodes": ("v1", "NodeList"),
    "endpoints": ("v1", "EndpointsList"),
    "events": ("v1", "EventList"),
    "deployments": ("apps/v1", "DeploymentList"),
    "replicasets": ("apps/v1", "ReplicaSetList"),
    "statefulsets": ("apps/v1", "StatefulSetList"),
    "daemonsets": ("apps/v1", "DaemonSetList"),
    "endpointslices": ("discovery.k8s.io/v1", "EndpointSliceList"),
    EVENTS_V1: ("events.k8s.io/v1", "EventList"),
}
LIST_KINDS.update({k.resource: (k.api_version, f"{k.kind}List") for k in KEPT})


def owned_status(entry: watchcache.Entry, kind: str, items: list[Manifest]) -> list[Manifest]:
    """Workloads with the status their pods give them (the owner index, not a scan)."""
    return [workloads.served(entry.base, kind, obj) for obj in items]


def present(resource: str, obj: Manifest) -> Manifest:
    """The object in the resource's own version: events.k8s.io/v1 converts a core Event."""
    return to_events_v1(obj) if resource == EVENTS_V1 else obj


def collection(
    session: Session, row: ClusterRow, resource: str, namespace: str | None
) -> list[Manifest]:
    """Every object of a resource, in etcd's order (namespace, then name)."""
    return listing(session, row, resource, namespace)[1]


def listing(
    session: Session, row: ClusterRow, resource: str, namespace: str | None
) -> tuple[int, list[Manifest]]:
    """The resourceVersion of the watch cache and the objects of a resource as of it."""
    entry, position = watchcache.consistent(session, row)
    if resource in STORED:
        version, items = entry.read(STORED[resource], namespace)
        if STORED[resource] in workloads.KINDS:
            items = owned_status(entry, STORED[resource], items)
        return max(version, position), items
    with entry.lock:
        version, state = max(entry.rv, position), entry.state(repo.config_of(row))
        _, services = entry.read("Service", namespace)
        _, stored_endpoints = entry.read("Endpoints", namespace)
    created = {
        (o["metadata"].get("namespace"), o["metadata"]["name"]): o["metadata"].get(
            "creationTimestamp"
        )
        for o in services
    }
    out: list[Manifest] = []
    for service in state.services:
        if namespace is not None and service.namespace != namespace:
            continue
        if resource == "endpoints":
            # Selector-less Services have the Endpoints their users wrote (stored, below).
            if service.selector is not None or endpoints.is_api_server_service(service):
                out.append(endpoints.endpoints_object(state, service))
        else:
            out.extend(endpoints.endpoint_slices(state, service))
    if resource == "endpoints":
        out.extend({**o, "metadata": dict(o.get("metadata", {}))} for o in stored_endpoints)
    if resource == "endpointslices":
        out.extend(  # copies down to the metadata the loop below fills in: the snapshot's
            # slices are shared with the snapshots after it (snapshot.StateBuilder)
            {**s, "metadata": dict(s.get("metadata", {}))}
            for s in state.endpoint_slices
            if namespace is None or s.get("metadata", {}).get("namespace") == namespace
        )
    out.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
    for item in out:
        meta = item.setdefault("metadata", {})
        meta.setdefault("resourceVersion", str(version))
        owner = meta.get("labels", {}).get(SERVICE_NAME_LABEL, meta.get("name"))
        # The controllers write these right after the Service; they share its age.
        if created.get((meta.get("namespace"), owner)):
            meta.setdefault("creationTimestamp", created[(meta.get("namespace"), owner)])
    return version, out


def matcher(
    resource: str, label_selector: str | None, field_selector: str | None
) -> Callable[[Manifest], bool] | None:
    """Whether an object passes the selectors (None when nothing filters), after checking
    that both parse (SelectorError, or a 400 naming an unsupported field, as upstream)."""
    fieldselectors.check(resource, field_selector)
    requirements = selectors.parse(label_selector or "")
    if not requirements and not field_selector:
        return None

    def matches(obj: Manifest) -> bool:
        labels = obj.get("metadata", {}).get("labels", {})
        return selectors.matches(requirements, labels) and (
            not field_selector or fieldselectors.matches(resource, obj, field_selector)
        )

    return matches


def list_chunk(
    *,
    session: Session,
    row: ClusterRow,
    resource: str,
    namespace: str | None,
    limit: int,
    token: str,
    label_selector: str | None = None,
    field_selector: str | None = None,
) -> tuple[int, paging.Chunk]:
    """One chunk of a list (`limit` 0: all) and the resourceVersion it is served at."""
    matches = matcher(resource, label_selector, field_selector)
    version, items = listing(session, row, resource, namespace)
    return version, paging.chunk(
        items,
        limit=limit,
        token=token,
        resource_version=version,
        across_namespaces=namespace is None,
        matches=matches,
    )


def search_services(
    *, session: Session, row: ClusterRow, text: str, limit: int
) -> tuple[list[tuple[str, str]], int]:
    """Services whose `namespace/name` (or type) holds every word of `text`, case-insensitive,
    in the cache's order: the first `limit` as (key, type), and how many match in all."""
    words = text.lower().split()
    entry = watchcache.current(session, row)
    _, services = entry.read("Service")
    found: list[tuple[str, str]] = []
    total = 0
    for obj in services:
        meta = obj.get("metadata", {})
        key = f"{meta.get('namespace', '')}/{meta.get('name', '')}"
        kind = str(obj.get("spec", {}).get("type") or "ClusterIP")
        haystack = f"{key} {kind}".lower()
        if all(w in haystack for w in words):
            total += 1
            if len(found) < limit:
                found.append((key, kind))
    return found, total
