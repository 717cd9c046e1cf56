from __future__ import annotations

import time
from typing import Any

import pytest
from sqlmodel import Session

from app.core.apiserver import writes as apiserver
from app.core.apiserver.writes import AlreadyExists, NotFound
from app.db import repo
from app.services import objects
from app.services.errors import UseCaseFailed


def service(name: str, port: int = 80) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": port}]},
    }


def stored(session: Session, cluster: str, kind: str, namespace: str, name: str) -> Any:
    row = repo.get_cluster(session, cluster)
    assert row.id is not None
    return repo.read_object(session, row.id, kind, namespace, name)


def test_a_created_service_is_stored_with_its_defaults(session: Session, demo: str) -> None:
    created = objects.create_object(
        session=session, cluster=demo, kind="Service", body=service("api")
    )
    assert created["spec"]["clusterIP"]
    assert stored(session, demo, "Service", "default", "api") == created


def test_creating_it_again_already_exists_and_changes_nothing(session: Session, demo: str) -> None:
    objects.create_object(session=session, cluster=demo, kind="Service", body=service("api"))
    version = repo.get_cluster(session, demo).resource_version
    with pytest.raises(UseCaseFailed) as failed:
        objects.create_object(session=session, cluster=demo, kind="Service", body=service("api"))
    assert isinstance(failed.value.error, AlreadyExists)
    assert repo.get_cluster(session, demo).resource_version == version


def test_an_invalid_port_names_its_field(session: Session, demo: str) -> None:
    with pytest.raises(UseCaseFailed) as failed:
        objects.create_object(session=session, cluster=demo, kind="Service", body=service("x", 0))
    assert "spec.ports[0].port" in [e.field for e in failed.value.field_errors]


def test_an_edit_starts_from_the_object_as_stored(session: Session, demo: str) -> None:
    objects.create_object(session=session, cluster=demo, kind="Service", body=service("api"))

    def relabel(current: Any) -> Any:
        assert current is not None
        return {**current, "metadata": {**current["metadata"], "labels": {"tier": "api"}}}

    edited = objects.edit_object(
        session=session, cluster=demo, kind="Service", namespace="default", name="api",
        edit=relabel,
    )  # fmt: skip
    assert edited["metadata"]["labels"] == {"tier": "api"}
    assert stored(session, demo, "Service", "default", "api")["metadata"]["labels"] == {
        "tier": "api"
    }


def test_scaling_a_deployment_adds_its_pods(session: Session, demo: str) -> None:
    objects.scale_deployment(session=session, cluster=demo, namespace="default", name="frontend",
                             replicas=5)  # fmt: skip
    row = repo.get_cluster(session, demo)
    assert row.id is not None
    pods = repo.read_objects(session, row.id, "Pod", "default")
    assert len([p for p in pods if p["metadata"]["name"].startswith("frontend-")]) == 5


def test_a_node_joins_under_the_next_free_name(session: Session, demo: str) -> None:
    added = objects.add_node(session=session, cluster=demo)
    assert added["metadata"]["name"] == "node-4"
    objects.delete_object(session=session, cluster=demo, kind="Node", namespace="", name="node-2")
    assert objects.add_node(session=session, cluster=demo)["metadata"]["name"] == "node-2"


def test_a_node_marked_not_ready_says_so(session: Session, demo: str) -> None:
    node = objects.set_ready(
        session=session, cluster=demo, kind="Node", namespace="", name="node-1", ready=False
    )
    ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
    assert ready[0]["status"] == "Unknown"  # what the node controller says of a silent kubelet


def test_a_write_to_a_missing_cluster_is_not_found(session: Session) -> None:
    with pytest.raises(UseCaseFailed) as failed:
        objects.add_node(session=session, cluster="nowhere")
    assert isinstance(failed.value.error, NotFound)
    assert failed.value.reason == "NotFound"


def test_a_terminating_namespace_whose_timer_was_lost_goes_at_the_next_write(
    session: Session, demo: str
) -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab"}}
    objects.create_object(session=session, cluster=demo, kind="Namespace", body=ns)
    cm = {"metadata": {"name": "c"}, "data": {"a": "b"}}
    objects.create_object(session=session, cluster=demo, kind="ConfigMap", body=cm, namespace="lab")
    # The DELETE's write without the use case, so without its timer (as after a restart).
    repo.write(session, demo, lambda ws: apiserver.remove(ws, "Namespace", "", "lab"))
    assert stored(session, demo, "ConfigMap", "lab", "c") is not None
    deadline = time.monotonic() + 15
    while stored(session, demo, "Namespace", "", "lab") is not None:
        assert time.monotonic() < deadline, "the namespace is still Terminating"
        time.sleep(0.1)
        objects.set_ready(
            session=session, cluster=demo, kind="Node", namespace="", name="node-1", ready=True
        )
    assert stored(session, demo, "ConfigMap", "lab", "c") is None
    assert stored(session, demo, "ServiceAccount", "lab", "default") is None
    assert objects.finalize_namespaces(session=session, cluster=demo) == []
