"""Snapshots the watch cache hands out after writes carry their indexes forward (lineage.py):
whatever the writes, an evolved index equals the one built from scratch for that snapshot."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.controllers import endpointslices
from app.core.controllers.lineage import MAX_LOG, Lineage
from app.core.controllers.snapshot import StateBuilder, build_state
from app.core.model.objects import ClusterConfig, ClusterState
from app.core.network.index import RoutingIndex
from tests.core import builders

CONFIG = ClusterConfig(name="lineage")
NAMES = st.sampled_from(["a", "b", "c", "d"])
IPS = st.sampled_from(["", *(f"10.0.0.{i}" for i in range(1, 9))])
LABELS = st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["x", "y"]), max_size=2)


@st.composite
def writes(draw: st.DrawFn) -> tuple[str, tuple[str, str], Any]:
    """One object written or deleted; names, IPs, DNS names and ports collide on purpose."""
    kind = draw(st.sampled_from(["Node", "Pod", "Service", "Deployment"]))
    name = draw(NAMES)
    if draw(st.integers(0, 4)) == 0:
        return kind, ("" if kind == "Node" else "default", name), None
    if kind == "Node":
        return kind, ("", name), builders.node(name, draw(IPS))
    if kind == "Pod":
        obj = builders.pod(
            name, draw(NAMES), draw(IPS).replace("10.0.", "10.1."), labels=draw(LABELS),
            phase=draw(st.sampled_from(["Running", "Failed"])),
            hostname=draw(st.sampled_from(["", "h"])), subdomain=draw(st.sampled_from(["", "s"])),
        )  # fmt: skip
        return kind, ("default", name), obj
    if kind == "Service":
        node_port = draw(st.sampled_from([None, *range(30001, 30009)]))
        kind_of = "NodePort" if node_port else draw(st.sampled_from(["ClusterIP", "LoadBalancer"]))
        obj = builders.service(
            name,
            draw(st.sampled_from([f"10.96.0.{i}" for i in range(1, 9)])),
            [builders.port(draw(st.sampled_from([80, 443])), node_port=node_port)],
            type_=kind_of,
            selector=draw(LABELS) or None,
            external_ips=draw(st.lists(IPS.filter(bool), max_size=2)),
            lb_ingress=draw(
                st.lists(st.sampled_from([f"192.0.2.{i}" for i in range(9)]), max_size=1)
            ),
            hcnp=draw(st.sampled_from([None, *range(32000, 32008)])),
            etp=draw(st.sampled_from(["Cluster", "Local"])),
        )
        return kind, ("default", name), obj
    return kind, ("default", name), {"metadata": {"name": name, "namespace": "default"}}


def by_label(state: ClusterState) -> dict[Any, list[str]]:
    index = endpointslices._pod_index(state)
    return {key: sorted(p.name for p in pods) for key, pods in index.items()}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(writes(), max_size=4), st.booleans()), max_size=12))
def test_evolved_indexes_equal_built_ones(rounds: list[tuple[list[Any], bool]]) -> None:
    builder = StateBuilder()
    objects: dict[str, dict[Any, Any]] = {k: {} for k in ("Node", "Pod", "Service", "Deployment")}
    for batch, look in rounds:
        for kind, key, obj in batch:
            builder.update(kind, key, obj)
            if obj is None:
                objects[kind].pop(key, None)
            else:
                objects[kind][key] = obj
        state = builder.state(CONFIG)
        assert state == build_state(CONFIG, objects)  # the snapshot itself is the same
        if not look:
            continue  # a snapshot nobody routed over: the next one evolves across it
        assert RoutingIndex.for_state(state) == RoutingIndex.build(state)
        fresh = build_state(CONFIG, objects)
        assert by_label(state) == by_label(fresh)


def test_a_long_log_is_dropped_and_the_next_value_built() -> None:
    lineage, built = Lineage(), []

    def build(value: int) -> int:
        built.append(value)
        return value

    assert lineage.value("k", 1, lambda: build(1), lambda v, c: v + len(c)) == 1
    for _ in range(MAX_LOG + 1):
        lineage.changed("Pod", None, object())
    lineage.next_generation()
    lineage.next_generation()
    assert lineage.value("k", 2, lambda: build(2), lambda v, c: v + len(c)) == 2
    assert built == [1, 2]


def test_a_value_evolves_by_the_changes_since_it() -> None:
    lineage = Lineage()
    lineage.next_generation()
    assert lineage.value("k", 1, lambda: 0, lambda v, c: v + len(c)) == 0
    lineage.changed("Pod", None, "p1")
    lineage.changed("Pod", "p1", "p2")
    lineage.next_generation()
    assert lineage.value("k", 2, lambda: -1, lambda v, c: v + len(c)) == 2
