"""/api/clusters/{cluster}/manifests: YAML in (with dry run), YAML out."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api.deps import ClusterDep, TextBodyDep
from app.api.errors import READ_ERRORS, WRITE_ERRORS
from app.db.session import ReadSession, WriteSession
from app.services import manifests
from app.services.manifests import ImportResult

router = APIRouter(
    prefix="/api/clusters/{cluster}/manifests", tags=["manifests"], responses=READ_ERRORS
)
YAML = "application/yaml"
DOCUMENTS = "multi-document YAML, as `kubectl apply -f` reads it"


@router.post(
    "",
    responses=WRITE_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                YAML: {"schema": {"type": "string"}},
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
) -> ImportResult:
    """Apply every object of a YAML or JSON manifest in one transaction: all or nothing.

    `?dryRun=All` runs the whole pipeline (defaults, validation, allocation, scheduling) and
    reports what would happen without storing anything.
    """
    docs = manifests.parse_manifest(body)
    trying = dry_run == "All"
    outcomes = manifests.import_manifest(
        session=session, cluster=cluster, docs=docs, namespace=namespace, dry_run=trying
    )
    return manifests.import_result(outcomes, dry_run=trying)


@router.get(
    "",
    response_class=Response,
    responses={
        200: {
            "description": "Successful Response",
            "content": {YAML: {"schema": {"description": DOCUMENTS}}},
        }
    },
)
def export_manifests(
    session: ReadSession, row: ClusterDep, system: bool = Query(False)
) -> Response:
    """Every object as multi-document YAML, ready to import into another cluster."""
    text = manifests.export_yaml(session=session, row=row, include_system=system)
    return Response(text, media_type=YAML)
