"""Big writes are computed before they take the database's write lock.

SQLite has one write lock for every cluster: were a 10,000-object import or a 5,000-node
cluster computed under it, every write to any other cluster would wait for it. Each test
makes a write to another cluster from inside the big one's computation (its progress
callback) and requires it to land before the computation goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlmodel import Session

from app.db import repo
from app.db.session import open_write_session
from app.services import clusters, manifests, objects

ELSEWHERE = {"metadata": {"name": "elsewhere"}, "spec": {"ports": [{"port": 80}]}}
WAIT = 15.0
"""Half the busy timeout: a write queued behind the lock would still be waiting."""


def landing_elsewhere(cluster: str) -> tuple[Callable[[int], None], list[bool]]:
    """A progress callback that, the first time, writes to `cluster` and waits for it."""
    landed: list[bool] = []
    started: list[threading.Thread] = []

    def write() -> None:
        with open_write_session() as other:
            objects.create_object(session=other, cluster=cluster, kind="Service", body=ELSEWHERE)
        landed.append(True)

    def progress(_: int) -> None:
        if not started:
            started.append(threading.Thread(target=write, daemon=True))
            started[0].start()
            started[0].join(WAIT)
            assert landed, "the write to another cluster waited for the big one"

    return progress, landed


def test_a_write_elsewhere_lands_while_an_import_is_computed(session: Session, demo: str) -> None:
    clusters.create_cluster(session=session, body={"name": "other", "nodes": 1})
    docs = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"imp-{i}"},
         "spec": {"ports": [{"port": 80}]}}
        for i in range(200)
    ]  # fmt: skip
    progress, landed = landing_elsewhere("other")
    outcomes = manifests.import_manifest(
        session=session, cluster=demo, docs=docs, progress=progress
    )
    assert landed and len(outcomes) == 200
    row = repo.get_cluster(session, "other")
    assert row.id is not None
    assert repo.read_object(session, row.id, "Service", "default", "elsewhere") is not None


def test_a_write_elsewhere_lands_while_a_big_cluster_is_computed(
    session: Session, demo: str
) -> None:
    progress, landed = landing_elsewhere(demo)
    body = {"name": "wide", "nodes": 1000, "nodeCIDR": "10.0.0.0/16", "podCIDR": "10.128.0.0/9",
            "controlPlaneAddress": "10.0.0.2"}  # fmt: skip
    row = clusters.create_cluster(session=session, body=body, progress=progress)
    assert landed
    assert repo.object_counts(session, row)["Node"] == 1000
