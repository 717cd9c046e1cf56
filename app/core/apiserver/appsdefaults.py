"""Defaulting of ReplicaSets, StatefulSets and DaemonSets (pkg/apis/apps/v1/defaults.go:
SetDefaults_ReplicaSet, SetDefaults_StatefulSet, SetDefaults_DaemonSet), and of the pod
template each carries (defaults.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.apiserver.defaults import default_pod_template
from app.core.model.workspace import Manifest, clone


def default_replica_set(rs: Mapping[str, Any]) -> Manifest:
    out: Manifest = clone(dict(rs))
    spec: Manifest = out.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    default_pod_template(spec)
    return out


def default_stateful_set(sts: Mapping[str, Any]) -> Manifest:
    out: Manifest = clone(dict(sts))
    spec: Manifest = out.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy: Manifest = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault(
        "persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"}
    )
    default_pod_template(spec)
    return out


def default_daemon_set(ds: Mapping[str, Any]) -> Manifest:
    out: Manifest = clone(dict(ds))
    spec: Manifest = out.setdefault("spec", {})
    strategy: Manifest = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling: Manifest = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    default_pod_template(spec)
    return out
