"""The demo clusters, created on first start (and again with `svcscope seed`)."""

from __future__ import annotations

from sqlmodel import Session, select

from app.core.apiserver import bootstrap
from app.core.apiserver import clustersettings as clusters
from app.core.apiserver import writes as apiserver
from app.core.model.workspace import Workspace
from app.db import repo
from app.db.session import get_engine
from app.db.tables import ClusterRow


def populate_demo(ws: Workspace, nodes: int, *, with_backend: bool) -> None:
    bootstrap.bootstrap(ws, nodes)
    for obj in bootstrap.demo_objects(with_backend=with_backend):
        apiserver.create(ws, obj["kind"], obj, obj["metadata"].get("namespace", "default"))


def seed_demo_clusters(*, replace: bool = False) -> list[str]:
    """Create each demo cluster that does not exist yet (or every one, when replace)."""
    created = []
    with Session(get_engine().execution_options(sqlite_immediate=True)) as session:
        for name, spec in bootstrap.DEMO_CLUSTERS.items():
            exists = session.exec(select(ClusterRow).where(ClusterRow.name == name)).first()
            if exists and not replace:
                continue
            if exists:
                repo.delete_cluster(session, name)
            config = clusters.config_from_json({"name": name, "provider": spec["provider"]})
            nodes, backend = int(spec["nodes"]), bool(spec["backend"])

            def populate(ws: Workspace, nodes: int = nodes, backend: bool = backend) -> None:
                populate_demo(ws, nodes, with_backend=backend)

            repo.create_cluster(session, config, populate)
            created.append(name)
    return created
