"""The home page's counts of a cluster follow its writes without recounting every pod."""

from __future__ import annotations

from app.core.controllers.endpointslices import derived
from app.core.controllers.snapshot import StateBuilder
from app.core.model.objects import ClusterConfig
from app.services import overview
from tests.core import builders

CONFIG = ClusterConfig(name="counts")


def counts_of(builder: StateBuilder) -> dict[str, int]:
    state = builder.state(CONFIG)
    evolved = derived(state, "overview", lambda: overview._counted(state), overview._recounted)
    assert +evolved == +overview._counted(state)  # as if counted afresh (zeros dropped)
    return dict(+evolved)


def test_counts_follow_writes() -> None:
    builder = StateBuilder()
    builder.update("Node", ("", "n1"), builders.node("n1", "10.0.0.1"))
    builder.update("Pod", ("default", "a"), builders.pod("a", "n1", "10.1.0.1"))
    builder.update("Pod", ("default", "b"), builders.pod("b", "", "", ready=False))
    assert counts_of(builder) == {"nodes": 1, "pods": 2, "pods_pending": 1}
    builder.update("Node", ("", "n1"), builders.node("n1", "10.0.0.1", ready=False))
    builder.update("Pod", ("default", "a"), builders.pod("a", "n1", "10.1.0.1", ready=False))
    builder.update("Pod", ("default", "b"), None)
    lb = builders.service("lb", "10.96.0.9", [builders.port(80)], type_="LoadBalancer")
    builder.update("Service", ("default", "lb"), lb)
    assert counts_of(builder) == {
        "nodes": 1,
        "nodes_not_ready": 1,
        "pods": 1,
        "pods_not_ready": 1,
        "services": 1,
        "LoadBalancer": 1,
        "load_balancers_pending": 1,
    }
    builder.update("Service", ("default", "lb"), None)
    assert counts_of(builder) == {"nodes": 1, "nodes_not_ready": 1, "pods": 1, "pods_not_ready": 1}
