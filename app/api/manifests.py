"""/api/clusters/{cluster}/manifests: YAML in (with dry run), YAML out."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from app.api.deps import ClusterDep, TextBodyDep
from app.api.errors import status_response
from app.core.apiserver import manifests
from app.core.apiserver.writes import BadRequest
from app.core.model.workspace import Workspace
from app.core.model.yamlsafe import YamlError
from app.db import repo, snapshots
from app.db.session import ReadSession, WriteSession

router = APIRouter(prefix="/api/clusters/{cluster}/manifests", tags=["manifests"])


class _DryRun(Exception):
    """Raised after a successful dry run so repo.write rolls the transaction back."""

    def __init__(self, outcomes: list[manifests.Outcome]) -> None:
        self.outcomes = outcomes


@router.post(
    "",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
def import_manifests(
    session: WriteSession,
    cluster: str,
    body: TextBodyDep,
    namespace: str = Query("default", max_length=63),
    dry_run: str | None = Query(None, alias="dryRun", max_length=8),
) -> JSONResponse:
    """Apply every object of a YAML or JSON manifest in one transaction: all or nothing.

    `?dryRun=All` runs the whole pipeline (defaults, validation, allocation, scheduling) and
    reports what would happen without storing anything.
    """
    try:
        docs = manifests.parse(body)
    except YamlError as exc:
        raise BadRequest(str(exc)) from None
    if not docs:
        raise BadRequest("the manifest holds no objects")

    def change(ws: Workspace) -> list[manifests.Outcome]:
        outcomes = manifests.apply(ws, docs, namespace)
        if dry_run == "All":
            raise _DryRun(outcomes)
        return outcomes

    try:
        outcomes = repo.write(session, cluster, change)
    except _DryRun as done:
        return JSONResponse({"dryRun": True, "items": [o.to_dict() for o in done.outcomes]})
    except manifests.ImportFailed as failed:
        return _failure(failed)
    return JSONResponse({"dryRun": False, "items": [o.to_dict() for o in outcomes]})


def _failure(failed: manifests.ImportFailed) -> JSONResponse:
    causes: list[dict[str, Any]] = []
    for error in failed.errors:
        prefix = f"documents[{error['document'] - 1}]"
        for cause in error.get("causes") or [{"field": "", "message": error["message"]}]:
            causes.append(
                {
                    "reason": error["reason"],
                    "message": cause["message"],
                    "field": f"{prefix}.{cause['field']}" if cause["field"] else prefix,
                }
            )
    message = f"the manifest was not applied: {failed}"
    return status_response(422, message, "Invalid", {"causes": causes, "kind": "List"})


@router.get("", response_class=Response)
def export_manifests(
    session: ReadSession, row: ClusterDep, system: bool = Query(False)
) -> Response:
    """Every object as multi-document YAML, ready to import into another cluster."""
    ws = snapshots.snapshot(session, row)[0]
    docs = manifests.export(ws, include_system=system)
    text = yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)
    return Response(text, media_type="application/yaml")
