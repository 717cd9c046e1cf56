"""The cluster as its controllers leave it: the typed snapshot routing and the diagram read.

Building it runs the EndpointSliceMirroring controller over user-written Endpoints, so it lives
with the controllers rather than in the model the controllers work on.
"""

from __future__ import annotations

import copy

from app.core.controllers.mirroring import mirrored_slices
from app.core.model.objects import ClusterConfig, ClusterState, Deployment, Node, Pod, Service
from app.core.model.workspace import Key, Manifest, Workspace, gc_paused


def cluster_state(ws: Workspace) -> ClusterState:
    """Typed snapshot of a workspace for endpoint, routing and layout code."""
    return build_state(ws.config, ws.objects)


def build_state(config: ClusterConfig, objects: dict[str, dict[Key, Manifest]]) -> ClusterState:
    with gc_paused():
        return _build_state(config, objects)


def _build_state(config: ClusterConfig, objects: dict[str, dict[Key, Manifest]]) -> ClusterState:
    def of(kind: str) -> list[Manifest]:
        return sorted(objects.get(kind, {}).values(), key=_sort_key)

    services = tuple(Service.from_manifest(o) for o in of("Service"))
    selectors = {(s.namespace, s.name): s.selector is not None for s in services}
    mirrored = [
        mirrored
        for endpoints in of("Endpoints")
        for mirrored in mirrored_slices(endpoints, selectors.get(_sort_key(endpoints), False))
    ]
    return ClusterState(
        config=config,
        nodes=tuple(Node.from_manifest(o) for o in of("Node")),
        pods=tuple(Pod.from_manifest(o) for o in of("Pod")),
        services=services,
        deployments=tuple(Deployment.from_manifest(o) for o in of("Deployment")),
        endpoint_slices=(*(copy.deepcopy(o) for o in of("EndpointSlice")), *mirrored),
    )


def _sort_key(obj: Manifest) -> tuple[str, str]:
    meta = obj.get("metadata", {})
    return meta.get("namespace", ""), meta.get("name", "")
