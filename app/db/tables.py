"""SQLModel tables. A Kubernetes object is stored whole, as written, in a JSON column.

Indexed columns hold only what queries select on; the allocation table makes every ClusterIP,
nodePort and load-balancer IP unique per cluster through a database constraint, so two
concurrent writers (two processes, SQLite or PostgreSQL) can never hand out the same value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, MetaData, UniqueConstraint
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


class FeedSequenceRow(SQLModel, table=True):
    """The one row that hands out resourceVersions (app/db/feed.py).

    A counter updated inside the write transaction rather than a database SEQUENCE: the row lock
    makes commit order equal number order, so a follower that has read resourceVersion 11 can
    never later meet a 10 that committed after it.
    """

    __tablename__ = "feed_sequence"

    id: int = Field(default=1, primary_key=True)
    resource_version: int = Field(default=0)
    compacted: int = Field(default=0)
    """Events up to this resourceVersion are gone; a watch from before it gets 410 Expired."""
    objects: int = Field(default=0)
    """Objects stored, all clusters together, kept by each write (the object quota reads this
    instead of counting 165,000 rows on every write); recounted at each compaction."""


class FeedEventRow(SQLModel, table=True):
    """One committed change: what a watch streams, the object as it was served."""

    __tablename__ = "feed_event"
    __table_args__ = (Index("ix_feed_event_cluster_rv", "cluster_id", "resource_version"),)

    resource_version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    cluster_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cluster.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=32)
    namespace: str = Field(max_length=253)
    name: str = Field(max_length=253)
    type: str = Field(max_length=8)
    """ADDED, MODIFIED or DELETED."""
    object: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    prev_labels: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """The labels before a MODIFIED or DELETED: a selector watch turns a change that stops
    matching into DELETED, as the watch cache does (apiserver storage/cacher/cache_watcher.go)."""


class LoginBucketRow(SQLModel, table=True):
    """A sign-in token bucket per client address (app/db/limits.py), shared by every worker.

    A bucket full again is the same as no row: rows are deleted once they would be full.
    """

    __tablename__ = "login_bucket"

    client: str = Field(primary_key=True, max_length=64)
    tokens: float
    updated: float = Field(index=True)
    """Wall-clock seconds (time.time()): the workers may run on several machines."""


class SimulationSlotRow(SQLModel, table=True):
    """A simulation running on some worker: slot 0 … SVCSCOPE_MAX_SIMULATIONS - 1 (the primary
    key is the lock), renewed while it runs so a worker's death frees it (app/db/limits.py)."""

    __tablename__ = "simulation_slot"

    slot: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    owner: str = Field(max_length=64)
    renewed: float = Field(index=True)
    """Wall-clock seconds of the last renewal."""
