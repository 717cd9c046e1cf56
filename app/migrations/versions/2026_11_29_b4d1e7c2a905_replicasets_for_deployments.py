"""ReplicaSets for the Deployments stored before svcscope kept them as objects

Revision ID: b4d1e7c2a905
Revises: 5b8e1c0d4a72
Create Date: 2026-11-29 02:05:00

Until now a Deployment's pods named a ReplicaSet (`<deployment>-<pod-template-hash>`, with a
uid) in their ownerReferences that was never stored, so `kubectl get rs` knew nothing of what
`describe pod` named. This data migration writes each such ReplicaSet with exactly the name and
uid its pods already carry, revision 1, owned by its Deployment; no pod is touched, so every
pod keeps its name and IP. Each new or changed row gets a fresh resourceVersion from the feed
sequence. The rules mirror app/core/controllers/deployment.py as it stood when this revision
was written (a migration must not import code that later changes).
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "b4d1e7c2a905"
down_revision: str | None = "5b8e1c0d4a72"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVISION = "deployment.kubernetes.io/revision"
objects = sa.table(
    "kube_object",
    sa.column("id", sa.Integer),
    sa.column("cluster_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("namespace", sa.String),
    sa.column("name", sa.String),
    sa.column("uid", sa.String),
    sa.column("resource_version", sa.Integer),
    sa.column("body", sa.JSON),
)
clusters = sa.table(
    "cluster", sa.column("id", sa.Integer), sa.column("resource_version", sa.Integer)
)
sequence = sa.table(
    "feed_sequence", sa.column("id", sa.Integer), sa.column("resource_version", sa.Integer)
)


def _body(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def _max_surge(spec: dict[str, Any], replicas: int) -> int:
    strategy = spec.get("strategy", {})
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return 0
    value = strategy.get("rollingUpdate", {}).get("maxSurge", "25%")
    if isinstance(value, str) and value.endswith("%"):
        return -(-replicas * int(value[:-1] or 0) // 100)
    return value if isinstance(value, int) else 0


def _replica_set(dep: dict[str, Any], name: str, uid: str, pod_hash: str) -> dict[str, Any]:
    meta, spec = dep["metadata"], dep.get("spec", {})
    template = json.loads(json.dumps(spec.get("template", {})))
    template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = pod_hash
    selector = json.loads(json.dumps(spec.get("selector", {})))
    selector.setdefault("matchLabels", {})["pod-template-hash"] = pod_hash
    replicas = spec.get("replicas", 1)
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": meta.get("namespace", "default"),
            "uid": uid,
            "generation": 1,
            "creationTimestamp": meta.get("creationTimestamp"),
            "labels": dict(template["metadata"]["labels"]),
            "annotations": {
                REVISION: "1",
                "deployment.kubernetes.io/desired-replicas": str(replicas),
                "deployment.kubernetes.io/max-replicas": str(replicas + _max_surge(spec, replicas)),
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": meta["name"],
                    "uid": meta.get("uid", ""),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "minReadySeconds": spec.get("minReadySeconds", 0),
            "selector": selector,
            "template": template,
        },
    }


def _missing_replica_sets(conn: Any) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    """(cluster, Deployment body, ReplicaSet body) for each ReplicaSet its pods name."""
    rows = conn.execute(
        sa.select(objects.c.cluster_id, objects.c.kind, objects.c.namespace, objects.c.name,
                  objects.c.body).where(objects.c.kind.in_(("Deployment", "Pod", "ReplicaSet")))
    ).all()  # fmt: skip
    stored = {(r.cluster_id, r.namespace, r.name) for r in rows if r.kind == "ReplicaSet"}
    deployments = {(r.cluster_id, r.namespace, r.name): _body(r.body) for r in rows
                   if r.kind == "Deployment"}  # fmt: skip
    found: dict[tuple[int, str, str], tuple[int, dict[str, Any], dict[str, Any]]] = {}
    for r in rows:
        if r.kind != "Pod":
            continue
        pod = _body(r.body)
        pod_hash = pod.get("metadata", {}).get("labels", {}).get("pod-template-hash", "")
        for ref in pod.get("metadata", {}).get("ownerReferences", []):
            name = ref.get("name", "")
            if ref.get("kind") != "ReplicaSet" or not pod_hash or not name.endswith(f"-{pod_hash}"):
                continue
            dep = deployments.get((r.cluster_id, r.namespace, name[: -len(pod_hash) - 1]))
            key = (r.cluster_id, r.namespace, name)
            if dep is None or key in stored or key in found:
                continue
            found[key] = (r.cluster_id, dep, _replica_set(dep, name, ref.get("uid", ""), pod_hash))
    return [found[key] for key in sorted(found)]


def upgrade() -> None:
    conn = op.get_bind()
    missing = _missing_replica_sets(conn)
    if not missing:
        return
    rv = conn.execute(sa.select(sequence.c.resource_version).where(sequence.c.id == 1)).scalar()
    rv = int(rv or 0)
    newest: dict[int, int] = {}
    revised: set[tuple[int, str, str]] = set()
    for cluster_id, dep, rs in missing:
        rv += 1
        rs["metadata"]["resourceVersion"] = str(rv)
        meta = rs["metadata"]
        conn.execute(objects.insert().values(
            cluster_id=cluster_id, kind="ReplicaSet", namespace=meta["namespace"],
            name=meta["name"], uid=meta["uid"], resource_version=rv, body=rs,
        ))  # fmt: skip
        newest[cluster_id] = rv
        dep_meta = dep["metadata"]
        key = (cluster_id, dep_meta.get("namespace", "default"), dep_meta["name"])
        if key in revised or dep_meta.get("annotations", {}).get(REVISION):
            continue
        revised.add(key)
        rv += 1
        dep_meta.setdefault("annotations", {})[REVISION] = "1"
        dep_meta["resourceVersion"] = str(rv)
        conn.execute(
            objects.update()
            .where(objects.c.cluster_id == cluster_id, objects.c.kind == "Deployment",
                   objects.c.namespace == key[1], objects.c.name == key[2])
            .values(resource_version=rv, body=dep)
        )  # fmt: skip
        newest[cluster_id] = rv
    conn.execute(sequence.update().where(sequence.c.id == 1).values(resource_version=rv))
    for cluster_id, version in newest.items():
        conn.execute(
            clusters.update().where(clusters.c.id == cluster_id).values(resource_version=version)
        )


def downgrade() -> None:
    """The ReplicaSets stay: an earlier svcscope ignores objects of kinds it does not serve."""
