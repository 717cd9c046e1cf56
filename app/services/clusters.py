"""Whole clusters: create (from a template), change settings, delete, seed the demos, and the
summary every face shows of one.

A template fills a new cluster in the same transaction as its row: `empty` is what kubeadm
leaves (nodes and the system Services), `demo` and `bare-metal` add the demo workloads through
apiserver.create, as `svcscope seed` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.core.apiserver import bootstrap
from app.core.apiserver import clustersettings as settings
from app.core.apiserver import registry as service_registry
from app.core.apiserver import writes as apiserver
from app.core.model.fielderrors import FieldError, ValidationFailed, invalid
from app.core.model.objects import ClusterConfig
from app.core.model.workspace import Workspace
from app.db import quota, repo
from app.db.session import open_write_session
from app.db.tables import ClusterRow
from app.services.errors import refusals

Template = Literal["empty", "demo", "bare-metal"]


class ClusterCounts(BaseModel):
    nodes: int = Field(ge=0)
    pods: int = Field(ge=0)
    services: int = Field(ge=0)
    deployments: int = Field(ge=0)


class Cluster(BaseModel):
    """A cluster's settings (the JSON of POST /api/clusters) and what it holds."""

    name: str
    provider: str
    proxyMode: str
    ipvsScheduler: str
    serviceCIDR: str
    podCIDR: str
    nodePortRange: str
    nodeCIDR: str
    controlPlaneAddress: str
    loadBalancerPool: str
    resourceVersion: str
    createdAt: str
    counts: ClusterCounts


class ClusterList(BaseModel):
    items: list[Cluster]


def summary(*, session: Session, row: ClusterRow) -> Cluster:
    """The cluster's settings, resourceVersion, creation time and object counts."""
    assert row.id is not None
    counts = repo.object_counts(session, row)
    return Cluster(
        **settings.config_to_json(repo.config_of(row)),
        resourceVersion=str(row.resource_version),
        createdAt=row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        counts=ClusterCounts(
            nodes=counts.get("Node", 0),
            pods=counts.get("Pod", 0),
            services=counts.get("Service", 0),
            deployments=counts.get("Deployment", 0),
        ),
    )


def list_clusters(*, session: Session) -> ClusterList:
    return ClusterList(items=[summary(session=session, row=r) for r in repo.list_clusters(session)])


def populate(
    ws: Workspace, nodes: int, template: Template, progress: Callable[[int], None] | None = None
) -> None:
    """Fill a new cluster: kubeadm's objects, then the template's workloads."""
    if template == "empty":
        bootstrap.bootstrap(ws, nodes, progress)
    else:
        populate_demo(ws, nodes, with_backend=template == "demo", progress=progress)


def populate_demo(
    ws: Workspace,
    nodes: int,
    *,
    with_backend: bool,
    progress: Callable[[int], None] | None = None,
) -> None:
    """kubeadm's objects and the demo workloads, created as a client would create them."""
    bootstrap.bootstrap(ws, nodes, progress)
    for obj in bootstrap.demo_objects(with_backend=with_backend):
        apiserver.create(ws, obj["kind"], obj, obj["metadata"].get("namespace", "default"))


def create_cluster(
    *,
    session: Session,
    body: Any,
    template: Template = "empty",
    progress: Callable[[int], None] | None = None,
) -> ClusterRow:
    """A new cluster from its settings (`nodes` worker nodes), filled from a template.

    `progress(n)` counts the nodes registered (computed before the database is locked)."""
    with refusals():
        data = _object(body)
        try:
            config = settings.config_from_json(data)
            nodes = settings.node_count(data, config)
        except ValueError as exc:
            raise ValidationFailed("Cluster", str(data.get("name", "")), exc.args[0]) from None
        if session.exec(select(ClusterRow).where(ClusterRow.name == config.name)).first():
            raise _exists(config.name)
        quota.check_cluster_quota(session, config.name)
        try:
            return repo.create_cluster(
                session, config, lambda ws: populate(ws, nodes, template, progress)
            )
        except IntegrityError:
            raise _exists(config.name) from None


def update_cluster(*, session: Session, cluster: str, body: Any) -> ClusterRow:
    """Change the provider, proxy mode, IPVS scheduler or load-balancer pool.

    Address ranges are fixed once a cluster exists, as kube-apiserver's flags are in practice:
    changing them would strand every allocated ClusterIP, nodePort and pod IP.
    """
    with refusals():
        data = _object(body)
        config = _changed_config(session, cluster, data)
        session.rollback()

        def change(ws: Workspace) -> None:
            ws.config = config
            for key in sorted(k for k, _ in ws.keyed("Service")):
                svc = ws.get("Service", *key)
                assert svc is not None
                before = repr(svc.get("status"))
                service_registry.assign_load_balancer(ws, svc)
                if repr(svc.get("status")) != before:
                    ws.put("Service", svc)
            row = repo.get_cluster(session, cluster)
            repo.set_mutable_settings(row, config)
            session.add(row)

        repo.write(session, cluster, change)
        return repo.get_cluster(session, cluster)


def _changed_config(session: Session, cluster: str, data: dict[str, Any]) -> ClusterConfig:
    """The cluster's settings with the body's changes, or every field error at once."""
    current = repo.config_of(repo.get_cluster(session, cluster, for_update=True))
    stored = settings.config_to_json(current)
    errors: list[FieldError] = []
    if "name" in data and data["name"] != cluster:
        errors.append(_immutable("name", data["name"]))
    errors += [
        _immutable(key, data[key])
        for key in data
        if key in settings.FIELDS and key not in settings.MUTABLE and data[key] != stored[key]
    ]
    try:
        config = settings.config_from_json({**data, "name": cluster}, base=current)
    except ValueError as exc:
        errors += exc.args[0]
    if errors:
        raise ValidationFailed("Cluster", cluster, errors)
    return config


def delete_cluster(*, session: Session, cluster: str) -> Cluster:
    """Delete a cluster and every object in it; answers what it was."""
    with refusals():
        gone = summary(session=session, row=repo.get_cluster(session, cluster))
        repo.delete_cluster(session, cluster)
        return gone


def seed_demo_clusters(*, replace: bool = False) -> list[str]:
    """Create each demo cluster that does not exist yet (or every one, when replace)."""
    created = []
    with open_write_session() as session:
        for name, spec in bootstrap.DEMO_CLUSTERS.items():
            exists = session.exec(select(ClusterRow).where(ClusterRow.name == name)).first()
            if exists and not replace:
                continue
            if exists:
                repo.delete_cluster(session, name)
            body = {"name": name, "provider": spec["provider"], "nodes": int(spec["nodes"])}
            template: Template = "demo" if spec["backend"] else "bare-metal"
            create_cluster(session=session, body=body, template=template)
            created.append(name)
    return created


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise apiserver.BadRequest("the body must be a JSON object")
    return body


def _immutable(field: str, value: Any) -> FieldError:
    return invalid(field, value, "field is immutable")


def _exists(name: str) -> apiserver.AlreadyExists:
    return apiserver.AlreadyExists(f'clusters "{name}" already exists', kind="clusters", name=name)
