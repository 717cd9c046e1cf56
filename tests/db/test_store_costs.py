"""What keeps a write's cost independent of the server's size: the object count kept by the
writes, the writers' queue, the per-cluster load lock, the capped clusters page."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import func, text
from sqlmodel import Session, select

from app.db import repo, watchcache
from app.db.session import _QUEUED, get_engine, open_write_session
from app.db.tables import FeedSequenceRow, ObjectRow


def service_json(name: str) -> dict[str, object]:
    return {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}


def counted() -> tuple[int, int]:
    """(the count the writes kept, the rows stored)."""
    with Session(get_engine()) as session:
        kept = session.exec(select(FeedSequenceRow.objects)).one()
        rows = session.exec(select(func.count()).select_from(ObjectRow)).one()
    return kept, rows


def test_the_object_count_follows_creates_deletes_and_a_deleted_cluster(
    client: TestClient,
) -> None:
    kept, rows = counted()
    assert kept == rows > 0
    services = "/k8s/demo/api/v1/namespaces/default/services"
    assert client.post(services, json=service_json("counted")).status_code == 201
    assert counted() == (rows + 1, rows + 1)
    assert client.delete(f"{services}/counted").status_code == 200
    assert counted() == (rows, rows)
    assert client.delete("/api/clusters/bare-metal").status_code == 200
    kept, rows_after = counted()
    assert kept == rows_after < rows


def test_the_object_quota_reads_the_kept_count(client: TestClient) -> None:
    kept, _ = counted()
    with Session(get_engine()) as session:  # as if the server held nearly its limit
        session.execute(text("UPDATE feed_sequence SET objects = 500000"))
        session.commit()
    refused = client.post(
        "/k8s/demo/api/v1/namespaces/default/services", json=service_json("one-too-many")
    )
    assert refused.status_code == 403
    assert "used: objects=500000" in refused.json()["message"]
    assert counted()[0] == 500000  # the refused write changed nothing
    assert kept < 500000


def test_a_write_transaction_releases_the_writers_queue_however_it_ends() -> None:
    for end in ("commit", "rollback", "close"):
        session = open_write_session()
        session.execute(text("SELECT 1"))
        info = session.connection().info  # the pooled connection's, outliving the session
        assert _QUEUED in info
        getattr(session, end)()
        session.close()
        assert _QUEUED not in info
    taken = threading.Event()

    def writer() -> None:
        with open_write_session() as other:
            other.execute(text("SELECT 1"))
            taken.set()

    thread = threading.Thread(target=writer)
    thread.start()
    thread.join(timeout=10)
    assert taken.is_set()


def test_concurrent_cold_reads_load_a_cluster_once(client: TestClient) -> None:
    loads: list[int] = []
    real = watchcache._load

    def counting(session: Session, row: object) -> watchcache.Entry:
        loads.append(1)
        return real(session, row)  # type: ignore[arg-type]

    watchcache.clear()
    setattr(watchcache, "_load", counting)  # noqa: B010
    try:

        def read() -> None:
            with Session(get_engine()) as session:
                repo.load_state(session, repo.get_cluster(session, "demo"))

        threads = [threading.Thread(target=read) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        setattr(watchcache, "_load", real)  # noqa: B010
    assert loads == [1]
