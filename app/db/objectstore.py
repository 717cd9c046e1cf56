"""Writing one overlay Workspace's changes: the changed rows, their events, their allocations.

Only what the write changed is touched, in bulk statements (one executemany per table and
operation), so a write costs what it changes and a 10,000-object import holds the database
for one short transaction. Each changed object gets its own resourceVersion from the feed
sequence and one feed event beside it (app/db/feed.py). Whether a row exists is what the
overlay's base (the watch cache, caught up under the cluster's lock) says; should the base be
wrong, the database's unique constraint or a missed update says so and the write is retried
from a fresh load (StaleCache).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.model.workspace import Manifest, Workspace
from app.db import feed, quota
from app.db.tables import AllocationRow, ClusterRow, ObjectRow

_objects = ObjectRow.__table__  # type: ignore[attr-defined]
_allocations = AllocationRow.__table__  # type: ignore[attr-defined]


class StaleCache(IntegrityError):
    """The base a write ran on did not match the stored rows (retried after a reload)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, None, Exception(message))


def _order(ws: Workspace) -> list[tuple[str, str, str]]:
    """Each changed object once, in the order of its last change, then the Deployments whose
    status moves because their pods changed (the Deployment controller writes their status)."""
    base = ws.parent
    assert base is not None, "save_changes writes an overlay over its base"
    last: dict[tuple[str, str, str], int] = {}
    for index, change in enumerate(ws.changes):
        last[(change.kind, change.namespace, change.name)] = index
    order = [
        k
        for k in sorted(last, key=last.__getitem__)
        if ws.peek(k[0], (k[1], k[2])) is not None or base.peek(k[0], (k[1], k[2])) is not None
    ]
    pods = [
        pod
        for k in order
        if k[0] == "Pod" and (pod := ws.peek("Pod", (k[1], k[2])) or base.peek("Pod", (k[1], k[2])))
    ]
    for kind, namespace, name in feed.status_changes(ws, pods, set(order)):
        deployment = ws.get(kind, namespace, name)
        if deployment is not None:
            ws.put(kind, deployment)  # its resourceVersion moves: the base must learn it
            order.append((kind, namespace, name))
    return order


def save_changes(session: Session, row: ClusterRow, ws: Workspace) -> int:
    """Write the overlay's changes in the open transaction; the cluster's new resourceVersion."""
    assert row.id is not None and ws.parent is not None
    base = ws.parent
    order = [
        (kind, namespace, name, ws.peek(kind, key), base.peek(kind, key))
        for kind, namespace, name in _order(ws)
        for key in [(namespace, name)]
    ]
    added = sum(1 for *_, obj, current in order if current is None)
    removed = sum(1 for *_, obj, current in order if obj is None)
    rv = first = 0
    if order:
        rv, total = feed.reserve(
            session, len(order), floor=row.resource_version, objects=added - removed
        )
        first = rv
        quota.check_object_quota(added, total)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[dict[str, Any]] = []
    events: list[feed.Event] = []
    for kind, namespace, name, obj, current in order:
        rv += 1
        prev = current.get("metadata", {}).get("labels", {}) if current else None
        where = {"b_kind": kind, "b_namespace": namespace, "b_name": name}
        if obj is None:
            assert current is not None
            deletes.append(where)
            gone = {**current, "metadata": {**current["metadata"]}}
            gone["metadata"]["resourceVersion"] = str(rv)  # upstream: the deletion's revision
            events.append(feed.Event(rv, row.id, kind, namespace, name, feed.DELETED, gone, prev))
            continue
        obj["metadata"]["resourceVersion"] = str(rv)
        uid = obj["metadata"].get("uid", "")
        if current is None:
            inserts.append(_row(row.id, kind, namespace, name, uid, rv, obj))
        else:
            updates.append({**where, "b_uid": uid, "b_rv": rv, "b_body": obj})
        body = feed.served(ws, kind, obj)
        event_type = feed.MODIFIED if current is not None else feed.ADDED
        events.append(feed.Event(rv, row.id, kind, namespace, name, event_type, body, prev))
    _write_objects(session, row.id, inserts, updates, deletes)
    _write_allocations(session, row.id, ws)
    feed.append(session, row.id, first, events)
    if order:
        row.resource_version = rv
        session.add(row)
    session.flush()
    return row.resource_version


def _row(
    cluster_id: int, kind: str, namespace: str, name: str, uid: str, rv: int, body: Manifest
) -> dict[str, Any]:
    return {
        "cluster_id": cluster_id,
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "uid": uid,
        "resource_version": rv,
        "body": body,
    }


def _where(cluster_id: int) -> Any:
    c = _objects.c
    return and_(
        c.cluster_id == cluster_id,
        c.kind == bindparam("b_kind"),
        c.namespace == bindparam("b_namespace"),
        c.name == bindparam("b_name"),
    )


def _write_objects(
    session: Session,
    cluster_id: int,
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    deletes: list[dict[str, Any]],
) -> None:
    if deletes:
        done = session.execute(delete(_objects).where(_where(cluster_id)), deletes)
        _check(getattr(done, "rowcount", -1), len(deletes), "delete")
    if updates:
        statement = (
            update(_objects)
            .where(_where(cluster_id))
            .values(
                uid=bindparam("b_uid"), resource_version=bindparam("b_rv"), body=bindparam("b_body")
            )
        )
        done = session.execute(statement, updates)
        _check(getattr(done, "rowcount", -1), len(updates), "update")
    if inserts:
        session.execute(insert(_objects), inserts)


def _check(rowcount: int, expected: int, what: str) -> None:
    if rowcount >= 0 and rowcount != expected:
        raise StaleCache(f"{what} touched {rowcount} rows, expected {expected}")


def _write_allocations(session: Session, cluster_id: int, ws: Workspace) -> None:
    released = [{"b_kind": kind, "b_value": value} for kind, value in dict.fromkeys(ws.released)]
    if released:
        c = _allocations.c
        statement = delete(_allocations).where(
            c.cluster_id == cluster_id,
            c.kind == bindparam("b_kind"),
            c.value == bindparam("b_value"),
        )
        session.execute(statement, released)
    claimed = [
        {"cluster_id": cluster_id, "kind": kind, "value": value, "owner_uid": owner}
        for kind, value, owner in dict.fromkeys(ws.claimed)
        if ws.owner_of(kind, value) == owner
    ]
    if claimed:
        session.execute(insert(_allocations), claimed)
