"""The unit of work one API request (or one import) runs in.

A Workspace holds every object of one cluster as Kubernetes JSON plus the values already
allocated, records each change, and is thrown away at the end: the database layer loads it in a
transaction, the core mutates it, the database layer writes `changes` back and commits. Keeping
this in the core lets the whole write path (defaults, validation, allocation, controllers) run in
unit tests without a database.
"""

from __future__ import annotations

import gc
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from app.core.model.objects import ClusterConfig

Manifest = dict[str, Any]
Key = tuple[str, str]
"""(namespace, name); namespace is "" for cluster-scoped kinds."""

CLUSTER_SCOPED = frozenset({"Node", "Namespace"})
ALLOCATION_KINDS = ("node-port", "cluster-ip", "lb-ip")


@dataclass(frozen=True)
class Change:
    op: Literal["put", "delete"]
    kind: str
    namespace: str
    name: str


@dataclass
class Workspace:
    config: ClusterConfig
    objects: dict[str, dict[Key, Manifest]] = field(default_factory=dict)
    allocations: dict[str, dict[str, str]] = field(default_factory=dict)
    """allocation kind → value → owner uid."""
    rng: random.Random = field(default_factory=random.Random)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    changes: list[Change] = field(default_factory=list)
    claimed: list[tuple[str, str, str]] = field(default_factory=list)
    released: list[tuple[str, str]] = field(default_factory=list)

    # --- reading -------------------------------------------------------------------------
    def get(self, kind: str, namespace: str, name: str) -> Manifest | None:
        return self.objects.get(kind, {}).get((namespace, name))

    def items(self, kind: str, namespace: str | None = None) -> Iterator[Manifest]:
        for (ns, _), obj in self.objects.get(kind, {}).items():
            if namespace is None or ns == namespace:
                yield obj

    def used(self, kind: str) -> dict[str, str]:
        return self.allocations.setdefault(kind, {})

    # --- writing -------------------------------------------------------------------------
    def put(self, kind: str, obj: Manifest) -> Manifest:
        meta = obj.setdefault("metadata", {})
        namespace = "" if kind in CLUSTER_SCOPED else meta.get("namespace", "default")
        self.objects.setdefault(kind, {})[(namespace, meta["name"])] = obj
        self.changes.append(Change("put", kind, namespace, meta["name"]))
        return obj

    def delete(self, kind: str, namespace: str, name: str) -> Manifest | None:
        obj = self.objects.get(kind, {}).pop((namespace, name), None)
        if obj is not None:
            self.changes.append(Change("delete", kind, namespace, name))
        return obj

    def claim(self, kind: str, value: str, owner: str) -> None:
        self.used(kind)[value] = owner
        self.claimed.append((kind, value, owner))

    def release(self, kind: str, value: str) -> None:
        if self.used(kind).pop(value, None) is not None:
            self.released.append((kind, value))

    def new_uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def timestamp(self) -> str:
        return self.now.strftime("%Y-%m-%dT%H:%M:%SZ")

    def stamp_new(self, obj: Manifest) -> None:
        """What the registry adds to every created object: uid and creationTimestamp."""
        meta = obj.setdefault("metadata", {})
        meta["uid"] = self.new_uid()
        meta["creationTimestamp"] = self.timestamp()
        meta.pop("resourceVersion", None)


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
