"""Loading a cluster's objects into a core Workspace and writing its changes back.

One request, one transaction: `write()` takes the cluster row FOR UPDATE (PostgreSQL) or the
SQLite write lock (BEGIN IMMEDIATE), brings this process's watch cache up to the row
(watchcache.py), runs a core function on an overlay over it, stores every changed object with
the next resourceVersion (objectstore.py), and commits — or rolls back everything. A
uniqueness violation (the database disagreeing with the cache) retries the whole write from
the rows.
"""

from __future__ import annotations

import random
import threading
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.apiserver import namespace_deleter
from app.core.apiserver.writes import NotFound
from app.core.model.objects import ClusterConfig, ClusterState, PortRange
from app.core.model.workspace import CLUSTER_SCOPED, Manifest, Workspace
from app.db import feed, objectstore, watchcache
from app.db.tables import AllocationRow, ClusterRow, ObjectRow

T = TypeVar("T")
COUNTED = ("Node", "Pod", "Service", "Deployment")
WRITE_ATTEMPTS = 8


class ClusterNotFound(NotFound):
    pass


SETTINGS = (
    "provider",
    "proxy_mode",
    "ipvs_scheduler",
    "service_cidr",
    "pod_cidr",
    "node_cidr",
    "control_plane_address",
    "load_balancer_pool",
)
"""ClusterConfig attributes stored as they are, in columns of the same name (the
nodePort range is stored as its text, `30000-32767`)."""


def config_of(row: ClusterRow) -> ClusterConfig:
    return ClusterConfig(
        name=row.name,
        node_port_range=PortRange.parse(row.node_port_range),
        **{column: getattr(row, column) for column in SETTINGS},
    )


def set_mutable_settings(row: ClusterRow, config: ClusterConfig) -> None:
    """Copy the settings a cluster may change once it exists (clustersettings.MUTABLE)."""
    for column in ("provider", "proxy_mode", "ipvs_scheduler", "load_balancer_pool"):
        setattr(row, column, getattr(config, column))


def get_cluster(session: Session, name: str, *, for_update: bool = False) -> ClusterRow:
    query = select(ClusterRow).where(ClusterRow.name == name)
    if for_update:
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        raise ClusterNotFound(f'clusters "{name}" not found', kind="clusters", name=name)
    return row


_read_rows: dict[tuple[str, str], tuple[tuple[Any, ...], ClusterRow]] = {}
_read_lock = threading.Lock()


def get_cluster_for_read(session: Session, name: str) -> ClusterRow:
    """The cluster row as a read sees it now, without the ORM's cost on every request.

    One plain SELECT on a pooled connection (a GET of one object otherwise spends most of its
    time building a session and an ORM row); the ORM row is rebuilt only when the stored row
    differs from the one remembered. The row returned is shared: read it, never change it.
    """
    engine = session.get_bind().engine
    connection = engine.raw_connection()
    try:
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        cursor = connection.cursor()
        cursor.execute(f"SELECT * FROM cluster WHERE name = {mark}", (name,))
        found = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    if found is None:
        raise ClusterNotFound(f'clusters "{name}" not found', kind="clusters", name=name)
    key = (engine.url.render_as_string(hide_password=True), name)
    current = tuple(found)
    remembered = _read_rows.get(key)
    if remembered is not None and remembered[0] == current:
        return remembered[1]
    row = get_cluster(session, name)
    session.expunge(row)
    with _read_lock:
        _read_rows[key] = (current, row)
    return row


def list_clusters(session: Session) -> list[ClusterRow]:
    return list(session.exec(select(ClusterRow).order_by(col(ClusterRow.name))))


def object_counts(session: Session, row: ClusterRow) -> dict[str, int]:
    """How many objects of each kind the cluster holds: from the watch cache when this
    process holds the cluster, else one indexed count (a list of clusters must not load
    165,000 objects of each into memory to count them)."""
    if not watchcache.cached(session, row):
        query = (
            select(ObjectRow.kind, func.count())
            .where(ObjectRow.cluster_id == row.id)
            .group_by(col(ObjectRow.kind))
        )
        return {kind: int(count) for kind, count in session.exec(query)}
    entry = watchcache.current(session, row)
    with entry.lock:
        return {kind: len(entry.base.table(kind)) for kind in COUNTED}


def load_workspace(session: Session, row: ClusterRow, *, seed: int | None = None) -> Workspace:
    """The cluster's objects to change freely: an overlay over the watch cache's base."""
    entry = watchcache.current(session, row)
    return Workspace.over(entry.base, config=config_of(row), rng=random.Random(seed))


def write(
    session: Session,
    cluster: str,
    change: Callable[[Workspace], T],
    *,
    seed: int | None = None,
    outside_lock: bool = False,
) -> T:
    """Run `change` in one transaction under the cluster's lock; retry on a lost race.

    The core runs on an overlay over this process's cached base, caught up to the row's
    resourceVersion under the lock; only the changed rows are written (objectstore) and, once
    committed, folded into the base. A failed write leaves the base as it was.

    `outside_lock` (a big import): compute first without the database's write lock, then take
    it only to check that nobody changed the cluster meanwhile and to write the rows; if
    somebody did, compute again under the lock. SQLite has one write lock for every cluster,
    so this is what keeps a 10,000-object import from stalling writes to the others.
    """
    change = _after_namespace_controller(change)
    if outside_lock:
        done = _write_outside_lock(session, cluster, change, seed)
        if done is not None:
            return done[0]
    for attempt in range(WRITE_ATTEMPTS):
        row: ClusterRow | None = None
        try:
            row = get_cluster(session, cluster, for_update=True)
            entry = watchcache.current(session, row, locked=True)
            before = entry.rv
            ws = Workspace.over(entry.base, config=config_of(row), rng=random.Random(seed))
            result = change(ws)
            after = objectstore.save_changes(session, row, ws)
            session.commit()
            watchcache.absorb(entry, ws, before, after)
            return result
        except IntegrityError:
            session.rollback()
            if row is not None:
                watchcache.forget(session, row)  # the next attempt reads the rows afresh
            if attempt == WRITE_ATTEMPTS - 1:
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _after_namespace_controller(change: Callable[[Workspace], T]) -> Callable[[Workspace], T]:
    """First finalize every namespace Terminating for long enough (namespace_deleter), in the
    same transaction: the timer the DELETE starts may be lost (a restart), and the namespace
    controller must still come before anything else changes the cluster."""

    def run(ws: Workspace) -> T:
        namespace_deleter.finalize_due(ws)
        return change(ws)

    return run


def _write_outside_lock(
    session: Session, cluster: str, change: Callable[[Workspace], T], seed: int | None
) -> tuple[T] | None:
    """(result,) when the optimistic write committed; None when the cluster moved meanwhile."""
    session.rollback()  # whatever the caller read: no lock is held while computing
    engine = session.get_bind().engine  # without sqlite_immediate: a plain read transaction
    with Session(engine) as reader:
        row = get_cluster(reader, cluster)
        entry = watchcache.current(reader, row)
        config = config_of(row)
    with entry.lock:  # the base holds still while the core reads it
        before = entry.rv
        ws = Workspace.over(entry.base, config=config, rng=random.Random(seed))
        result = change(ws)
    try:
        locked = get_cluster(session, cluster, for_update=True)
        if locked.resource_version != before or config_of(locked) != config:
            session.rollback()
            return None
        after = objectstore.save_changes(session, locked, ws)
        session.commit()
    except IntegrityError:
        session.rollback()
        watchcache.forget(session, row)
        return None
    except BaseException:
        session.rollback()
        raise
    watchcache.absorb(entry, ws, before, after)
    return (result,)


def read_objects(
    session: Session, cluster_id: int, kind: str, namespace: str | None = None
) -> list[Manifest]:
    query = select(ObjectRow).where(ObjectRow.cluster_id == cluster_id, ObjectRow.kind == kind)
    if namespace is not None and kind not in CLUSTER_SCOPED:
        query = query.where(ObjectRow.namespace == namespace)
    query = query.order_by(col(ObjectRow.namespace), col(ObjectRow.name))
    return [obj.body for obj in session.exec(query)]


def namespaces(session: Session, cluster_id: int) -> set[str]:
    rows = session.exec(
        select(ObjectRow.namespace).where(ObjectRow.cluster_id == cluster_id).distinct()
    )
    return {ns for ns in rows if ns}


def read_object(
    session: Session, cluster_id: int, kind: str, namespace: str, name: str
) -> Manifest | None:
    ns = "" if kind in CLUSTER_SCOPED else namespace
    row = session.exec(
        select(ObjectRow).where(
            ObjectRow.cluster_id == cluster_id,
            ObjectRow.kind == kind,
            ObjectRow.namespace == ns,
            ObjectRow.name == name,
        )
    ).first()
    return row.body if row else None


def load_state(session: Session, row: ClusterRow) -> ClusterState:
    """A typed snapshot for routing, simulation and diagrams (read-only)."""
    return watchcache.current(session, row).state(config_of(row))


def create_cluster(
    session: Session, config: ClusterConfig, populate: Callable[[Workspace], Any]
) -> ClusterRow:
    """Fill a new cluster in memory, then insert its row and objects in one short transaction.

    The objects (bootstrap, demo workloads, thousands of nodes) are computed before the
    transaction begins, so the database's write lock is held only for the bulk insert.
    """
    session.rollback()  # whatever the caller read: no lock is held while computing
    base = Workspace(config)
    ws = Workspace.over(base, rng=random.Random(zlib.crc32(config.name.encode())))
    populate(ws)
    row = ClusterRow(
        name=config.name,
        node_port_range=str(config.node_port_range),
        **{column: getattr(config, column) for column in SETTINGS},
        resource_version=1,
        created_at=datetime.now(UTC),
    )
    try:
        session.add(row)
        session.flush()
        rv = objectstore.save_changes(session, row, ws)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.refresh(row)
    base.absorb(ws)
    watchcache.adopt(session, row, base, rv)
    return row


def delete_cluster(session: Session, name: str) -> ClusterRow:
    row = get_cluster(session, name, for_update=True)
    assert row.id is not None
    removed = session.execute(delete(ObjectRow).where(col(ObjectRow.cluster_id) == row.id))
    feed.forget_objects(session, max(0, getattr(removed, "rowcount", 0)))
    session.execute(delete(AllocationRow).where(col(AllocationRow.cluster_id) == row.id))
    session.delete(row)
    session.commit()
    return row
