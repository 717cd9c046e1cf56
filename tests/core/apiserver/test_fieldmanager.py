"""Server-side apply: managed fields, fields let go, conflicts between appliers (texts from
k8s.io/apiserver pkg/endpoints/handlers/fieldmanager/internal/conflict.go)."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.apiserver.fieldmanager import ApplyConflict, server_side_apply


def _deployment(replicas: int, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "labels": labels},
        "spec": {"replicas": replicas},
    }


def test_an_apply_records_the_managers_fields() -> None:
    out = server_side_apply("Deployment", None, _deployment(2, app="api"), "kubectl")
    [entry] = out["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"], entry["fieldsType"]) == (
        "kubectl",
        "Apply",
        "FieldsV1",
    )
    assert entry["fieldsV1"] == {
        "f:metadata": {"f:name": {}, "f:labels": {"f:app": {}}},
        "f:spec": {"f:replicas": {}},
    }


def test_a_field_the_manager_no_longer_applies_is_removed() -> None:
    live = server_side_apply("Deployment", None, _deployment(2, app="api", tier="web"), "kubectl")
    out = server_side_apply("Deployment", live, _deployment(2, app="api"), "kubectl")
    assert out["metadata"]["labels"] == {"app": "api"}


def test_a_field_another_manager_owns_is_kept_when_let_go() -> None:
    live = server_side_apply("Deployment", None, _deployment(2, tier="web"), "a")
    live = server_side_apply("Deployment", live, _deployment(2, tier="web"), "b")
    out = server_side_apply("Deployment", live, _deployment(2), "a")
    assert out["metadata"]["labels"] == {"tier": "web"}


def test_changing_another_appliers_field_is_a_conflict() -> None:
    live = server_side_apply("Deployment", None, _deployment(2), "kubectl")
    with pytest.raises(ApplyConflict) as conflict:
        server_side_apply("Deployment", live, _deployment(5), "other")
    assert (
        str(conflict.value)
        == 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas'
    )
    assert conflict.value.causes == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "kubectl"',
            "field": ".spec.replicas",
        }
    ]


def test_force_takes_the_field_over() -> None:
    live = server_side_apply("Deployment", None, _deployment(2, app="api"), "kubectl")
    out = server_side_apply("Deployment", live, _deployment(5), "other", force=True)
    assert out["spec"]["replicas"] == 5
    owners = {m["manager"]: m["fieldsV1"] for m in out["metadata"]["managedFields"]}
    assert "f:replicas" not in owners["kubectl"].get("f:spec", {})
    assert owners["other"]["f:spec"] == {"f:replicas": {}}


def test_applying_the_same_value_shares_ownership() -> None:
    live = server_side_apply("Deployment", None, _deployment(2), "kubectl")
    out = server_side_apply("Deployment", live, _deployment(2), "other")
    assert [m["manager"] for m in out["metadata"]["managedFields"]] == ["kubectl", "other"]


def test_service_ports_are_keyed_by_port_and_defaulted_protocol() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"ports": [{"port": 80, "targetPort": 8080}]}}  # fmt: skip
    live = server_side_apply("Service", None, svc, "kubectl")
    live["spec"]["ports"][0]["protocol"] = "TCP"  # defaulted when stored
    changed = {**svc, "spec": {"ports": [{"port": 80, "targetPort": 9090}]}}
    with pytest.raises(ApplyConflict) as conflict:
        server_side_apply("Service", live, changed, "other")
    assert conflict.value.conflicts == [
        ("kubectl", '.spec.ports[port=80,protocol="TCP"].targetPort')
    ]
