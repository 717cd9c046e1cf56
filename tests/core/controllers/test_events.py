"""The event recorder: upstream's reasons and texts, names as record.makeEvent makes them,
and at most MAX_EVENTS kept per cluster (the newest)."""

from __future__ import annotations

import random
import re

from app.core.apiserver import writes as apiserver
from app.core.controllers import events
from app.core.model.objects import ClusterConfig
from app.core.model.workspace import Workspace


def test_the_scheduler_records_where_it_bound_a_pod() -> None:
    ws = Workspace(ClusterConfig(name="t"), rng=random.Random(1))
    apiserver.create(ws, "Node", {"metadata": {"name": "node-1"}})
    pod = apiserver.create(
        ws,
        "Pod",
        {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
        "shop",
    )
    (event,) = list(ws.items("Event"))
    assert event["message"] == "Successfully assigned shop/p to node-1"
    assert (event["reason"], event["type"], event["source"]) == (
        "Scheduled",
        "Normal",
        {"component": "default-scheduler"},
    )
    assert event["involvedObject"] == {
        "kind": "Pod",
        "namespace": "shop",
        "name": "p",
        "uid": pod["metadata"]["uid"],
        "apiVersion": "v1",
    }
    assert event["metadata"]["namespace"] == "shop"
    assert re.fullmatch(r"p\.[0-9a-f]{16,}", event["metadata"]["name"])
    assert event["count"] == 1 and event["firstTimestamp"] == event["lastTimestamp"]


def test_a_cluster_keeps_only_the_newest_events() -> None:
    ws = Workspace(ClusterConfig(name="t"), rng=random.Random(1))
    apiserver.create(ws, "Node", {"metadata": {"name": "node-1"}})
    subject = {"metadata": {"name": "web", "namespace": "default", "uid": "u"}}
    for i in range(events.MAX_EVENTS * 2):
        events.record(ws, "Deployment", subject, "Test", f"event {i}", "test")
    kept = list(ws.items("Event"))
    assert len(kept) <= events.MAX_EVENTS
    numbers = sorted(int(e["message"].split()[1]) for e in kept if e["reason"] == "Test")
    assert numbers == list(range(events.MAX_EVENTS * 2 - len(numbers), events.MAX_EVENTS * 2))
