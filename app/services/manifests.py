"""Manifests: YAML or JSON in, all documents or none (or only tried, with a dry run); YAML out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from pydantic import BaseModel
from sqlmodel import Session

from app.core.apiserver import manifests
from app.core.apiserver.writes import BadRequest
from app.core.model.workspace import Workspace
from app.core.model.yamlsafe import YamlError
from app.db import repo, snapshots
from app.db.tables import ClusterRow
from app.services.errors import refusals


class ImportedObject(BaseModel):
    document: int
    kind: str
    namespace: str
    name: str
    action: str
    note: str = ""
    """Why the import did something no document asked for (a namespace it had to create)."""


class ImportResult(BaseModel):
    """What an import did (or, with dryRun, would do) to each object, in document order."""

    dryRun: bool
    items: list[ImportedObject]


class _DryRun(Exception):
    """Raised after a successful dry run so that repo.write rolls the transaction back."""

    def __init__(self, outcomes: list[manifests.Outcome]) -> None:
        self.outcomes = outcomes


def parse_manifest(text: str) -> list[Any]:
    """The documents of a YAML or JSON manifest (`kind: List` flattened)."""
    with refusals():
        try:
            return manifests.parse(text)
        except YamlError as exc:
            raise BadRequest(str(exc)) from None


def import_manifest(
    *,
    session: Session,
    cluster: str,
    docs: list[Any],
    namespace: str = "default",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[manifests.Outcome]:
    """Create or replace every document in one transaction; a dry run stores nothing.

    The whole pipeline runs either way (defaults, validation, allocation, scheduling), so a
    dry run reports exactly what a real import would do. `progress(n)` counts documents.
    """

    def change(ws: Workspace) -> list[manifests.Outcome]:
        outcomes = manifests.apply(ws, docs, namespace, progress=progress)
        if dry_run:
            raise _DryRun(outcomes)
        return outcomes

    with refusals():
        if not docs:
            raise BadRequest("the manifest holds no objects")
        try:
            return repo.write(session, cluster, change, outside_lock=True)
        except _DryRun as done:
            return done.outcomes


def import_result(outcomes: list[manifests.Outcome], *, dry_run: bool) -> ImportResult:
    return ImportResult(
        dryRun=dry_run, items=[ImportedObject.model_validate(o.to_dict()) for o in outcomes]
    )


def export_yaml(*, session: Session, row: ClusterRow, include_system: bool = False) -> str:
    """Every object as multi-document YAML, ready to import into another cluster."""
    ws = snapshots.snapshot(session, row)[0]
    docs = manifests.export(ws, include_system=include_system)
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)
