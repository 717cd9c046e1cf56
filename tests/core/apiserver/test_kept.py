"""The kept kinds in the core, without a database: admission, namespace deletion, the
ServiceAccount controller, defaults, validation texts and the printers' cells."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from app.core.apiserver import bootstrap, keptprinters, namespace_deleter, namespaces
from app.core.apiserver import writes as apiserver
from app.core.apiserver.validation.kept import base64_error, is_config_map_key
from app.core.apiserver.validation.keptgroups import validate_network_policy
from app.core.model.decoding import DecodeError
from app.core.model.objects import ClusterConfig
from app.core.model.workspace import Workspace
from tests import manifests


def cluster() -> Workspace:
    ws = Workspace(ClusterConfig(name="t"), rng=random.Random(5))
    bootstrap.system_namespaces(ws)
    return ws


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("aGk=", None),
        ("aGk", "illegal base64 data at input byte 0"),
        ("aGk!", "illegal base64 data at input byte 3"),
        ("aGVsbG8", "illegal base64 data at input byte 4"),
        ("a=Gk", "illegal base64 data at input byte 1"),
    ],
)
def test_base64_errors_name_the_byte_go_names(text: str, error: str | None) -> None:
    assert base64_error(text) == error


def test_config_keys_follow_is_config_map_key() -> None:
    assert is_config_map_key("app.properties") == []
    assert is_config_map_key("..data") == ["must not start with '..'"]
    assert is_config_map_key(".") == ["must not be '.'"]


def test_a_namespace_brings_its_service_account_and_takes_its_content_when_finalized() -> None:
    ws = cluster()
    apiserver.create(ws, "Namespace", {"metadata": {"name": "shop"}}, "")
    assert ws.exists("ServiceAccount", "shop", "default")
    apiserver.create(ws, "ConfigMap", {"metadata": {"name": "c"}}, "shop")
    apiserver.create(ws, "ConfigMap", {"metadata": {"name": "d"}}, "shop")
    apiserver.create(ws, "Deployment", manifests.deployment("web", replicas=2), "shop")
    answer = apiserver.remove(ws, "Namespace", "", "shop")
    assert answer["status"] == {"phase": "Terminating"}
    assert answer["spec"]["finalizers"] == ["kubernetes"]
    assert answer["metadata"]["deletionTimestamp"] == ws.timestamp()
    # Terminating: the content stays, can be read and deleted, not created.
    assert ws.exists("ConfigMap", "shop", "c") and len(list(ws.keyed("Pod", "shop"))) == 2
    apiserver.remove(ws, "ConfigMap", "shop", "d")
    with pytest.raises(apiserver.Forbidden, match="because it is being terminated"):
        apiserver.create(ws, "ConfigMap", {"metadata": {"name": "e"}}, "shop")
    delay = timedelta(seconds=namespaces.NAMESPACE_FINALIZE_SECONDS)
    assert namespace_deleter.finalize_due(ws, ws.now + delay - timedelta(seconds=1)) == []
    assert ws.exists("Namespace", "", "shop") and ws.exists("ConfigMap", "shop", "c")
    assert namespace_deleter.finalize_due(ws, ws.now + delay) == ["shop"]
    assert not ws.exists("Namespace", "", "shop")
    for kind in ("ConfigMap", "ServiceAccount", "Deployment", "ReplicaSet", "Pod", "Event"):
        assert list(ws.keyed(kind, "shop")) == [], kind
    assert namespace_deleter.finalize_due(ws, ws.now + delay) == []


def test_other_finalizers_keep_a_finalized_namespace_terminating() -> None:
    ws = cluster()
    held = {"metadata": {"name": "held", "finalizers": ["example.com/x"]}}
    apiserver.create(ws, "Namespace", held, "")
    apiserver.create(ws, "ConfigMap", {"metadata": {"name": "c"}}, "held")
    apiserver.remove(ws, "Namespace", "", "held")
    later = ws.now + timedelta(seconds=namespaces.NAMESPACE_FINALIZE_SECONDS)
    assert namespace_deleter.finalize_due(ws, later) == ["held"]
    ns = ws.get("Namespace", "", "held")
    assert ns is not None and ns["status"] == {"phase": "Terminating"}
    assert ns["spec"]["finalizers"] == [] and list(ws.keyed("ConfigMap", "held")) == []
    assert namespace_deleter.finalize_due(ws, later) == []  # its controller's part is done
    ns["metadata"]["finalizers"] = []
    apiserver.replace(ws, "Namespace", "", "held", ns)
    assert not ws.exists("Namespace", "", "held")


def test_admission_refuses_missing_and_terminating_namespaces() -> None:
    ws = cluster()
    with pytest.raises(apiserver.NotFound, match='namespaces "gone" not found'):
        apiserver.create(ws, "Secret", {"metadata": {"name": "s"}}, "gone")
    held = {"metadata": {"name": "held", "finalizers": ["example.com/x"]}}
    apiserver.create(ws, "Namespace", held, "")
    apiserver.remove(ws, "Namespace", "", "held")
    with pytest.raises(apiserver.Forbidden, match="because it is being terminated"):
        apiserver.create(ws, "Secret", {"metadata": {"generateName": "s-"}}, "held")


def test_a_secret_with_bad_base64_is_a_decode_error_and_string_data_folds() -> None:
    ws = cluster()
    with pytest.raises(DecodeError, match="illegal base64 data at input byte 0"):
        apiserver.create(ws, "Secret", {"metadata": {"name": "s"}, "data": {"k": "@"}})
    made = apiserver.create(
        ws, "Secret", {"metadata": {"name": "s"}, "data": {"k": "eA=="}, "stringData": {"k": "y"}}
    )
    assert made["data"] == {"k": "eQ=="} and "generation" not in made["metadata"]


def test_network_policy_peers_and_ports_are_checked_with_upstream_text() -> None:
    policy = {
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {
            "podSelector": {},
            "ingress": [{"from": [{}], "ports": [{"protocol": "ICMP", "port": 0}]}],
        },
    }
    assert [str(e) for e in validate_network_policy(policy)] == [
        'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: '
        '"SCTP", "TCP", "UDP"',
        "spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ingress[0].from[0]: Required value: must specify a peer",
    ]


def test_printers_write_kubectls_cells() -> None:
    assert keptprinters.access_modes(["ReadWriteMany", "ReadWriteOnce"]) == "RWO,RWX"
    metrics = [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                     "averageUtilization": 50}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue",
                                                                        "averageValue": "1Gi"}}},
        {"type": "Pods", "pods": {"target": {"averageValue": "10"}}},
    ]  # fmt: skip
    assert keptprinters.format_hpa_metrics(metrics) == (
        "cpu: <unknown>/50%, memory: <unknown>/1Gi + 1 more..."
    )
    selector = {"matchLabels": {"app": "a"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["b", "a"]}]}  # fmt: skip
    assert keptprinters.format_label_selector(selector) == "app=a,tier in (a,b)"
    assert keptprinters.format_label_selector({}) == "<none>"
    sc = {"metadata": {"name": "fast", "annotations": {
        "storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "p"}  # fmt: skip
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert keptprinters.KEPT_COLUMNS["storageclasses"][1](sc, now)[:5] == [
        "fast (default)", "p", "Delete", "Immediate", False]  # fmt: skip
