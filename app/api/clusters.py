"""/api/clusters: the simulator-level objects, each a whole kubeadm-like cluster."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.api.deps import BodyDep
from app.core.apiserver import bootstrap
from app.core.apiserver import clustersettings as clusters
from app.core.apiserver import registry as service_registry
from app.core.apiserver import writes as apiserver
from app.core.model.fielderrors import FieldError, ValidationFailed, invalid
from app.core.model.workspace import Workspace
from app.db import repo
from app.db.session import ReadSession, WriteSession
from app.db.tables import ClusterRow

router = APIRouter(prefix="/api/clusters", tags=["clusters"])


def cluster_json(session: ReadSession, row: ClusterRow) -> dict[str, Any]:
    assert row.id is not None
    counts = repo.object_counts(session, row.id)
    return {
        **clusters.config_to_json(repo.config_of(row)),
        "resourceVersion": str(row.resource_version),
        "createdAt": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "counts": {
            "nodes": counts.get("Node", 0),
            "pods": counts.get("Pod", 0),
            "services": counts.get("Service", 0),
            "deployments": counts.get("Deployment", 0),
        },
    }


def _body_dict(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise apiserver.BadRequest("the body must be a JSON object")
    return body


@router.get("")
def list_clusters(session: ReadSession) -> dict[str, Any]:
    """List every simulated cluster."""
    return {"items": [cluster_json(session, row) for row in repo.list_clusters(session)]}


@router.post("", status_code=201)
def create_cluster(session: WriteSession, body: BodyDep) -> JSONResponse:
    """Create a cluster with `nodes` worker nodes and the kubeadm system Services."""
    data = _body_dict(body)
    try:
        config = clusters.config_from_json(data)
        nodes = clusters.node_count(data, config)
    except ValueError as exc:
        raise ValidationFailed("Cluster", str(data.get("name", "")), exc.args[0]) from None
    if session.exec(select(ClusterRow).where(ClusterRow.name == config.name)).first():
        raise _exists(config.name)
    try:
        row = repo.create_cluster(session, config, lambda ws: bootstrap.bootstrap(ws, nodes))
    except IntegrityError:
        raise _exists(config.name) from None
    return JSONResponse(cluster_json(session, row), status_code=201)


def _immutable(field: str, value: Any) -> FieldError:
    return invalid(field, value, "field is immutable")


def _exists(name: str) -> apiserver.AlreadyExists:
    return apiserver.AlreadyExists(f'clusters "{name}" already exists', kind="clusters", name=name)


@router.get("/{cluster}")
def read_cluster(session: ReadSession, cluster: str) -> dict[str, Any]:
    """Read one cluster's settings and object counts."""
    return cluster_json(session, repo.get_cluster(session, cluster))


@router.patch("/{cluster}")
def update_cluster(session: WriteSession, cluster: str, body: BodyDep) -> dict[str, Any]:
    """Change the provider, proxy mode, IPVS scheduler or load-balancer pool.

    Address ranges are fixed once a cluster exists, as kube-apiserver's flags are in practice:
    changing them would strand every allocated ClusterIP, nodePort and pod IP.
    """
    data = _body_dict(body)
    row = repo.get_cluster(session, cluster, for_update=True)
    current = repo.config_of(row)
    immutable = [
        key
        for key in data
        if key in clusters.FIELDS
        and key not in clusters.MUTABLE
        and data[key] != clusters.config_to_json(current)[key]
    ]
    errors: list[FieldError] = []
    if "name" in data and data["name"] != cluster:
        errors.append(_immutable("name", data["name"]))
    errors += [_immutable(key, data[key]) for key in immutable]
    try:
        config = clusters.config_from_json({**data, "name": cluster}, base=current)
    except ValueError as exc:
        errors += exc.args[0]
    if errors:
        raise ValidationFailed("Cluster", cluster, errors)
    session.rollback()

    def apply(ws: Workspace) -> None:
        ws.config = config
        for svc in list(ws.items("Service")):
            before = repr(svc.get("status"))
            service_registry.assign_load_balancer(ws, svc)
            if repr(svc.get("status")) != before:
                ws.put("Service", svc)

    def change(ws: Workspace) -> None:
        apply(ws)
        row_now = repo.get_cluster(session, cluster)
        row_now.provider = config.provider
        row_now.proxy_mode = config.proxy_mode
        row_now.ipvs_scheduler = config.ipvs_scheduler
        row_now.load_balancer_pool = config.load_balancer_pool
        session.add(row_now)

    repo.write(session, cluster, change)
    return cluster_json(session, repo.get_cluster(session, cluster))


@router.delete("/{cluster}")
def delete_cluster(session: WriteSession, cluster: str) -> dict[str, Any]:
    """Delete a cluster and every object in it."""
    row = repo.get_cluster(session, cluster)
    gone = cluster_json(session, row)
    repo.delete_cluster(session, cluster)
    return gone
