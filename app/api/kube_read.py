"""Reading the Kubernetes face: stored objects, derived ones, lists, Tables.

Endpoints and EndpointSlices are derived (the controllers' output) rather than stored;
Deployments get their status from the pods they own. `Accept: …;as=Table` answers with
a server-side Table, the only way kubectl shows more than NAME and AGE.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from app.api.fastjson import JSONResponse
from app.core.apiserver import fieldselectors, paging, tables
from app.core.apiserver import writes as apiserver
from app.core.controllers import workloads
from app.core.model.kept import KEPT
from app.core.model.workspace import CLUSTER_SCOPED, Manifest
from app.db import watchcache
from app.db.session import ReadSession
from app.db.tables import ClusterRow
from app.services import lists
from app.services.lists import (
    EVENTS_V1 as EVENTS_V1,
)
from app.services.lists import (
    LIST_KINDS,
    STORED,
    collection,
    listing,
    owned_status,
)
from app.services.lists import (
    present as present,
)

ENDPOINTS_WARNING = (
    '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"'
)
NOT_FOUND = "the server could not find the requested resource"


def _with_kind(obj: Manifest, resource: str) -> Manifest:
    api_version, list_kind = LIST_KINDS[resource]
    return {"apiVersion": api_version, "kind": list_kind.removesuffix("List"), **obj}


def one(
    session: ReadSession, row: ClusterRow, resource: str, namespace: str, name: str
) -> Manifest:
    obj: Manifest | None
    if resource in STORED:
        kind = STORED[resource]
        entry = watchcache.current(session, row)
        obj = entry.base.peek(kind, ("" if kind in CLUSTER_SCOPED else namespace, name))
        if obj is not None and kind in workloads.KINDS:
            obj = owned_status(entry, kind, [obj])[0]
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
    limit: int = 0,
    token: str = "",
    namespace: str | None = None,
) -> JSONResponse:
    """A list (or one chunk of it) as of `version` (the watch cache's; the row's when not
    given)."""
    listed = version if version is not None else row.resource_version
    piece = paging.chunk(
        items,
        limit=limit,
        token=token,
        resource_version=listed,
        across_namespaces=namespace is None,
        matches=lists.matcher(resource, label_selector, field_selector),
    )
    metadata: dict[str, Any] = {"resourceVersion": str(listed)}
    if piece.continue_token:
        metadata["continue"] = piece.continue_token
    if piece.remaining is not None:
        metadata["remainingItemCount"] = piece.remaining
    items = [present(resource, i) for i in piece.items]
    if wants_table(request) and resource in tables.COLUMNS:
        body = tables.table(resource, items, str(listed))
        body["metadata"] = metadata
    else:
        api_version, kind = LIST_KINDS[resource]
        body = {
            "kind": kind,
            "apiVersion": api_version,
            "metadata": metadata,
            "items": items,
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
        limit: int = Query(0),
        continue_token: str = Query("", alias="continue", max_length=4096),
    ) -> None:
        self.request = request
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.watch = watch
        self.resource_version = resource_version
        self.allow_watch_bookmarks = allow_watch_bookmarks
        self.timeout_seconds = timeout_seconds
        self.limit = limit
        self.continue_token = continue_token

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
        if self.continue_token and self.resource_version not in (None, "", "0"):
            raise apiserver.BadRequest(
                "specifying resource version is not allowed when using continue"
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
            limit=self.limit,
            token=self.continue_token,
            namespace=namespace,
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
