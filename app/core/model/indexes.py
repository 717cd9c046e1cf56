"""The indexes a Workspace keeps so that controllers look objects up instead of scanning.

kube-apiserver's watch cache and the controllers' informers keep the same kind of indexes
(client-go tools/cache/index.go: "namespace", the scheduler's pods-per-node NodeInfo): which
pods run on a node, which pods a Deployment owns, which pods and ReplicaSets each controller
owns (metav1.GetControllerOf), which Events exist (the recorder's cap), which pod IPs are taken,
which nodes are Ready, which node addresses and podCIDRs are taken, which allocated values a
Service owns.

An index of an overlay Workspace is a layer over its parent's: the keys it added and the keys
it removed under each index value, so a lookup costs what the write changed, not the cluster.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Set
from typing import Any

Manifest = dict[str, Any]
_EMPTY: frozenset[Any] = frozenset()


def owning_deployment(pod: Manifest) -> str | None:
    """The Deployment whose ReplicaSet owns this pod (name `<deployment>-<pod-template-hash>`)."""
    meta = pod.get("metadata", {})
    pod_hash = meta.get("labels", {}).get("pod-template-hash")
    for ref in meta.get("ownerReferences", []):
        name = ref.get("name", "")
        if ref.get("kind") == "ReplicaSet" and pod_hash and name.endswith(f"-{pod_hash}"):
            return str(name[: -len(pod_hash) - 1])
    return None


def controller_of(obj: Manifest) -> tuple[str, str] | None:
    """(kind, name) of the ownerReference with controller=true (metav1.GetControllerOf)."""
    for ref in obj.get("metadata", {}).get("ownerReferences", []):
        if ref.get("controller") is True:
            return str(ref.get("kind", "")), str(ref.get("name", ""))
    return None


def node_is_ready(node: Manifest) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in node.get("status", {}).get("conditions", [])
    )


def index_values(kind: str, obj: Manifest | None) -> set[Hashable]:
    """Every index value the object is filed under (none for a missing object)."""
    if obj is None:
        return set()
    if kind == "Pod":
        namespace = obj.get("metadata", {}).get("namespace", "default")
        values: set[Hashable] = {("all",), ("node", obj.get("spec", {}).get("nodeName") or "")}
        owner = owning_deployment(obj)
        if owner:
            values.add(("owner", namespace, owner))
        pod_ip = obj.get("status", {}).get("podIP")
        if pod_ip:
            values.add(("podIP", pod_ip))
        controller = controller_of(obj)
        if controller:
            values.add(("controller", namespace, *controller))
        return values
    if kind == "ReplicaSet":
        controller = controller_of(obj)
        namespace = obj.get("metadata", {}).get("namespace", "default")
        return {("controller", namespace, *controller)} if controller else set()
    if kind == "Event":
        return {("all",)}
    if kind == "Node":
        values = {("address", a.get("address", "")) for a in _addresses(obj)}
        if node_is_ready(obj):
            values.add(("ready",))
        cidr = obj.get("spec", {}).get("podCIDR")
        if cidr:
            values.add(("podCIDR", cidr))
        return values
    return set()


def _addresses(node: Manifest) -> list[dict[str, Any]]:
    return list(node.get("status", {}).get("addresses", []))


class LayeredIndex:
    """Index value → keys; an overlay's layer records what it added and removed."""

    def __init__(self, parent: LayeredIndex | None = None) -> None:
        self.parent = parent
        self.added: dict[Hashable, set[Hashable]] = {}
        self.removed: dict[Hashable, set[Hashable]] = {}

    def move(self, key: Hashable, old: Iterable[Hashable], new: Iterable[Hashable]) -> None:
        """The object at `key` was filed under `old` and is now filed under `new`."""
        old_set, new_set = set(old), set(new)
        for value in old_set - new_set:
            added = self.added.get(value)
            if added is not None and key in added:
                added.discard(key)
                if not added:
                    del self.added[value]
            else:  # it came from the parent: hide it there
                self.removed.setdefault(value, set()).add(key)
        for value in new_set - old_set:
            removed = self.removed.get(value)
            if removed is not None and key in removed:
                removed.discard(key)
            else:
                self.added.setdefault(value, set()).add(key)

    def keys(self, value: Hashable) -> Set[Hashable]:
        """The keys filed under `value` (read-only: the set may be the index's own)."""
        added = self.added.get(value, _EMPTY)
        if self.parent is None:
            return added
        below = self.parent.keys(value)
        removed = self.removed.get(value)
        if removed:
            below = below - removed
        return below | added if added else below

    def count(self, value: Hashable) -> int:
        here = len(self.added.get(value, _EMPTY)) - len(self.removed.get(value, _EMPTY))
        return here + (self.parent.count(value) if self.parent is not None else 0)
