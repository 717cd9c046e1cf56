"""Reading the Kubernetes face: stored objects, derived ones, lists, Tables.

Endpoints and EndpointSlices are derived (the controllers' output) rather than stored;
Deployments get their status from the pods they own. `Accept: …;as=Table` answers with
a server-side Table, the only way kubectl shows more than NAME and AGE.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from app.core.apiserver import fieldselectors, tables
from app.core.apiserver import writes as apiserver
from app.core.apiserver.eventsv1 import to_events_v1
from app.core.controllers import endpointslices as endpoints
from app.core.controllers import workloads
from app.core.model import selectors
from app.core.model.kept import KEPT
from app.core.model.objects import SERVICE_NAME_LABEL
from app.core.model.workspace import CLUSTER_SCOPED, Manifest
from app.db import repo, watchcache
from app.db.session import ReadSession
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
ENDPOINTS_WARNING = (
    '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"'
)
NOT_FOUND = "the server could not find the requested resource"


def _with_kind(obj: Manifest, resource: str) -> Manifest:
    api_version, list_kind = LIST_KINDS[resource]
    return {"apiVersion": api_version, "kind": list_kind.removesuffix("List"), **obj}


def _owned_status(entry: watchcache.Entry, kind: str, items: list[Manifest]) -> list[Manifest]:
    """Workloads with the status their pods give them (the owner index, not a scan)."""
    return [workloads.served(entry.base, kind, obj) for obj in items]


def present(resource: str, obj: Manifest) -> Manifest:
    """The object in the resource's own version: events.k8s.io/v1 converts a core Event."""
    return to_events_v1(obj) if resource == EVENTS_V1 else obj


def collection(
    session: ReadSession, row: ClusterRow, resource: str, namespace: str | None
) -> list[Manifest]:
    """Every object of a resource, in etcd's order (namespace, then name)."""
    return listing(session, row, resource, namespace)[1]


def listing(
    session: ReadSession, row: ClusterRow, resource: str, namespace: str | None
) -> tuple[int, list[Manifest]]:
    """The resourceVersion of the watch cache and the objects of a resource as of it."""
    entry, position = watchcache.consistent(session, row)
    if resource in STORED:
        version, items = entry.read(STORED[resource], namespace)
        if STORED[resource] in workloads.KINDS:
            items = _owned_status(entry, STORED[resource], items)
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
        out.extend(
            dict(s)
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


def one(
    session: ReadSession, row: ClusterRow, resource: str, namespace: str, name: str
) -> Manifest:
    obj: Manifest | None
    if resource in STORED:
        kind = STORED[resource]
        entry = watchcache.current(session, row)
        obj = entry.base.peek(kind, ("" if kind in CLUSTER_SCOPED else namespace, name))
        if obj is not None and kind in workloads.KINDS:
            obj = _owned_status(entry, kind, [obj])[0]
    else:
        obj = next(
            (
                o
                for o in collection(session, row, resource, namespace)
                if o["metadata"]["name"] == name
            ),
            None,
        )
    if obj is None:
        plural = {
            "deployments": "deployments.apps",
            "replicasets": "replicasets.apps",
            "statefulsets": "statefulsets.apps",
            "daemonsets": "daemonsets.apps",
            "endpointslices": "endpointslices.discovery.k8s.io",
            EVENTS_V1: "events.events.k8s.io",
            **{k.resource: k.qualified for k in KEPT},
        }
        label = plural.get(resource, resource)
        raise apiserver.NotFound(f'{label} "{name}" not found', kind=label, name=name)
    return present(resource, _with_kind(obj, resource))


def check_field_selector(field_selector: str | None, resource: str | None = None) -> None:
    """Refuse a fieldSelector that does not parse, or (given the resource) names a field the
    resource does not support, before anything is answered (a watch would otherwise fail
    after its stream began): a 400 with upstream's text (app/core/apiserver/fieldselectors)."""
    if resource is None:
        fieldselectors.parse(field_selector)
    else:
        fieldselectors.check(resource, field_selector)


def _field_matches(obj: Manifest, field_selector: str | None, resource: str | None = None) -> bool:
    """Whether obj has the fields the selector names (per resource, as upstream)."""
    if not field_selector:
        return True
    if resource is None:
        resource = fieldselectors.KIND_RESOURCES.get(str(obj.get("kind", "")), "")
    return fieldselectors.matches(resource, obj, field_selector)


def wants_table(request: Request) -> bool:
    return "as=Table" in request.headers.get("accept", "").replace(" ", "")


def respond_list(
    request: Request,
    row: ClusterRow,
    resource: str,
    items: list[Manifest],
    label_selector: str | None,
    field_selector: str | None,
    *,
    version: int | None = None,
) -> JSONResponse:
    """A list as of `version` (the watch cache's; the row's when not given)."""
    requirements = selectors.parse(label_selector or "")
    chosen = [
        i
        for i in items
        if selectors.matches(requirements, i.get("metadata", {}).get("labels", {}))
        and _field_matches(i, field_selector, resource)
    ]
    listed = str(row.resource_version if version is None else version)
    chosen = [present(resource, i) for i in chosen]
    if wants_table(request) and resource in tables.COLUMNS:
        body = tables.table(resource, chosen, listed)
    else:
        api_version, kind = LIST_KINDS[resource]
        body = {
            "kind": kind,
            "apiVersion": api_version,
            "metadata": {"resourceVersion": listed},
            "items": chosen,
        }
    return _json(body, resource)


class ListQuery:
    """A list request's query: the Accept header (for Tables) and the selectors."""

    def __init__(
        self,
        request: Request,
        label_selector: str | None = Query(None, alias="labelSelector", max_length=4096),
        field_selector: str | None = Query(None, alias="fieldSelector", max_length=4096),
        watch: bool = Query(False),
        resource_version: str | None = Query(None, alias="resourceVersion", max_length=32),
        allow_watch_bookmarks: bool = Query(False, alias="allowWatchBookmarks"),
        timeout_seconds: int | None = Query(None, alias="timeoutSeconds", ge=0),
    ) -> None:
        self.request = request
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.watch = watch
        self.resource_version = resource_version
        self.allow_watch_bookmarks = allow_watch_bookmarks
        self.timeout_seconds = timeout_seconds

    def respond(
        self, session: ReadSession, row: ClusterRow, resource: str, namespace: str | None
    ) -> Response:
        check_field_selector(self.field_selector, resource)
        if self.watch:
            from app.api import watch  # watch.py builds on this module

            stream = watch.Watch(
                self.request, row, resource, namespace, self.label_selector, self.field_selector
            )
            return watch.respond(
                stream, self.resource_version, self.allow_watch_bookmarks, self.timeout_seconds
            )
        version, items = listing(session, row, resource, namespace)
        return respond_list(
            self.request,
            row,
            resource,
            items,
            self.label_selector,
            self.field_selector,
            version=version,
        )


ListDep = Annotated[ListQuery, Depends()]


def read_one(
    request: Request,
    session: ReadSession,
    row: ClusterRow,
    resource: str,
    namespace: str,
    name: str,
) -> JSONResponse:
    """GET of one object (or its status subresource, the whole object as upstream answers)."""
    return respond_one(request, row, resource, one(session, row, resource, namespace, name))


def respond_one(request: Request, row: ClusterRow, resource: str, obj: Manifest) -> JSONResponse:
    if wants_table(request) and resource in tables.COLUMNS:
        return _json(tables.table(resource, [obj], str(row.resource_version)), resource)
    return _json(obj, resource)


def _json(body: Any, resource: str) -> JSONResponse:
    response = JSONResponse(body)
    if resource == "endpoints":
        response.headers["Warning"] = ENDPOINTS_WARNING
    return response
