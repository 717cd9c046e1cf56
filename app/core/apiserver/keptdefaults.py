"""Defaults and the registry strategies of the kept kinds (app/core/model/kept.py).

Upstream: pkg/apis/core/v1/defaults.go (SetDefaults_Namespace, SetDefaults_Secret,
SetDefaults_PersistentVolumeClaim[Spec]), pkg/apis/core/v1/conversion.go (a Secret's
stringData is folded into data), pkg/apis/networking/v1/defaults.go (SetDefaults_NetworkPolicy,
NetworkPolicyPort protocol), pkg/apis/autoscaling/v2/defaults.go, pkg/apis/storage/v1/defaults.go
and each registry's strategy.go, whose PrepareForCreate resets status and whose
PrepareForUpdate keeps the stored status (status is written through /status only).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from app.core.apiserver.validation.kept import base64_error
from app.core.model.decoding import DecodeError
from app.core.model.workspace import Manifest

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def default_namespace(ns: Manifest) -> Manifest:
    """SetDefaults_Namespace plus the namespace strategy's PrepareForCreate."""
    meta = ns.setdefault("metadata", {})
    if meta.get("name"):
        meta.setdefault("labels", {})[NAMESPACE_NAME_LABEL] = meta["name"]
    finalizers = ns.setdefault("spec", {}).setdefault("finalizers", [])
    if "kubernetes" not in finalizers:
        finalizers.append("kubernetes")
    ns["status"] = {"phase": "Active"}
    return ns


def _secret_bytes(bag: Manifest, field: str) -> None:
    for _key, value in bag.get(field, {}).items():
        problem = base64_error(value)
        if problem is not None:
            raise DecodeError("Secret", problem)


def default_secret(secret: Manifest) -> Manifest:
    """data must be base64 ([]byte); stringData overwrites data's keys; type Opaque."""
    _secret_bytes(secret, "data")
    string_data = secret.pop("stringData", None) or {}
    if string_data:
        data = secret.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(value.encode("utf-8")).decode("ascii")
    if not secret.get("type"):
        secret["type"] = "Opaque"
    return secret


def default_config_map(cm: Manifest) -> Manifest:
    _binary = cm.get("binaryData", {})
    for value in _binary.values():
        problem = base64_error(value)
        if problem is not None:
            raise DecodeError("ConfigMap", problem)
    return cm


def default_pvc(pvc: Manifest) -> Manifest:
    pvc.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
    pvc["status"] = {"phase": "Pending"}
    return pvc


def default_ingress(ing: Manifest) -> Manifest:
    ing["status"] = {"loadBalancer": {}}
    return ing


def default_network_policy(np: Manifest) -> Manifest:
    spec = np.setdefault("spec", {})
    spec.setdefault("podSelector", {})
    for direction in ("ingress", "egress"):
        for rule in spec.get(direction, []):
            for port in rule.get("ports", []):
                port.setdefault("protocol", "TCP")
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", *(["Egress"] if spec.get("egress") else [])]
    return np


def default_hpa(hpa: Manifest) -> Manifest:
    spec = hpa.setdefault("spec", {})
    spec.setdefault("minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80},
                },
            }
        ]
    hpa["status"] = {"desiredReplicas": 0}
    return hpa


def default_storage_class(sc: Manifest) -> Manifest:
    sc.setdefault("reclaimPolicy", "Delete")
    sc.setdefault("volumeBindingMode", "Immediate")
    return sc


def default_pdb(pdb: Manifest) -> Manifest:
    # No disruption controller runs: nothing may be disrupted, as a fresh PDB reports.
    pdb["status"] = {
        "disruptionsAllowed": 0,
        "currentHealthy": 0,
        "desiredHealthy": 0,
        "expectedPods": 0,
    }
    return pdb


def _same(obj: Manifest) -> Manifest:
    return obj


DEFAULTERS: dict[str, Callable[[Manifest], Manifest]] = {
    "Namespace": default_namespace,
    "ServiceAccount": _same,
    "ConfigMap": default_config_map,
    "Secret": default_secret,
    "PersistentVolumeClaim": default_pvc,
    "Ingress": default_ingress,
    "NetworkPolicy": default_network_policy,
    "HorizontalPodAutoscaler": default_hpa,
    "StorageClass": default_storage_class,
    "PodDisruptionBudget": default_pdb,
}
WITHOUT_GENERATION = frozenset(
    {"Namespace", "ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim", "StorageClass"}
)
"""Kinds whose strategies never set metadata.generation (they have no spec to track)."""
WITH_STATUS = frozenset(
    {
        "Namespace",
        "PersistentVolumeClaim",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }
)
"""Kinds whose status a PUT cannot change (their strategies' PrepareForUpdate)."""


def prepare_for_update(kind: str, new: Manifest, old: Manifest) -> None:
    """Keep what only the server (or /status) may write: status, a namespace's finalizers."""
    if kind in WITH_STATUS:
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
    if kind == "Namespace":
        new.setdefault("spec", {})["finalizers"] = list(old.get("spec", {}).get("finalizers", []))
        meta, old_meta = new.setdefault("metadata", {}), old.get("metadata", {})
        meta.setdefault("labels", {})[NAMESPACE_NAME_LABEL] = old_meta.get("name", "")
        if "deletionTimestamp" in old_meta:
            meta["deletionTimestamp"] = old_meta["deletionTimestamp"]
