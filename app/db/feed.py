"""The change feed: every committed change as an event row, numbered by one database sequence.

kube-apiserver gets this from etcd: each write has a revision, a watch resumes after one, and
old revisions are compacted away (a watch from before them gets 410 Expired). Here the writer
(app/db/objectstore.save_changes) takes a block of resourceVersions from the feed_sequence row in
the write transaction and appends one event per changed object beside the object rows; the
row lock makes commit order equal number order, so a reader that saw N has seen all below N.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, insert, text, update
from sqlmodel import Session, col, select

from app.core.controllers import workloads
from app.core.model.workspace import Manifest, Workspace
from app.db.tables import FeedEventRow, FeedSequenceRow, ObjectRow
from app.settings import get_settings

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
COMPACT_EVERY = 1000
"""Compaction runs when the sequence crosses a multiple of this (etcd compacts periodically)."""
CHANNEL = "svcscope_feed"
"""PostgreSQL NOTIFY channel: followers wake on a commit instead of polling."""


@dataclass(frozen=True)
class Event:
    resource_version: int
    cluster_id: int
    kind: str
    namespace: str
    name: str
    type: str
    object: Manifest
    prev_labels: dict[str, str] | None


class Expired(Exception):
    """The requested resourceVersion was compacted (upstream: errors.NewResourceExpired)."""

    def __init__(self, requested: int, compacted: int) -> None:
        # apiserver storage/cacher/watch_cache.go: "too old resource version: %d (%d)"
        super().__init__(f"too old resource version: {requested} ({compacted})")
        self.message = str(self)


def reserve(session: Session, count: int, *, floor: int, objects: int = 0) -> tuple[int, int]:
    """Take `count` resourceVersions and count `objects` more stored objects (fewer when
    negative); return (the resourceVersion before the first, the objects stored now).

    `floor` (the cluster's current resourceVersion) keeps numbers above anything already
    stored, even in a database filled before the sequence existed. One UPDATE … RETURNING
    (SQLite 3.35+, PostgreSQL): the row it locks is the write's serialization point anyway.
    """
    current = col(FeedSequenceRow.resource_version)
    found = session.execute(
        update(FeedSequenceRow)
        .where(col(FeedSequenceRow.id) == 1)
        .values(
            resource_version=case((current < floor, floor), else_=current) + count,
            objects=col(FeedSequenceRow.objects) + objects,
        )
        .returning(col(FeedSequenceRow.resource_version), col(FeedSequenceRow.objects))
    ).one_or_none()
    if found is not None:
        return int(found[0]) - count, int(found[1])
    stored = session.exec(select(func.count()).select_from(ObjectRow)).one()
    row = FeedSequenceRow(id=1, resource_version=floor + count, objects=stored + objects)
    session.add(row)
    session.flush()
    return row.resource_version - count, row.objects


def forget_objects(session: Session, count: int) -> None:
    """`count` objects were removed without events (a whole cluster deleted)."""
    objects = col(FeedSequenceRow.objects)
    session.execute(
        update(FeedSequenceRow)
        .where(col(FeedSequenceRow.id) == 1)
        .values(objects=case((objects > count, objects - count), else_=0))
    )


def append(session: Session, cluster_id: int, first: int, events: list[Event]) -> None:
    """Store the events of one write (numbered from `first`+1), compacting now and then."""
    if not events:
        return
    last = first + len(events)
    keep = get_settings().SVCSCOPE_FEED_EVENTS
    step = max(1, min(COMPACT_EVERY, keep // 2))  # so at most keep + step events stay
    crossed = last // step != first // step
    compacted = _compact(session, last, keep) if crossed else 0
    rows = [
        {
            "resource_version": e.resource_version,
            "cluster_id": cluster_id,
            "kind": e.kind,
            "namespace": e.namespace,
            "name": e.name,
            "type": e.type,
            "object": e.object,
            "prev_labels": e.prev_labels,
        }
        for e in events
        if e.resource_version > compacted  # a huge import need not write what is gone at once
    ]
    if rows:
        session.execute(insert(FeedEventRow.__table__), rows)  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        notify = text("SELECT pg_notify(:channel, :rv)")
        session.execute(notify, {"channel": CHANNEL, "rv": str(last)})


def _compact(session: Session, last: int, keep: int) -> int:
    horizon = max(0, last - keep)
    session.execute(
        update(FeedSequenceRow)
        .where(col(FeedSequenceRow.id) == 1, col(FeedSequenceRow.compacted) < horizon)
        .values(compacted=horizon)
    )
    stored = select(func.count()).select_from(ObjectRow).scalar_subquery()
    # Now and then, the object count is taken afresh: rows written or removed by other means
    # (a migration, a hand-edited database) cannot make it drift for long.
    session.execute(
        update(FeedSequenceRow).where(col(FeedSequenceRow.id) == 1).values(objects=stored)
    )
    session.execute(
        FeedEventRow.__table__.delete().where(  # type: ignore[attr-defined]
            FeedEventRow.__table__.c.resource_version <= horizon  # type: ignore[attr-defined]
        )
    )
    return horizon


def served(ws: Workspace, kind: str, obj: Manifest) -> Manifest:
    """The object as a read serves it: a workload with the status its pods give it."""
    return workloads.served(ws, kind, obj)


def status_changes(
    ws: Workspace, pods: Iterable[Manifest], changed: set[tuple[str, str, str]]
) -> list[tuple[str, str, str]]:
    """Workloads whose status moves because their pods changed, and which did not change
    themselves: their controllers write their status (a MODIFIED upstream too)."""
    out: dict[tuple[str, str, str], None] = {}
    for pod in pods:
        for key in workloads.owners(pod):
            if key not in changed and ws.exists(*key):
                out[key] = None
    return list(out)


def state(session: Session) -> tuple[int, int]:
    """(newest resourceVersion, compacted-through) of the whole feed."""
    row = session.get(FeedSequenceRow, 1)
    return (row.resource_version, row.compacted) if row else (0, 0)


def since(session: Session, after: int, cluster_id: int | None = None) -> Iterator[Event]:
    """Committed events after `after`, oldest first (of one cluster, or of all)."""
    query = select(FeedEventRow).where(col(FeedEventRow.resource_version) > after)
    if cluster_id is not None:
        query = query.where(FeedEventRow.cluster_id == cluster_id)
    for row in session.exec(query.order_by(col(FeedEventRow.resource_version))):
        yield _event(row)


def backlog(session: Session, cluster_id: int, after: int) -> list[Event]:
    """The events a watch from `after` must replay; Expired when they were compacted."""
    _, compacted = state(session)
    if after < compacted:
        raise Expired(after, compacted)
    return list(since(session, after, cluster_id))


def _event(row: FeedEventRow) -> Event:
    labels: Any = row.prev_labels
    return Event(
        resource_version=row.resource_version,
        cluster_id=row.cluster_id,
        kind=row.kind,
        namespace=row.namespace,
        name=row.name,
        type=row.type,
        object=row.object,
        prev_labels=labels,
    )
