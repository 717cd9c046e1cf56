"""namespaces as objects: every cluster's namespaces and their default ServiceAccounts stored

Until now a namespace existed while objects lived in it. Now Namespace is a stored kind (the
NamespaceLifecycle admission refuses writes into a missing one), so each existing cluster gets
a Namespace object for the four system namespaces and for every namespace its objects use,
and the `default` ServiceAccount the ServiceAccount controller keeps in each. Data only: the
schema does not change. Each new object takes the next resourceVersion of the feed sequence.

Revision ID: 5b8e1c0d4a72
Revises: 7f3c2a91d0be
Create Date: 2026-11-29 02:20:00.000000
"""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '5b8e1c0d4a72'
down_revision: str | None = '7f3c2a91d0be'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYSTEM = ("default", "kube-node-lease", "kube-public", "kube-system")

_objects = sa.table(
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
_clusters = sa.table(
    "cluster",
    sa.column("id", sa.Integer),
    sa.column("resource_version", sa.Integer),
    sa.column("created_at", sa.DateTime),
)
_sequence = sa.table(
    "feed_sequence",
    sa.column("id", sa.Integer),
    sa.column("resource_version", sa.Integer),
    sa.column("compacted", sa.Integer),
)


def _body(kind: str, name: str, namespace: str, uid: str, stamp: str, rv: int) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "uid": uid,
        "creationTimestamp": stamp,
        "resourceVersion": str(rv),
    }
    if kind == "Namespace":
        meta["labels"] = {"kubernetes.io/metadata.name": name}
        return {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": meta,
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }
    return {"apiVersion": "v1", "kind": kind, "metadata": {**meta, "namespace": namespace}}


def upgrade() -> None:
    bind = op.get_bind()
    rv = bind.execute(sa.select(sa.func.max(_sequence.c.resource_version))).scalar() or 0
    rv = max(rv, bind.execute(sa.select(sa.func.max(_clusters.c.resource_version))).scalar() or 0)
    start = rv
    for cluster_id, created in bind.execute(sa.select(_clusters.c.id, _clusters.c.created_at)):
        stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ") if created else "1970-01-01T00:00:00Z"
        rows = bind.execute(
            sa.select(_objects.c.kind, _objects.c.namespace, _objects.c.name).where(
                _objects.c.cluster_id == cluster_id
            )
        ).all()
        have = {(kind, ns, name) for kind, ns, name in rows}
        used = sorted(set(SYSTEM) | {ns for _, ns, _ in rows if ns})
        wanted = [("Namespace", "", ns) for ns in used]
        wanted += [("ServiceAccount", ns, "default") for ns in used]
        inserts = []
        for kind, ns, name in wanted:
            if (kind, ns, name) in have:
                continue
            rv += 1
            uid = str(uuid.uuid4())
            body = _body(kind, name, ns, uid, stamp, rv)
            inserts.append(
                {"cluster_id": cluster_id, "kind": kind, "namespace": ns, "name": name,
                 "uid": uid, "resource_version": rv, "body": body}
            )  # fmt: skip
        if inserts:
            bind.execute(sa.insert(_objects), inserts)
            bind.execute(
                sa.update(_clusters).where(_clusters.c.id == cluster_id).values(resource_version=rv)
            )
    if rv != start:
        updated = bind.execute(
            sa.update(_sequence).where(_sequence.c.id == 1).values(resource_version=rv)
        )
        if not updated.rowcount:
            bind.execute(sa.insert(_sequence).values(id=1, resource_version=rv, compacted=0))


def downgrade() -> None:
    # Objects users wrote are indistinguishable from the ones added here; they stay.
    pass
