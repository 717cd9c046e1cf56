"""Loading the largest cluster from SQLite into a simulation-ready ClusterState, beside a
bare `SELECT body` + json.loads of the same rows measured in the same run."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import Session

from app.db import repo
from app.db.migrate import upgrade_to_head
from app.db.session import make_engine
from app.db.tables import ClusterRow, ObjectRow
from tests.bench.generate import CONFIG, generate


def main() -> None:
    objects = generate()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scale.db'}"
        upgrade_to_head(url)
        engine = make_engine(url)
        with Session(engine) as session:
            row = ClusterRow(
                name="scale", provider=CONFIG.provider, proxy_mode=CONFIG.proxy_mode,
                ipvs_scheduler="rr", service_cidr=CONFIG.service_cidr, pod_cidr=CONFIG.pod_cidr,
                node_port_range=str(CONFIG.node_port_range), node_cidr=CONFIG.node_cidr,
                control_plane_address=CONFIG.control_plane_address,
                load_balancer_pool=CONFIG.load_balancer_pool, created_at=datetime.now(UTC),
            )  # fmt: skip
            session.add(row)
            session.commit()
            rows = [
                {"cluster_id": row.id, "kind": kind, "namespace": ns, "name": name,
                 "uid": obj["metadata"]["uid"], "resource_version": 1, "body": obj}
                for kind, items in objects.items() for (ns, name), obj in items.items()
            ]  # fmt: skip
            started = time.perf_counter()
            session.execute(insert(ObjectRow), rows)
            session.commit()
            print(f"stored {len(rows):,} objects in {time.perf_counter() - started:.1f} s")
        with engine.connect() as connection:
            started = time.perf_counter()
            bodies = [
                json.loads(b) for (b,) in connection.execute(text("SELECT body FROM kube_object"))
            ]
            bare = time.perf_counter() - started
        with Session(engine) as session:
            started = time.perf_counter()
            state = repo.load_state(session, repo.get_cluster(session, "scale"))
            took = time.perf_counter() - started
        print(f"load_state: {took:.2f} s for {len(state.nodes):,} nodes, {len(state.pods):,} "
              f"pods, {len(state.services):,} Services ({took / bare:.1f}x a bare SELECT + "
              f"json.loads of the {len(bodies):,} rows: {bare:.2f} s)")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
