"""Request bodies as the OpenAPI document describes them.

The JSON routes read their bodies themselves (app/api/deps.py json_body: JSON or YAML, Status
errors in Go's words), so these models only document what the core accepts; the core's
clustersettings validates it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from app.core.apiserver.clustersettings import MAX_NODES

RFC1123_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
MEDIA_TYPES = ("application/json", "application/yaml")


class ClusterChange(BaseModel):
    """PATCH: the mutable settings; the others may be sent unchanged (null keeps a default)."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(pattern=RFC1123_LABEL, max_length=63)] | SkipJsonSchema[None] = None
    provider: Literal["none", "cloud", "metallb-l2"] | None = None
    proxyMode: Literal["iptables", "ipvs", "nftables"] | None = None
    ipvsScheduler: str | None = None
    serviceCIDR: str | None = None
    podCIDR: str | None = None
    nodePortRange: str | None = None
    nodeCIDR: str | None = None
    controlPlaneAddress: str | None = None
    loadBalancerPool: str | None = None
    resourceVersion: Any = Field(None, description="read-only: sent back by a read-modify-write")
    createdAt: Any = Field(None, description="read-only, ignored")
    counts: Any = Field(None, description="read-only, ignored")


class ClusterSettings(ClusterChange):
    """POST: a new cluster's settings and its number of worker nodes."""

    nodes: Annotated[int, Field(ge=0, le=MAX_NODES)] | SkipJsonSchema[None] = None


CLUSTER_SETTINGS = ClusterSettings.model_json_schema()
CLUSTER_CHANGE = ClusterChange.model_json_schema()


def json_body_of(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its body with json_body (JSON or YAML)."""
    content = {media: {"schema": schema} for media in MEDIA_TYPES}
    return {"requestBody": {"required": True, "content": content}}
