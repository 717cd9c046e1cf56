"""The change feed's guarantees: one sequence, commit order equal to number order, compaction.

Runs on SQLite, and on PostgreSQL in `make test-postgres`, where the counter row's lock is what
keeps a follower from reading 11 before 10 has committed.
"""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.core.apiserver import writes as apiserver
from app.core.model.workspace import Manifest, Workspace
from app.db import feed, follower, repo
from app.db.session import get_engine
from app.db.tables import FeedEventRow, ObjectRow

WRITERS = 4
WRITES = 12


def _service(name: str) -> dict[str, object]:
    return {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}


def test_concurrent_writers_commit_in_resource_version_order(client: TestClient) -> None:
    """A reader polling the feed during concurrent writes never meets a gap filled later."""
    engine = get_engine().execution_options(sqlite_immediate=True)
    assert client.post("/api/clusters", json={"name": "empty", "nodes": 1}).status_code == 201
    with Session(get_engine()) as session:
        start = feed.state(session)[0]
    done = threading.Event()
    batches: list[list[int]] = []

    def read() -> None:
        last = start
        while not done.is_set() or last < start + WRITERS * WRITES:
            with Session(get_engine()) as session:
                found = [e.resource_version for e in feed.since(session, last)]
            if found:
                batches.append(found)
                last = found[-1]

    def write(writer: int) -> None:
        cluster = "demo" if writer % 2 else "empty"
        for index in range(WRITES):
            body = _service(f"w{writer}-{index}")

            def create(ws: Workspace, body: dict[str, object] = body) -> Manifest:
                return apiserver.create(ws, "Service", body, "default")

            with Session(engine) as session:
                repo.write(session, cluster, create)

    reader = threading.Thread(target=read)
    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join(timeout=30)
    seen = [rv for batch in batches for rv in batch]
    assert seen == list(range(start + 1, start + WRITERS * WRITES + 1))


def test_every_stored_object_carries_the_resource_version_of_its_last_event(
    client: TestClient,
) -> None:
    client.post("/k8s/demo/api/v1/namespaces/default/services", json=_service("shop"))
    with Session(get_engine()) as session:
        events = list(
            session.exec(select(FeedEventRow).order_by(col(FeedEventRow.resource_version)))
        )
        last = {(e.cluster_id, e.kind, e.namespace, e.name): e for e in events}
        for row in session.exec(select(ObjectRow)):
            event = last[(row.cluster_id, row.kind, row.namespace, row.name)]
            assert event.type != feed.DELETED
            assert row.resource_version == event.resource_version
            assert row.body["metadata"]["resourceVersion"] == str(event.resource_version)


def test_deleting_a_cluster_takes_its_events_with_it(client: TestClient) -> None:
    with Session(get_engine()) as session:
        cluster_id = repo.get_cluster(session, "demo").id
    assert client.delete("/api/clusters/demo").status_code in (200, 204)
    with Session(get_engine()) as session:
        assert list(feed.since(session, 0, cluster_id)) == []


def test_a_watch_from_before_the_compaction_is_expired(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.settings import get_settings

    monkeypatch.setenv("SVCSCOPE_FEED_EVENTS", "4")
    get_settings.cache_clear()
    with Session(get_engine()) as session:
        start = feed.state(session)[0]
        cluster_id = repo.get_cluster(session, "demo").id
    assert cluster_id is not None
    for index in range(10):
        client.post("/k8s/demo/api/v1/namespaces/default/services", json=_service(f"s{index}"))
    with Session(get_engine()) as session:
        newest, compacted = feed.state(session)
        assert start < compacted <= newest - 4
        with pytest.raises(feed.Expired, match=rf"too old resource version: {start} \("):
            feed.backlog(session, cluster_id, start)
        kept = feed.backlog(session, cluster_id, compacted)
        assert [e.resource_version for e in kept] == list(range(compacted + 1, newest + 1))


def test_stopping_the_feed_waits_for_a_poll_under_way(client: TestClient) -> None:
    """Shutdown disposes the engine next: a poll still holding a session would check its
    connection in to the disposed pool, where it stays open until the collector finds it."""
    running = follower.follower(get_engine())
    assert running.is_alive()
    follower.stop_all(wait=5.0)
    assert not running.is_alive()
