"""The unit of work one API request (or one import) runs in.

A Workspace holds the objects of one cluster as Kubernetes JSON plus the values already
allocated, records each change, and indexes what the controllers look up (indexes.py). Keeping
this in the core lets the whole write path (defaults, validation, allocation, controllers) run
in unit tests without a database.

A write runs on an overlay: `Workspace.over(base)` reads through to a base that it never
changes. `get()` hands out a private deep copy of one object; `put()`/`delete()` and the
allocations land in the overlay only. The database layer writes the overlay's changes and,
once they are committed, folds them into the base with `absorb()`; a failed write just drops
the overlay. `items()` yields objects to read, never to change: to change one, `get()` it.
"""

from __future__ import annotations

import gc
import random
import uuid
from collections.abc import Hashable, Iterable, Iterator, Mapping, Set
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, cast

from app.core.model.indexes import LayeredIndex, index_values
from app.core.model.kept import CLUSTER_SCOPED_KEPT
from app.core.model.objects import ClusterConfig

Manifest = dict[str, Any]
Key = tuple[str, str]
"""(namespace, name); namespace is "" for cluster-scoped kinds."""

_T = TypeVar("_T")
CLUSTER_SCOPED = frozenset({"Node", "Namespace"}) | CLUSTER_SCOPED_KEPT
ALLOCATION_KINDS = ("node-port", "cluster-ip", "lb-ip")


@dataclass(frozen=True)
class Change:
    op: Literal["put", "delete"]
    kind: str
    namespace: str
    name: str


def key_of(kind: str, obj: Manifest) -> Key:
    meta = obj.get("metadata", {})
    return ("" if kind in CLUSTER_SCOPED else meta.get("namespace", "default"), meta["name"])


class Workspace:
    def __init__(
        self,
        config: ClusterConfig,
        objects: dict[str, dict[Key, Manifest]] | None = None,
        allocations: dict[str, dict[str, str]] | None = None,
        rng: random.Random | None = None,
        now: datetime | None = None,
        parent: Workspace | None = None,
    ) -> None:
        self.config = config
        self.rng = rng if rng is not None else random.Random()
        self.now = now if now is not None else datetime.now(UTC)
        self.parent = parent
        self.changes: list[Change] = []
        self.claimed: list[tuple[str, str, str]] = []
        self.released: list[tuple[str, str]] = []
        self._stamp: str | None = None
        self.scratch: dict[str, Any] = {}
        """Per-write structures a controller builds once (the scheduler's node heap); cleared
        when a node changes or a pod leaves a node."""
        self.hints: dict[str, int] = {}
        """Where node IPAM resumes its scan (all below is taken); cleared when a node frees an
        address or a podCIDR."""
        self.memo: dict[str, Any] = {}
        """Per-write bookkeeping that lives as long as the write (the event recorder's)."""
        self._local: dict[str, dict[Key, Manifest | None]] = {}
        self._copies: dict[str, dict[Key, Manifest]] = {}
        self._filed: dict[str, dict[Key, frozenset[Hashable]]] = {}
        self._index: dict[str, LayeredIndex] = {}
        self._alloc: dict[str, dict[str, str | None]] = {}
        self._owners: dict[str, LayeredIndex] = {}
        with gc_paused():
            for kind, objs in (objects or {}).items():
                for key, obj in objs.items():
                    self._set(kind, key, obj)
            for kind, values in (allocations or {}).items():
                for value, owner in values.items():
                    self._set_allocation(kind, value, owner)

    @classmethod
    def over(
        cls,
        base: Workspace,
        *,
        config: ClusterConfig | None = None,
        rng: random.Random | None = None,
        now: datetime | None = None,
    ) -> Workspace:
        """A copy-on-write overlay: changes stay here until absorbed into `base`."""
        return cls(config or base.config, rng=rng, now=now, parent=base)

    # --- reading -------------------------------------------------------------------------
    def get(self, kind: str, namespace: str, name: str) -> Manifest | None:
        """The object to change: in an overlay, this write's own copy of it."""
        key = (namespace, name)
        local = self._local.get(kind)
        if local is not None and key in local:
            return local[key]
        if self.parent is None:
            return None
        copies = self._copies.setdefault(kind, {})
        if key not in copies:
            found = self.parent.peek(kind, key)
            if found is None:
                return None
            copies[key] = clone(found)
        return copies[key]

    def peek(self, kind: str, key: Key) -> Manifest | None:
        """The object as this workspace holds it, to read only (no copy)."""
        local = self._local.get(kind)
        if local is not None and key in local:
            return local[key]
        return self.parent.peek(kind, key) if self.parent is not None else None

    def exists(self, kind: str, namespace: str, name: str) -> bool:
        return self.peek(kind, (namespace, name)) is not None

    def keyed(self, kind: str, namespace: str | None = None) -> Iterator[tuple[Key, Manifest]]:
        """(key, object) pairs to read only; an overlay's own versions replace its base's."""
        local = self._local.get(kind, {})
        copies = self._copies.get(kind, {})
        if self.parent is not None:
            for key, obj in self.parent.keyed(kind, namespace):
                if key not in local:
                    yield key, copies.get(key, obj)
        for key, found in local.items():
            if found is not None and (namespace is None or key[0] == namespace):
                yield key, found

    def items(self, kind: str, namespace: str | None = None) -> Iterator[Manifest]:
        """Objects to read only; to change one, get() it."""
        for _, obj in self.keyed(kind, namespace):
            yield obj

    def kind_map(self, kind: str) -> Mapping[Key, Manifest]:
        """Every object of a kind by key, to read only."""
        if self.parent is None:
            return {k: v for k, v in self._local.get(kind, {}).items() if v is not None}
        return dict(self.keyed(kind))

    def table(self, kind: str) -> Mapping[Key, Manifest | None]:
        """A root's own table of a kind, to read only: it is replaced, never changed, by a
        later absorb (detach), so a reader may keep iterating it."""
        assert self.parent is None
        return self._local.get(kind, {})

    def count(self, kind: str) -> int:
        return sum(1 for _ in self.keyed(kind))

    def indexed(self, kind: str, value: Hashable) -> Set[Key]:
        """Keys of the objects filed under an index value (indexes.index_values)."""
        return cast(Set[Key], self._kind_index(kind).keys(value))

    def indexed_count(self, kind: str, value: Hashable) -> int:
        return self._kind_index(kind).count(value)

    def used(self, kind: str) -> Mapping[str, str]:
        """Allocated value → owner uid."""
        return _Allocations(self, kind)

    def owner_of(self, kind: str, value: str) -> str | None:
        local = self._alloc.get(kind)
        if local is not None and value in local:
            return local[value]
        return self.parent.owner_of(kind, value) if self.parent is not None else None

    def allocated(self, kind: str) -> Iterator[tuple[str, str]]:
        local = self._alloc.get(kind, {})
        if self.parent is not None:
            for value, owner in self.parent.allocated(kind):
                if value not in local:
                    yield value, owner
        for value, found in local.items():
            if found is not None:
                yield value, found

    def owned(self, kind: str, uid: str) -> set[str]:
        """The values of an allocation kind that `uid` holds."""
        return {str(v) for v in self._owner_index(kind).keys(uid)}

    # --- writing -------------------------------------------------------------------------
    def put(self, kind: str, obj: Manifest) -> Manifest:
        meta = obj.setdefault("metadata", {})
        namespace = "" if kind in CLUSTER_SCOPED else meta.get("namespace", "default")
        self._set(kind, (namespace, meta["name"]), obj)
        self.changes.append(Change("put", kind, namespace, meta["name"]))
        return obj

    def delete(self, kind: str, namespace: str, name: str) -> Manifest | None:
        key = (namespace, name)
        obj = self.get(kind, namespace, name)
        if obj is None:
            return None
        self._set(kind, key, None)
        self._copies.get(kind, {}).pop(key, None)
        self.changes.append(Change("delete", kind, namespace, name))
        return obj

    def unput(self, kind: str, before: Manifest) -> None:
        """Take back the last put of this object: it is `before` again and nothing to write."""
        key = key_of(kind, before)
        self._set(kind, key, before)
        for index in range(len(self.changes) - 1, -1, -1):
            change = self.changes[index]
            if (change.kind, change.namespace, change.name) == (kind, *key):
                del self.changes[index]
                return

    def claim(self, kind: str, value: str, owner: str) -> None:
        self._set_allocation(kind, value, owner)
        self.claimed.append((kind, value, owner))

    def release(self, kind: str, value: str) -> None:
        if self.owner_of(kind, value) is not None:
            self._set_allocation(kind, value, None)
            self.released.append((kind, value))

    def absorb(self, overlay: Workspace) -> None:
        """Fold a committed overlay's objects and allocations into this, its base."""
        assert overlay.parent is self
        self.detach(overlay._local)
        with gc_paused():
            for kind, objs in overlay._local.items():
                for key, obj in objs.items():
                    self._set(kind, key, obj)
            for kind, values in overlay._alloc.items():
                for value, owner in values.items():
                    self._set_allocation(kind, value, owner)
        self.config = overlay.config

    def detach(self, kinds: Iterable[str]) -> None:
        """Copy these kinds' tables before changing them, so that a reader iterating the old
        table in another thread is never disturbed (the base changes only by copy-on-write)."""
        for kind in kinds:
            if kind in self._local:
                self._local[kind] = dict(self._local[kind])

    def load(self, kind: str, key: Key, obj: Manifest | None) -> None:
        """Hold `obj` at `key` (None: nothing) as stored, recording no change."""
        self._set(kind, key, obj)

    def load_allocation(self, kind: str, value: str, owner: str | None) -> None:
        self._set_allocation(kind, value, owner)

    def local_objects(self) -> Iterator[tuple[str, Key, Manifest | None]]:
        """What this workspace itself holds (an overlay: what it put or deleted)."""
        for kind, objs in self._local.items():
            for key, obj in objs.items():
                yield kind, key, obj

    def new_uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def timestamp(self) -> str:
        if self._stamp is None:
            self._stamp = self.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        return self._stamp

    def stamp_new(self, obj: Manifest) -> None:
        """What the registry adds to every created object: uid and creationTimestamp."""
        meta = obj.setdefault("metadata", {})
        meta["uid"] = self.new_uid()
        meta["creationTimestamp"] = self.timestamp()
        meta.pop("resourceVersion", None)

    # --- internals -----------------------------------------------------------------------
    def _kind_index(self, kind: str) -> LayeredIndex:
        found = self._index.get(kind)
        if found is None:
            below = self.parent._kind_index(kind) if self.parent is not None else None
            found = self._index[kind] = LayeredIndex(below)
        return found

    def _owner_index(self, kind: str) -> LayeredIndex:
        found = self._owners.get(kind)
        if found is None:
            below = self.parent._owner_index(kind) if self.parent is not None else None
            found = self._owners[kind] = LayeredIndex(below)
        return found

    def _filed_under(self, kind: str, key: Key) -> frozenset[Hashable]:
        filed = self._filed.get(kind)
        if filed is not None and key in filed:
            return filed[key]
        if self.parent is None:
            return frozenset()
        return self.parent._filed_under(kind, key)

    def _set(self, kind: str, key: Key, obj: Manifest | None) -> None:
        old = self._filed_under(kind, key)
        new = frozenset(index_values(kind, obj))
        if old or new:
            self._kind_index(kind).move(key, old, new)
        local = self._local.setdefault(kind, {})
        filed = self._filed.setdefault(kind, {})
        if obj is None and (self.parent is None or self.parent.peek(kind, key) is None):
            local.pop(key, None)  # nothing below to hide
            filed.pop(key, None)
        else:
            local[key] = obj
            filed[key] = new
        if kind == "Node" or any(_on_a_node(v) and v not in new for v in old):
            self.scratch.clear()
        if kind == "Node" and any(v[0] in ("address", "podCIDR") for v in old - new):  # type: ignore[index]
            self.hints.clear()

    def _set_allocation(self, kind: str, value: str, owner: str | None) -> None:
        before = self.owner_of(kind, value)
        if before != owner:
            self._owner_index(kind).move(
                value, [before] if before else [], [owner] if owner else []
            )
        local = self._alloc.setdefault(kind, {})
        if owner is None and (self.parent is None or self.parent.owner_of(kind, value) is None):
            local.pop(value, None)
        else:
            local[value] = owner


def clone(value: _T) -> _T:
    """A deep copy of a JSON value (dicts, lists, scalars): copy.deepcopy without its memo,
    several times faster on the thousands of pods one write may copy."""
    if isinstance(value, dict):
        return cast(_T, {k: clone(v) for k, v in value.items()})
    if isinstance(value, list):
        return cast(_T, [clone(v) for v in value])
    return value


def _on_a_node(value: Hashable) -> bool:
    return isinstance(value, tuple) and value[0] == "node" and bool(value[1])


class _Allocations(Mapping[str, str]):
    """A workspace's allocations of one kind, through its layers (read-only)."""

    def __init__(self, ws: Workspace, kind: str) -> None:
        self.ws, self.kind = ws, kind

    def __getitem__(self, value: str) -> str:
        owner = self.ws.owner_of(self.kind, value)
        if owner is None:
            raise KeyError(value)
        return owner

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self.ws.owner_of(self.kind, value) is not None

    def __iter__(self) -> Iterator[str]:
        return (value for value, _ in self.ws.allocated(self.kind))

    def __len__(self) -> int:
        return sum(1 for _ in self.ws.allocated(self.kind))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Bulk loads allocate millions of objects that all stay alive; the cyclic collector would
    rescan the growing heap again and again (most of a 150,000-pod load), finding nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
