"""The cluster as its controllers leave it: the typed snapshot routing and the diagram read.

Building it runs the EndpointSliceMirroring controller over user-written Endpoints, so it lives
with the controllers rather than in the model the controllers work on.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

from app.core.controllers.endpointslices import GENERATION_ATTRIBUTE, LINEAGE_ATTRIBUTE
from app.core.controllers.lineage import Lineage
from app.core.controllers.mirroring import mirrored_slices
from app.core.model.objects import ClusterConfig, ClusterState, Deployment, Node, Pod, Service
from app.core.model.workspace import Key, Manifest, Workspace, clone, gc_paused

KINDS = ("Node", "Pod", "Service", "Deployment", "EndpointSlice", "Endpoints")


def cluster_state(ws: Workspace) -> ClusterState:
    """Typed snapshot of a workspace for endpoint, routing and layout code."""
    return build_state(ws.config, {kind: ws.kind_map(kind) for kind in KINDS})


def build_state(
    config: ClusterConfig, objects: Mapping[str, Mapping[Key, Manifest]]
) -> ClusterState:
    with gc_paused():
        return _build_state(config, objects)


def _build_state(
    config: ClusterConfig, objects: Mapping[str, Mapping[Key, Manifest]]
) -> ClusterState:
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
        endpoint_slices=(*(clone(o) for o in of("EndpointSlice")), *mirrored),
    )


def _sort_key(obj: Manifest) -> tuple[str, str]:
    meta = obj.get("metadata", {})
    return meta.get("namespace", ""), meta.get("name", "")


_TYPED: dict[str, Any] = {"Node": Node, "Pod": Pod, "Service": Service, "Deployment": Deployment}
_DERIVED = ("EndpointSlice", "Endpoints")


class StateBuilder:
    """The typed snapshot kept current one object at a time (the watch cache's read side).

    Each object's typed view is built when it changes and kept by key, in key order, so a new
    ClusterState after one change costs a pass over references, not a rebuild of 150,000 pods.
    """

    def __init__(self) -> None:
        self._typed: dict[str, dict[Key, Any]] = {kind: {} for kind in _TYPED}
        self._order: dict[str, list[Key]] = {kind: [] for kind in _TYPED}
        self._raw: dict[str, dict[Key, Manifest]] = {kind: {} for kind in _DERIVED}
        self._built: ClusterState | None = None
        self._tuples: dict[str, tuple[Any, ...]] = {}
        """Each kind's typed objects in key order as the last snapshot had them: a write to
        one kind rebuilds only that kind's (the pods' tuple of 150,000 stays as it was)."""
        self._slices: tuple[Mapping[str, Any], ...] | None = None
        self._lineage = Lineage()
        """The snapshots this builder hands out, numbered, and the typed objects each write
        replaced between them: derived indexes evolve instead of being rebuilt (lineage.py)."""
        self._unsorted: set[str] = set()
        """Kinds whose order list had keys appended unsorted (a bulk load): sorted once, when
        next read. One insort per key would move half the list each time: minutes for
        150,000 pods."""

    def bulk(self) -> None:
        """Many updates follow (a load): append new keys now, sort them once later."""
        self._unsorted.update(self._order)
        self._lineage.reset()

    def _sorted(self, kind: str) -> list[Key]:
        order = self._order[kind]
        if kind in self._unsorted:
            order.sort()
            self._unsorted.discard(kind)
        return order

    def update(self, kind: str, key: Key, obj: Manifest | None) -> None:
        """The object at `key` is now `obj` (None: deleted)."""
        self._built = None
        self._tuples.pop(kind, None)
        if kind in _DERIVED or kind == "Service":
            self._slices = None
        if kind in self._raw:
            if obj is None:
                self._raw[kind].pop(key, None)
            else:
                self._raw[kind][key] = obj
            return
        typed = self._typed.get(kind)
        if typed is None:
            return
        before = typed.get(key)
        if obj is None:
            if before is not None:
                del typed[key]
                order = self._sorted(kind)
                del order[bisect.bisect_left(order, key)]
                self._lineage.changed(kind, before, None)
            return
        after = typed[key] = _TYPED[kind].from_manifest(obj)
        self._lineage.changed(kind, before, after)
        if before is not None:
            return
        if kind in self._unsorted:
            self._order[kind].append(key)
        else:
            bisect.insort(self._order[kind], key)

    def keys(self, kind: str) -> list[Key] | None:
        """The keys of a typed kind in order (a copy), None for other kinds."""
        return list(self._sorted(kind)) if kind in self._order else None

    def state(self, config: ClusterConfig) -> ClusterState:
        built = self._built
        if built is not None and built.config == config:
            return built
        with gc_paused():
            services = self._in_order("Service")
            built = ClusterState(
                config=config,
                nodes=self._in_order("Node"),
                pods=self._in_order("Pod"),
                services=services,
                deployments=self._in_order("Deployment"),
                endpoint_slices=self._endpoint_slices(services),
            )
        built.__dict__[LINEAGE_ATTRIBUTE] = self._lineage
        built.__dict__[GENERATION_ATTRIBUTE] = self._lineage.next_generation()
        self._built = built
        return built

    def _in_order(self, kind: str) -> tuple[Any, ...]:
        found = self._tuples.get(kind)
        if found is None:
            found = self._tuples[kind] = tuple(
                map(self._typed[kind].__getitem__, self._sorted(kind))
            )
        return found

    def _endpoint_slices(self, services: tuple[Service, ...]) -> tuple[Mapping[str, Any], ...]:
        if self._slices is None:
            self._slices = _slices(self._raw, services)
        return self._slices


def _slices(
    raw: dict[str, dict[Key, Manifest]], services: tuple[Service, ...]
) -> tuple[Mapping[str, Any], ...]:
    """Stored EndpointSlices and those mirrored from user-written Endpoints (as build_state)."""
    selectors = {(s.namespace, s.name): s.selector is not None for s in services}
    mirrored = [
        mirrored
        for endpoints in sorted(raw["Endpoints"].values(), key=_sort_key)
        for mirrored in mirrored_slices(endpoints, selectors.get(_sort_key(endpoints), False))
    ]
    stored = sorted(raw["EndpointSlice"].values(), key=_sort_key)
    return (*(clone(o) for o in stored), *mirrored)
