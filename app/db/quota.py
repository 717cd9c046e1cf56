"""Server-wide caps on what one database may hold: clusters, and objects in all of them.

A server without a write token lets anyone create clusters; these caps keep one client from
filling the disk. They answer as a ResourceQuota does (kube-apiserver's quota admission:
plugin/pkg/admission/resourcequota/controller.go), 403 Forbidden with "exceeded quota", and name
the setting that raises them.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.core.apiserver.writes import Forbidden
from app.db.tables import ClusterRow
from app.settings import get_settings


def check_cluster_quota(session: Session, name: str) -> None:
    """Refuse a new cluster when the server already holds SVCSCOPE_MAX_CLUSTERS."""
    limit = get_settings().SVCSCOPE_MAX_CLUSTERS
    used = session.exec(select(func.count()).select_from(ClusterRow)).one()
    if used >= limit:
        raise Forbidden(
            f'clusters "{name}" is forbidden: exceeded quota: requested: clusters=1, '
            f"used: clusters={used}, limited: clusters={limit} (SVCSCOPE_MAX_CLUSTERS)",
            kind="clusters",
            name=name,
        )


def check_object_quota(added: int, total: int) -> None:
    """Refuse a write that adds objects when the server would then hold too many.

    `total`: the objects stored once the write is done, from the feed sequence row that the
    write transaction has just updated (app/db/feed.reserve), not a count of the rows."""
    if added <= 0:
        return
    limit = get_settings().SVCSCOPE_MAX_OBJECTS
    if total > limit:
        raise Forbidden(
            f"exceeded quota: requested: objects={added}, used: objects={total - added}, "
            f"limited: objects={limit} (SVCSCOPE_MAX_OBJECTS); nothing was stored"
        )
