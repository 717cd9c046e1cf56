"""Loading a cluster's objects into a core Workspace and writing its changes back.

One request, one transaction: `write()` takes the cluster row FOR UPDATE (PostgreSQL) or the
SQLite write lock (BEGIN IMMEDIATE), loads the workspace, runs a core function, stores every
changed object with the next resourceVersion, and commits — or rolls back everything. A
uniqueness violation on the allocation table (a concurrent writer on another database
connection got the value first) retries the whole write.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.apiserver.writes import NotFound
from app.core.controllers.snapshot import build_state
from app.core.model.objects import ClusterConfig, ClusterState, PortRange
from app.core.model.workspace import CLUSTER_SCOPED, Key, Manifest, Workspace, gc_paused
from app.db import quota
from app.db.tables import AllocationRow, ClusterRow, ObjectRow

T = TypeVar("T")
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


def list_clusters(session: Session) -> list[ClusterRow]:
    return list(session.exec(select(ClusterRow).order_by(col(ClusterRow.name))))


def object_counts(session: Session, cluster_id: int) -> dict[str, int]:
    rows = session.exec(
        select(ObjectRow.kind, func.count())
        .where(ObjectRow.cluster_id == cluster_id)
        .group_by(col(ObjectRow.kind))
    )
    return {str(kind): int(count) for kind, count in rows.all()}


def load_workspace(session: Session, row: ClusterRow, *, seed: int | None = None) -> Workspace:
    assert row.id is not None
    objects: dict[str, dict[Key, Manifest]] = {}
    # Plain rows, not ORM entities: the largest cluster has 165,000 objects to read.
    query = select(ObjectRow.kind, ObjectRow.namespace, ObjectRow.name, ObjectRow.body).where(
        ObjectRow.cluster_id == row.id
    )
    with gc_paused():
        for kind, namespace, name, body in session.exec(query):
            objects.setdefault(kind, {})[(namespace, name)] = cast(Manifest, body)
    allocations: dict[str, dict[str, str]] = {}
    for alloc in session.exec(select(AllocationRow).where(AllocationRow.cluster_id == row.id)):
        allocations.setdefault(alloc.kind, {})[alloc.value] = alloc.owner_uid
    rng = random.Random(seed)
    return Workspace(config=config_of(row), objects=objects, allocations=allocations, rng=rng)


def save_workspace(session: Session, row: ClusterRow, ws: Workspace) -> None:
    """Write each changed object once, in the order of its last change."""
    assert row.id is not None
    last: dict[tuple[str, str, str], int] = {}
    for index, change in enumerate(ws.changes):
        last[(change.kind, change.namespace, change.name)] = index
    existing = _rows_for(session, row.id, last.keys())
    rv, added = row.resource_version, 0
    for kind, namespace, name in sorted(last, key=last.__getitem__):
        obj = ws.get(kind, namespace, name)
        current = existing.get((kind, namespace, name))
        if obj is None:
            if current is not None:
                session.delete(current)
            continue
        rv += 1
        obj["metadata"]["resourceVersion"] = str(rv)
        if current is None:
            added += 1
            session.add(
                ObjectRow(
                    cluster_id=row.id,
                    kind=kind,
                    namespace=namespace,
                    name=name,
                    uid=obj["metadata"].get("uid", ""),
                    resource_version=rv,
                    body=obj,
                )
            )
        else:
            current.body = dict(obj)
            current.resource_version = rv
            current.uid = obj["metadata"].get("uid", "")
            session.add(current)
    for kind, value in ws.released:
        session.execute(
            delete(AllocationRow).where(
                col(AllocationRow.cluster_id) == row.id,
                col(AllocationRow.kind) == kind,
                col(AllocationRow.value) == value,
            )
        )
    session.flush()
    quota.check_object_quota(session, added)
    for kind, value, owner in dict.fromkeys(ws.claimed):
        if ws.used(kind).get(value) == owner:
            session.add(AllocationRow(cluster_id=row.id, kind=kind, value=value, owner_uid=owner))
    row.resource_version = rv + 1 if ws.changes else rv
    session.add(row)
    session.flush()


def _rows_for(
    session: Session, cluster_id: int, keys: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], ObjectRow]:
    wanted = set(keys)
    if not wanted:
        return {}
    kinds = {k for k, _, _ in wanted}
    names = {n for _, _, n in wanted}
    query = select(ObjectRow).where(
        ObjectRow.cluster_id == cluster_id,
        col(ObjectRow.kind).in_(kinds),
        col(ObjectRow.name).in_(names),
    )
    found = {}
    for obj in session.exec(query):
        key = (obj.kind, obj.namespace, obj.name)
        if key in wanted:
            found[key] = obj
    return found


def write(
    session: Session,
    cluster: str,
    change: Callable[[Workspace], T],
    *,
    seed: int | None = None,
) -> T:
    """Run `change` on the cluster's workspace in one transaction; retry on a lost race."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            row = get_cluster(session, cluster, for_update=True)
            ws = load_workspace(session, row, seed=seed)
            result = change(ws)
            save_workspace(session, row, ws)
            session.commit()
            return result
        except IntegrityError:
            session.rollback()
            if attempt == WRITE_ATTEMPTS - 1:
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


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
    ws = load_workspace(session, row)
    return build_state(ws.config, ws.objects)


def create_cluster(
    session: Session, config: ClusterConfig, populate: Callable[[Workspace], Any]
) -> ClusterRow:
    """Insert the cluster row and fill it (bootstrap, demo objects) in one transaction."""
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
        ws = load_workspace(session, row, seed=zlib.crc32(config.name.encode()))
        populate(ws)
        save_workspace(session, row, ws)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.refresh(row)
    return row


def delete_cluster(session: Session, name: str) -> ClusterRow:
    row = get_cluster(session, name, for_update=True)
    assert row.id is not None
    session.execute(delete(ObjectRow).where(col(ObjectRow.cluster_id) == row.id))
    session.execute(delete(AllocationRow).where(col(AllocationRow.cluster_id) == row.id))
    session.delete(row)
    session.commit()
    return row
