"""/api/clusters: the simulator-level objects, each a whole kubeadm-like cluster."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import BodyDep
from app.api.errors import READ_ERRORS, WRITE_ERRORS
from app.api.schemas import CLUSTER_CHANGE, CLUSTER_SETTINGS, json_body_of
from app.db import repo
from app.db.session import ReadSession, WriteSession
from app.services import clusters
from app.services.clusters import Cluster, ClusterList

router = APIRouter(prefix="/api/clusters", tags=["clusters"], responses=READ_ERRORS)


@router.get("")
def list_clusters(session: ReadSession) -> ClusterList:
    """List every simulated cluster."""
    return clusters.list_clusters(session=session)


@router.post(
    "", status_code=201, responses=WRITE_ERRORS, openapi_extra=json_body_of(CLUSTER_SETTINGS)
)
def create_cluster(session: WriteSession, body: BodyDep) -> Cluster:
    """Create a cluster with `nodes` worker nodes and the kubeadm system Services."""
    row = clusters.create_cluster(session=session, body=body)
    return clusters.summary(session=session, row=row)


@router.get("/{cluster}")
def read_cluster(session: ReadSession, cluster: str) -> Cluster:
    """Read one cluster's settings and object counts."""
    return clusters.summary(session=session, row=repo.get_cluster(session, cluster))


@router.patch("/{cluster}", responses=WRITE_ERRORS, openapi_extra=json_body_of(CLUSTER_CHANGE))
def update_cluster(session: WriteSession, cluster: str, body: BodyDep) -> Cluster:
    """Change the provider, proxy mode, IPVS scheduler or load-balancer pool.

    Address ranges are fixed once a cluster exists, as kube-apiserver's flags are in practice:
    changing them would strand every allocated ClusterIP, nodePort and pod IP.
    """
    row = clusters.update_cluster(session=session, cluster=cluster, body=body)
    return clusters.summary(session=session, row=row)


@router.delete("/{cluster}", responses=WRITE_ERRORS)
def delete_cluster(session: WriteSession, cluster: str) -> Cluster:
    """Delete a cluster and every object in it."""
    return clusters.delete_cluster(session=session, cluster=cluster)
