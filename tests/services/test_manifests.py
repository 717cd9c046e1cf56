from __future__ import annotations

import pytest
from sqlmodel import Session

from app.core.apiserver.manifests import ImportFailed
from app.core.apiserver.writes import BadRequest
from app.db import repo
from app.services import manifests
from app.services.errors import UseCaseFailed

MANIFEST = """
apiVersion: v1
kind: Service
metadata: {name: api}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: admin}
spec: {selector: {app: web}, ports: [{port: 8080}]}
"""


def services(session: Session, cluster: str) -> list[str]:
    row = repo.get_cluster(session, cluster)
    assert row.id is not None
    return [s["metadata"]["name"] for s in repo.read_objects(session, row.id, "Service")]


def test_every_document_is_applied_in_one_transaction(session: Session, demo: str) -> None:
    docs = manifests.parse_manifest(MANIFEST)
    outcomes = manifests.import_manifest(session=session, cluster=demo, docs=docs)
    assert [(o.name, o.action) for o in outcomes] == [("api", "created"), ("admin", "created")]
    assert {"api", "admin"} <= set(services(session, demo))


def test_a_dry_run_reports_the_same_and_stores_nothing(session: Session, demo: str) -> None:
    docs = manifests.parse_manifest(MANIFEST)
    before = repo.get_cluster(session, demo).resource_version
    outcomes = manifests.import_manifest(session=session, cluster=demo, docs=docs, dry_run=True)
    assert [o.action for o in outcomes] == ["created", "created"]
    assert "api" not in services(session, demo)
    assert repo.get_cluster(session, demo).resource_version == before


def test_one_failing_document_keeps_every_other_out(session: Session, demo: str) -> None:
    docs = manifests.parse_manifest(MANIFEST.replace("port: 8080", "port: 0"))
    with pytest.raises(UseCaseFailed) as failed:
        manifests.import_manifest(session=session, cluster=demo, docs=docs)
    assert isinstance(failed.value.error, ImportFailed)
    assert [e["document"] for e in failed.value.error.errors] == [2]
    assert "api" not in services(session, demo)


def test_unreadable_yaml_and_an_empty_manifest_are_bad_requests(
    session: Session, demo: str
) -> None:
    with pytest.raises(UseCaseFailed) as unreadable:
        manifests.parse_manifest("a: [\n")
    assert isinstance(unreadable.value.error, BadRequest)
    assert manifests.parse_manifest("") == []
    with pytest.raises(UseCaseFailed) as empty:
        manifests.import_manifest(session=session, cluster=demo, docs=[])
    assert empty.value.message == "the manifest holds no objects"


def test_the_export_imports_into_another_cluster_unchanged(session: Session, demo: str) -> None:
    row = repo.get_cluster(session, demo)
    text = manifests.export_yaml(session=session, row=row)
    outcomes = manifests.import_manifest(
        session=session, cluster=demo, docs=manifests.parse_manifest(text)
    )
    assert outcomes and {o.action for o in outcomes} == {"unchanged"}
