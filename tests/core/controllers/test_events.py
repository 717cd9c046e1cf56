"""The event recorder: upstream's reasons and texts, names as record.makeEvent makes them,
and at most MAX_EVENTS kept per cluster (the newest)."""

from __future__ import annotations

import random
import re

import pytest

from app.core.apiserver import writes as apiserver
from app.core.controllers import events
from app.core.model.objects import ClusterConfig
from app.core.model.workspace import Workspace


def test_the_scheduler_records_where_it_bound_a_pod() -> None:
    ws = Workspace(ClusterConfig(name="t"), rng=random.Random(1))
    apiserver.create(ws, "Namespace", {"metadata": {"name": "shop"}})
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
    for batch in range(3):  # stored, then each later write's newer ones push the oldest out
        over = Workspace.over(ws, rng=random.Random(batch))
        for i in range(events.MAX_EVENTS):
            subject = {"metadata": {"name": f"web-{i}", "namespace": "default", "uid": "u"}}
            events.record(over, "Deployment", subject, "Test", f"{batch} {i}", "test")
        events.flush(over)
        ws.absorb(over)
        kept = list(ws.items("Event"))
        assert len(kept) == events.MAX_EVENTS
    batches = {e["message"].split()[0] for e in kept}
    assert batches == {"2"}


def test_the_spam_filter_lets_25_events_per_source_and_object_through_in_one_write() -> None:
    ws = Workspace(ClusterConfig(name="t"), rng=random.Random(1))
    subject = {"metadata": {"name": "web", "namespace": "default", "uid": "u"}}
    for i in range(40):
        events.record(ws, "ReplicaSet", subject, "SuccessfulCreate", f"Created pod: {i}", "rs")
    events.record(ws, "ReplicaSet", subject, "Other", "from another source", "someone-else")
    events.flush(ws)
    messages = [e["message"] for e in ws.items("Event")]
    assert len(messages) == events.SPAM_BURST + 1
    assert "Created pod: 24" in messages and "Created pod: 25" not in messages


def test_a_failed_write_stores_none_of_what_it_recorded() -> None:
    ws = Workspace(ClusterConfig(name="t"), rng=random.Random(1))
    subject = {"metadata": {"name": "web", "namespace": "default", "uid": "u"}}

    @apiserver.records_events
    def failing(ws: Workspace) -> None:
        events.record(ws, "Deployment", subject, "Test", "lost", "test")
        raise apiserver.Conflict("no")

    @apiserver.records_events
    def working(ws: Workspace) -> None:
        events.record(ws, "Deployment", subject, "Test", "kept", "test")

    with pytest.raises(apiserver.Conflict):
        failing(ws)
    working(ws)
    assert [e["message"] for e in ws.items("Event")] == ["kept"]
