"""The overlay Workspace a write runs on: the base is never changed, the indexes stay true.

The base's objects are frozen here (any mutation raises), so every write path the API offers
proves that the core changes only what it got from the overlay's get(); after absorb() the
base's indexes must equal indexes rebuilt from scratch.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import pytest

from app.core.apiserver import bootstrap, manifests
from app.core.apiserver import writes as apiserver
from app.core.model.indexes import index_values
from app.core.model.objects import ClusterConfig
from app.core.model.workspace import ALLOCATION_KINDS, Workspace
from tests.manifests import deployment

KINDS = (
    "Node",
    "Pod",
    "Service",
    "Deployment",
    "Endpoints",
    "EndpointSlice",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Event",
)


def _refuse(*_: Any, **__: Any) -> Any:
    raise AssertionError("the core changed an object of the base")


class FrozenDict(dict[str, Any]):
    __setitem__ = __delitem__ = pop = popitem = clear = update = _refuse

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            _refuse()
        return self[key]

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v, memo) for k, v in self.items()}


class FrozenList(list[Any]):
    __setitem__ = __delitem__ = append = extend = insert = pop = remove = sort = _refuse

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(v, memo) for v in self]


def freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return FrozenList(freeze(v) for v in value)
    return value


def demo_base() -> Workspace:
    """The demo cluster, built on a plain root and then frozen into a new root."""
    ws = Workspace(ClusterConfig(name="demo"), rng=random.Random(7))
    bootstrap.bootstrap(ws, 3)
    for obj in bootstrap.demo_objects(with_backend=True):
        apiserver.create(ws, obj["kind"], obj, obj["metadata"].get("namespace", "default"))
    apiserver.create(ws, "StatefulSet", deployment("db", 2))
    apiserver.create(ws, "DaemonSet", {**deployment("agent", 0), "spec": _daemon_spec()})
    kinds = (*KINDS, "Namespace", "ServiceAccount")
    objects = {k: {key: freeze(o) for key, o in ws.kind_map(k).items()} for k in kinds}
    allocations = {k: dict(ws.allocated(k)) for k in ALLOCATION_KINDS}
    return Workspace(ws.config, objects=objects, allocations=allocations)


def _service(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}


def _rolled(deployment: dict[str, Any] | None) -> dict[str, Any]:
    assert deployment is not None
    deployment["spec"]["template"]["metadata"].setdefault("annotations", {})["r"] = "1"
    return deployment


def _daemon_spec() -> dict[str, Any]:
    spec = deployment("agent", 0)["spec"]
    spec.pop("replicas")
    return dict(spec)


def _first_pod(ws: Workspace) -> tuple[str, str]:
    return min(key for key, _ in ws.keyed("Pod", "default"))


WRITES: dict[str, Callable[[Workspace], Any]] = {
    "create Service": lambda ws: apiserver.create(ws, "Service", _service("x")),
    "create Deployment": lambda ws: apiserver.create(ws, "Deployment", deployment("d", 5)),
    "scale up": lambda ws: apiserver.scale(ws, "default", "frontend", 9),
    "scale down": lambda ws: apiserver.scale(ws, "default", "frontend", 1),
    "delete Deployment": lambda ws: apiserver.remove(ws, "Deployment", "default", "frontend"),
    "delete Pod": lambda ws: apiserver.remove(ws, "Pod", *_first_pod(ws)),
    "node not ready": lambda ws: apiserver.set_ready(ws, "Node", "", "node-1", False),
    "pod not ready": lambda ws: apiserver.set_ready(ws, "Pod", *_first_pod(ws), False),
    "delete Node": lambda ws: apiserver.remove(ws, "Node", "", "node-2"),
    "add Node": lambda ws: apiserver.create(ws, "Node", {"metadata": {"name": "node-9"}}),
    "delete Service": lambda ws: apiserver.remove(ws, "Service", "default", "web"),
    "scale StatefulSet": lambda ws: apiserver.scale(ws, "default", "db", 3, kind="StatefulSet"),
    "delete DaemonSet": lambda ws: apiserver.remove(ws, "DaemonSet", "default", "agent"),
    "roll out": lambda ws: apiserver.replace(
        ws,
        "Deployment",
        "default",
        "frontend",
        _rolled(ws.get("Deployment", "default", "frontend")),
    ),
    "import": lambda ws: manifests.apply(
        ws,
        [
            {"apiVersion": "v1", "kind": "Service", **_service("y")},
            {"apiVersion": "apps/v1", "kind": "Deployment", **deployment("e", 2)},
            *manifests.export(ws),  # every object as it is: nothing to write for these
        ],
        "default",
    ),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_a_write_changes_only_its_overlay_and_absorbing_keeps_the_indexes_true(
    name: str,
) -> None:
    base = demo_base()
    overlay = Workspace.over(base, rng=random.Random(1))
    WRITES[name](overlay)
    assert overlay.changes
    thawed = Workspace(
        base.config,
        objects={k: copy.deepcopy(dict(base.kind_map(k))) for k in KINDS},
        allocations={k: dict(base.allocated(k)) for k in ALLOCATION_KINDS},
    )
    base.absorb(overlay)
    expected = Workspace(
        base.config,
        objects={k: dict(base.kind_map(k)) for k in KINDS},
        allocations={k: dict(base.allocated(k)) for k in ALLOCATION_KINDS},
    )
    for kind in ("Pod", "Node", "ReplicaSet", "Event"):
        values = {v for obj in expected.items(kind) for v in index_values(kind, obj)}
        for value in values:
            assert base.indexed(kind, value) == expected.indexed(kind, value), (kind, value)
            assert base.indexed_count(kind, value) == len(expected.indexed(kind, value))
    for kind in ALLOCATION_KINDS:
        owners = {owner for _, owner in expected.allocated(kind)}
        assert all(base.owned(kind, uid) == expected.owned(kind, uid) for uid in owners)
    assert thawed.kind_map("Pod") != base.kind_map("Pod") or name in (
        "create Service",
        "add Node",
        "delete Service",
    )


def test_an_overlay_sees_its_own_changes_through_the_indexes() -> None:
    base = demo_base()
    overlay = Workspace.over(base, rng=random.Random(2))
    before = overlay.indexed_count("Pod", ("node", "node-1"))
    apiserver.remove(overlay, "Node", "", "node-1")
    assert overlay.indexed_count("Pod", ("node", "node-1")) == 0
    assert base.indexed_count("Pod", ("node", "node-1")) == before  # the base is untouched
    moved = sum(overlay.indexed_count("Pod", ("node", n)) for n in ("node-2", "node-3"))
    assert moved == sum(1 for _ in overlay.items("Pod"))  # every pod went to the others
