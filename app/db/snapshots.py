"""The snapshot route, simulate, topology and the pages read: from the watch cache.

Each process keeps every cluster it has served current from the change feed
(app/db/watchcache.py): a typed ClusterState updated one object at a time, and the objects
themselves. A snapshot is what the cluster row says it is as of now: a change made by any
worker, on any connection, is seen by the next request. Callers must treat the Workspace as
read-only (it is an overlay over the cache: anything put on it stays in it).
"""

from __future__ import annotations

from sqlmodel import Session

from app.core.model.objects import ClusterState
from app.core.model.workspace import Workspace
from app.db import repo, watchcache
from app.db.tables import ClusterRow


def snapshot(session: Session, row: ClusterRow) -> tuple[Workspace, ClusterState]:
    """The cluster's objects (read-only Workspace) and typed state, as of this row."""
    entry = watchcache.current(session, row)
    config = repo.config_of(row)
    return Workspace.over(entry.base, config=config), entry.state(config)


def clear() -> None:
    watchcache.clear()
