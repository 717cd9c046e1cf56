"""SQLModel tables. A Kubernetes object is stored whole, as written, in a JSON column.

Indexed columns hold only what queries select on; the allocation table makes every ClusterIP,
nodePort and load-balancer IP unique per cluster through a database constraint, so two
concurrent writers (two processes, SQLite or PostgreSQL) can never hand out the same value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, MetaData, UniqueConstraint
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def _cluster_id() -> Column[int]:
    """The owning cluster (a new Column each time: a table cannot share another's)."""
    return Column(Integer, ForeignKey("cluster.id", ondelete="CASCADE"), index=True, nullable=False)


class ClusterRow(SQLModel, table=True):
    __tablename__ = "cluster"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=63)
    provider: str = Field(max_length=32)
    proxy_mode: str = Field(max_length=16)
    ipvs_scheduler: str = Field(max_length=8)
    service_cidr: str = Field(max_length=64)
    pod_cidr: str = Field(max_length=64)
    node_port_range: str = Field(max_length=16)
    node_cidr: str = Field(max_length=64)
    control_plane_address: str = Field(max_length=64)
    load_balancer_pool: str = Field(max_length=128)
    resource_version: int = Field(default=1)
    created_at: datetime
    layout: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """Diagram positions the user dragged: {"positions": {"node:node-1": {"x": …, "y": …}}}."""


class ObjectRow(SQLModel, table=True):
    __tablename__ = "kube_object"
    __table_args__ = (UniqueConstraint("cluster_id", "kind", "namespace", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(sa_column=_cluster_id())
    kind: str = Field(max_length=32)
    namespace: str = Field(max_length=253)
    name: str = Field(max_length=253)
    uid: str = Field(max_length=36, index=True)
    resource_version: int
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class AllocationRow(SQLModel, table=True):
    __tablename__ = "allocation"
    __table_args__ = (UniqueConstraint("cluster_id", "kind", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(sa_column=_cluster_id())
    kind: str = Field(max_length=16)
    value: str = Field(max_length=64)
    owner_uid: str = Field(max_length=36)
