from __future__ import annotations

import pytest
from sqlmodel import Session

from app.core.apiserver.writes import AlreadyExists, BadRequest, NotFound
from app.core.model.fielderrors import ValidationFailed
from app.db import repo
from app.services import clusters
from app.services.errors import UseCaseFailed


def test_a_cluster_from_the_empty_template_holds_nodes_and_system_services_only(
    session: Session,
) -> None:
    row = clusters.create_cluster(session=session, body={"name": "lab", "nodes": 2})
    summary = clusters.summary(session=session, row=row)
    assert summary.name == "lab" and summary.counts.nodes == 2
    assert summary.counts.services == 2  # kubernetes and kube-dns
    assert row.id is not None
    assert repo.read_objects(session, row.id, "Deployment", "default") == []


def test_the_demo_template_adds_the_demo_workloads(session: Session, demo: str) -> None:
    summary = clusters.summary(session=session, row=repo.get_cluster(session, demo))
    assert summary.counts.nodes == 3 and summary.counts.deployments == 3


def test_a_second_cluster_of_the_same_name_already_exists(session: Session, demo: str) -> None:
    with pytest.raises(UseCaseFailed) as failed:
        clusters.create_cluster(session=session, body={"name": demo})
    assert isinstance(failed.value.error, AlreadyExists)
    assert failed.value.message == 'clusters "demo" already exists'


def test_invalid_settings_name_every_field_at_fault(session: Session) -> None:
    with pytest.raises(UseCaseFailed) as failed:
        clusters.create_cluster(session=session, body={"name": "Bad_Name", "proxyMode": "x"})
    assert isinstance(failed.value.error, ValidationFailed)
    assert {e.field for e in failed.value.field_errors} == {"name", "proxyMode"}
    assert clusters.list_clusters(session=session).items == []


def test_a_body_that_is_not_an_object_is_a_bad_request(session: Session) -> None:
    with pytest.raises(UseCaseFailed) as failed:
        clusters.create_cluster(session=session, body=["demo"])
    assert isinstance(failed.value.error, BadRequest)


def test_the_proxy_mode_changes_but_address_ranges_are_immutable(
    session: Session, demo: str
) -> None:
    row = clusters.update_cluster(session=session, cluster=demo, body={"proxyMode": "ipvs"})
    assert row.proxy_mode == "ipvs"
    with pytest.raises(UseCaseFailed) as failed:
        clusters.update_cluster(session=session, cluster=demo, body={"serviceCIDR": "10.0.0.0/8"})
    assert [e.field for e in failed.value.field_errors] == ["serviceCIDR"]
    assert repo.get_cluster(session, demo).service_cidr == "10.96.0.0/12"


def test_deleting_answers_what_the_cluster_was_and_then_it_is_gone(
    session: Session, demo: str
) -> None:
    gone = clusters.delete_cluster(session=session, cluster=demo)
    assert gone.name == demo and gone.counts.nodes == 3
    with pytest.raises(UseCaseFailed) as failed:
        clusters.delete_cluster(session=session, cluster=demo)
    assert isinstance(failed.value.error, NotFound)


def test_seeding_creates_the_missing_demo_clusters_once(session: Session) -> None:
    assert clusters.seed_demo_clusters() == ["demo", "bare-metal"]
    assert clusters.seed_demo_clusters() == []
    assert clusters.seed_demo_clusters(replace=True) == ["demo", "bare-metal"]
    names = [c.name for c in clusters.list_clusters(session=session).items]
    assert names == ["bare-metal", "demo"]
    bare = repo.get_cluster(session, "bare-metal")
    assert bare.provider == "none"
