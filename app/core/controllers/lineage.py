"""Values derived from one snapshot, carried to the next by the changes between them.

A write changes a few objects, and the watch cache's StateBuilder hands out a new ClusterState
for it at the cost of a pass over references. But the indexes derived from a snapshot (pods by
label, the RoutingIndex) hung off the snapshot only, so the first route after every write
rebuilt them over every pod: half a second at 150,000 pods. kube-proxy does not start over
on each change either; it applies the changes its informers deliver (pkg/proxy's
EndpointsChangeTracker and ServiceChangeTracker). Here the StateBuilder logs each typed
object it replaces, numbers the snapshots it builds, and a derived value with an `evolve`
function starts from the newest one held and applies the changes since.

Values held are never changed: evolving copies what it changes, since older snapshots'
caches may still point at the same value.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Change = tuple[str, Any, Any]
"""(kind, the typed object before or None, the typed object after or None)."""

MAX_LOG = 5000
"""Changes kept at most; beyond that (a bulk import), the next value is built afresh."""


class Lineage:
    """One StateBuilder's snapshots: their numbers, the changes between them, and the newest
    derived value of each key that has one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation = 0
        self._log: list[tuple[int, Change]] = []
        self._values: dict[Any, tuple[int, Any]] = {}

    def changed(self, kind: str, before: Any, after: Any) -> None:
        """An object changed since the last snapshot (logged only while a value may need it)."""
        with self._lock:
            if not self._values:
                return
            self._log.append((self.generation + 1, (kind, before, after)))
            if len(self._log) > MAX_LOG:
                self._forget()

    def next_generation(self) -> int:
        """A snapshot was built: its number (the changes logged so far are in it)."""
        with self._lock:
            self.generation += 1
            return self.generation

    def reset(self) -> None:
        with self._lock:
            self._forget()

    def _forget(self) -> None:
        self._values.clear()
        self._log.clear()

    def value(
        self,
        key: Any,
        generation: int,
        build: Callable[[], T],
        evolve: Callable[[T, list[Change]], T],
    ) -> T:
        """The value of `key` for snapshot `generation`: evolved from the newest one held at
        or before it, else built."""
        with self._lock:
            held = self._values.get(key)
            changes: list[Change] | None = None
            if held is not None and held[0] <= generation:
                changes = [change for number, change in self._log if held[0] < number <= generation]
        value = build() if changes is None or held is None else evolve(held[1], changes)
        with self._lock:
            newest = self._values.get(key)
            if newest is None or newest[0] < generation:
                self._values[key] = (generation, value)
            oldest = min(number for number, _ in self._values.values())
            self._log = [entry for entry in self._log if entry[0] > oldest]
        return value
