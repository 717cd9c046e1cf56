"""A few recently read cluster snapshots, reused while the database says nothing changed.

Reading a cluster at Kubernetes' limits (165,000 objects) takes seconds, and the topology page
reads it on every view, filter and refresh. A snapshot is keyed by what the cluster row says
about it: id, creation time, settings and resourceVersion, which every write bumps in the same
transaction. So a change made by any worker, on any connection, is seen by the next request,
and only a cluster nobody changed is served from memory (ARCHITECTURE.md: caches invalidated
through the database). Callers must treat the Workspace as read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from sqlmodel import Session

from app.core.controllers.snapshot import cluster_state
from app.core.model.objects import ClusterState
from app.core.model.workspace import Workspace
from app.db import repo
from app.db.tables import ClusterRow

MAX_SNAPSHOTS = 3
MAX_OBJECTS = 250_000
"""Kept snapshots hold at most this many nodes, pods and Services together (the newest is
always kept): one cluster at Kubernetes' limits is about 165,000."""
_lock = threading.Lock()
_snapshots: OrderedDict[Hashable, tuple[Workspace, ClusterState]] = OrderedDict()


def _key(row: ClusterRow) -> Hashable:
    return (row.id, row.name, row.created_at, row.resource_version, repo.config_of(row))


def _size(state: ClusterState) -> int:
    return len(state.nodes) + len(state.pods) + len(state.services)


def snapshot(session: Session, row: ClusterRow) -> tuple[Workspace, ClusterState]:
    """The cluster's objects (read-only Workspace) and typed state, as of this row."""
    key = _key(row)
    with _lock:
        found = _snapshots.get(key)
        if found is not None:
            _snapshots.move_to_end(key)
            return found
    ws = repo.load_workspace(session, row)
    loaded = (ws, cluster_state(ws))
    with _lock:
        _snapshots[key] = loaded
        while len(_snapshots) > 1 and (
            len(_snapshots) > MAX_SNAPSHOTS
            or sum(_size(st) for _, st in _snapshots.values()) > MAX_OBJECTS
        ):
            _snapshots.popitem(last=False)
    return loaded


def clear() -> None:
    with _lock:
        _snapshots.clear()
