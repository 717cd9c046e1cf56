"""This process's watch cache: each cluster's committed objects in memory, kept current.

kube-apiserver serves reads and watches from a cache fed by etcd's revisions
(apiserver/pkg/storage/cacher); here each process keeps, per cluster, a base Workspace (objects
by kind and key, allocations, the controllers' indexes), the typed ClusterState built from it
incrementally, and the resourceVersion it is current to. It is brought up to date from the
change feed: a request that finds the cluster row's resourceVersion ahead of the cache reads
the cluster's events since (an indexed range read) and applies them, so a write through any
worker is visible to the next read on every other; a full load happens only the first time or
when the events needed were compacted.

A write runs on an overlay over the base (repo.write) and, once committed, is folded in with
absorb(); readers that iterate the base hold the entry's lock, which absorb() also takes.
"""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlmodel import Session, col, select

from app.core.controllers import workloads
from app.core.controllers.snapshot import KINDS, StateBuilder
from app.core.model.objects import ClusterConfig, ClusterState
from app.core.model.workspace import ALLOCATION_KINDS, Key, Manifest, Workspace, gc_paused
from app.db import feed
from app.db.tables import AllocationRow, ClusterRow, ObjectRow

MAX_OBJECTS = 400_000
"""Entries beyond this many objects together are dropped, least recently used first (the
newest always stays): one cluster at Kubernetes' limits holds about 165,000."""
FREEZE_AFTER = 10_000
"""A load or write of this many objects moves the heap out of the cyclic collector's way."""
BULK_EVENTS = 1000
"""A catch-up of this many events sorts the typed keys once instead of inserting each."""
TARGETED_ALLOCATION_REFRESH = 64
"""Up to this many changed Services, their allocations are re-read by owner; beyond, all."""


@dataclass
class Entry:
    cluster_id: int
    created_at: datetime
    base: Workspace
    rv: int
    typed: StateBuilder
    lock: threading.RLock = field(default_factory=threading.RLock)
    used: float = field(default_factory=time.monotonic)

    def size(self) -> int:
        return sum(len(self.base.table(kind)) for kind in KINDS)

    def state(self, config: ClusterConfig) -> ClusterState:
        with self.lock:
            return self.typed.state(config)

    def read(self, kind: str, namespace: str | None = None) -> tuple[int, list[Manifest]]:
        """The resourceVersion and the objects of a kind as of it, in key order (read-only)."""
        with self.lock:
            rv = self.rv
            table = self.base.table(kind)
            keys = self.typed.keys(kind)
        if keys is None:
            keys = sorted(table)
        if namespace is not None:
            keys = [k for k in keys if k[0] == namespace]
        return rv, [obj for k in keys if (obj := table.get(k)) is not None]

    def record(self, kind: str, key: Key, obj: Manifest | None) -> None:
        """The base and the typed state learn one committed object (the lock is held)."""
        self.base.load(kind, key, obj)
        if kind in KINDS:
            self.typed.update(kind, key, obj)


def _settle(count: int) -> None:
    """Cached objects live as long as the process: after a big load or write, freeze the heap
    (gc.freeze) so the collector's full passes stop rescanning millions of JSON values that are
    never garbage (a pass over a 150,000-pod cluster stalls every thread for seconds). Frozen
    objects are still freed by reference counting; only cycles among them would stay.

    Called while the collector is paused (gc_paused): re-enabled over a load's millions of
    new objects, its next young-generation pass would first traverse them all (seconds);
    frozen first, they are out of its way at no cost."""
    if count >= FREEZE_AFTER:
        gc.freeze()


_lock = threading.Lock()
_entries: dict[tuple[str, int], Entry] = {}
_loading: dict[tuple[str, int], threading.Lock] = {}
"""One loader per cluster: requests that find it cold wait for that load instead of each
reading 165,000 rows on a connection of their own (a cold start under load used to exhaust
the connection pool)."""


def _where(session: Session, row: ClusterRow) -> tuple[str, int]:
    assert row.id is not None
    return (session.get_bind().engine.url.render_as_string(hide_password=True), row.id)


def current(session: Session, row: ClusterRow, *, locked: bool = False, at_least: int = 0) -> Entry:
    """The cluster's entry, caught up to at least the row's resourceVersion (or `at_least`,
    the cluster's resourceVersion read later than the row).

    `locked`: the caller holds the cluster's write lock, so the row is the newest; a cache
    ahead of it (a database replaced under a running process) is thrown away.
    """
    from app.db.repo import config_of  # repo builds on this module

    where = _where(session, row)
    with _lock:
        entry = _entries.get(where)
    if _stale(entry, row, locked):
        with _lock:
            loading = _loading.setdefault(where, threading.Lock())
        with loading:
            with _lock:
                entry = _entries.get(where)
            if _stale(entry, row, locked):
                entry = _load(session, row)
                with _lock:
                    _entries[where] = entry
                _evict(keep=where)
    assert entry is not None
    if entry.rv < max(row.resource_version, at_least):
        _catch_up(session, row, entry, max(row.resource_version, at_least))
    entry.used = time.monotonic()
    config = config_of(row)
    if entry.base.config != config:
        entry.base.config = config
    return entry


def cached(session: Session, row: ClusterRow) -> bool:
    """Whether this process holds the cluster (however far behind the feed)."""
    with _lock:
        entry = _entries.get(_where(session, row))
    return entry is not None and entry.created_at == row.created_at


def _stale(entry: Entry | None, row: ClusterRow, locked: bool) -> bool:
    return (
        entry is None
        or entry.created_at != row.created_at
        or (locked and entry.rv > row.resource_version)
    )


def consistent(session: Session, row: ClusterRow) -> tuple[Entry, int]:
    """The entry and the feed position a list is consistent with (upstream lists carry the
    store's current revision, not the cluster's last: a watch from it must not be expired).

    The position is read first, then the cluster's resourceVersion: every event of the
    cluster up to the position is at most that, and the entry is caught up to it.
    """
    position = feed.state(session)[0]
    latest = session.exec(
        select(ClusterRow.resource_version).where(ClusterRow.id == row.id)
    ).one_or_none()
    entry = current(session, row, at_least=latest or 0)
    return entry, position


def _evict(keep: tuple[str, int]) -> None:
    with _lock:
        by_age = sorted(_entries.items(), key=lambda item: item[1].used)
        total = sum(entry.size() for _, entry in by_age)
        for where, entry in by_age:
            if total <= MAX_OBJECTS:
                return
            if where != keep:
                total -= entry.size()
                del _entries[where]


def forget(session: Session, row: ClusterRow) -> None:
    with _lock:
        _entries.pop(_where(session, row), None)


def clear() -> None:
    with _lock:
        _entries.clear()


def adopt(session: Session, row: ClusterRow, base: Workspace, rv: int) -> None:
    """A cluster this process just created: its base is what it wrote."""
    assert row.id is not None
    typed = StateBuilder()
    typed.bulk()
    with gc_paused():
        for kind in KINDS:
            for key, obj in base.kind_map(kind).items():
                typed.update(kind, key, obj)
        _settle(len(base.changes) + sum(1 for _ in base.local_objects()))
    where = _where(session, row)
    with _lock:
        _entries[where] = Entry(row.id, row.created_at, base, rv, typed)
    _evict(keep=where)


def absorb(entry: Entry, overlay: Workspace, before: int, after: int) -> None:
    """Fold a committed write into the base, unless a catch-up already brought it."""
    with entry.lock, gc_paused():
        if entry.rv != before:
            return
        for kind, key, obj in overlay.local_objects():
            if kind in KINDS:
                entry.typed.update(kind, key, obj)
        entry.base.absorb(overlay)
        entry.rv = after
        _settle(len(overlay.changes))


def _load(session: Session, row: ClusterRow) -> Entry:
    from app.db.repo import config_of

    assert row.id is not None
    rv = session.exec(select(ClusterRow.resource_version).where(ClusterRow.id == row.id)).one()
    base = Workspace(config_of(row))
    entry = Entry(row.id, row.created_at, base, rv, StateBuilder())
    query = select(ObjectRow.kind, ObjectRow.namespace, ObjectRow.name, ObjectRow.body).where(
        ObjectRow.cluster_id == row.id
    )
    loaded = 0
    entry.typed.bulk()
    with gc_paused():
        for kind, namespace, name, body in session.exec(query):
            entry.record(kind, (namespace, name), cast(Manifest, body))
            loaded += 1
        _load_allocations(session, base, row.id, None)
        _settle(loaded)
    return entry


def _load_allocations(
    session: Session, base: Workspace, cluster_id: int, owners: set[str] | None
) -> None:
    query = select(AllocationRow).where(AllocationRow.cluster_id == cluster_id)
    if owners is not None:
        query = query.where(col(AllocationRow.owner_uid).in_(owners))
    for alloc in session.exec(query):
        base.load_allocation(alloc.kind, alloc.value, alloc.owner_uid)


def _catch_up(session: Session, row: ClusterRow, entry: Entry, target: int) -> None:
    assert row.id is not None
    with entry.lock:
        if entry.rv >= target:
            return
        _, compacted = feed.state(session)
        events = [] if compacted > entry.rv else list(feed.since(session, entry.rv, row.id))
        if not events or max(compacted, events[-1].resource_version) < target:
            fresh = _load(session, row)  # the events needed are gone: read the rows
            entry.base, entry.typed, entry.rv = fresh.base, fresh.typed, fresh.rv
            return
        _apply(session, entry, row.id, events)


def _apply(session: Session, entry: Entry, cluster_id: int, events: list[feed.Event]) -> None:
    owners: set[str] = set()
    workload_names: dict[str, set[str]] = {}
    entry.base.detach({event.kind for event in events})
    if len(events) >= BULK_EVENTS:
        entry.typed.bulk()
    with gc_paused():
        for event in events:
            key = (event.namespace, event.name)
            if event.type == feed.DELETED:
                entry.record(event.kind, key, None)
            else:
                entry.record(event.kind, key, event.object)
            if event.kind == "Service":
                owners.add(event.object.get("metadata", {}).get("uid", ""))
            if event.kind in workloads.KINDS and event.type != feed.DELETED:
                workload_names.setdefault(event.kind, set()).add(event.name)
    for kind, names in workload_names.items():
        # Events serve a workload with its status; the base keeps the row as stored.
        query = select(ObjectRow.namespace, ObjectRow.name, ObjectRow.body).where(
            ObjectRow.cluster_id == cluster_id,
            ObjectRow.kind == kind,
            col(ObjectRow.name).in_(names),
        )
        for namespace, name, body in session.exec(query):
            entry.record(kind, (namespace, name), cast(Manifest, body))
    if owners:
        targeted = len(owners) <= TARGETED_ALLOCATION_REFRESH
        for kind in ALLOCATION_KINDS:
            if targeted:
                gone = [v for uid in owners for v in entry.base.owned(kind, uid)]
            else:
                gone = [v for v, _ in entry.base.allocated(kind)]
            for value in gone:
                entry.base.load_allocation(kind, value, None)
        _load_allocations(session, entry.base, cluster_id, owners if targeted else None)
    entry.rv = max(entry.rv, events[-1].resource_version)
