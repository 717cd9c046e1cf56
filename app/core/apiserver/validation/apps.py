"""Validation of ReplicaSets, StatefulSets and DaemonSets.

Upstream: pkg/apis/apps/validation/validation.go (ValidateReplicaSetSpec,
ValidateStatefulSetSpec, ValidateDaemonSetSpec and their update strategies). Their selector and
pod template rules are the Deployment's (workloads.py), with the kind's word in the empty
selector message.
"""

from __future__ import annotations

from app.core.apiserver.validation.meta import (
    validate_nonnegative,
    validate_object_meta,
)
from app.core.apiserver.validation.workloads import Obj, validate_selector_and_template
from app.core.model import names
from app.core.model.fielderrors import FieldError, invalid, not_supported, required


def _meta(obj: Obj) -> list[FieldError]:
    return validate_object_meta(
        obj.get("metadata", {}), namespaced=True, name_fn=names.name_is_dns_subdomain
    )


def _strategy_type(spec: Obj, field: str) -> list[FieldError]:
    value = spec.get(field, {}).get("type", "")
    path = f"spec.{field}.type"
    if not value:
        return [required(path)]
    if value not in ("OnDelete", "RollingUpdate"):
        return [not_supported(path, value, ["OnDelete", "RollingUpdate"])]
    return []


def validate_replica_set(rs: Obj) -> list[FieldError]:
    """ValidateReplicaSet, after SetDefaults_ReplicaSet."""
    spec: Obj = rs.get("spec", {})
    errors = _meta(rs)
    errors += validate_nonnegative(spec.get("replicas", 0), "spec.replicas")
    errors += validate_nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    return errors + validate_selector_and_template(spec, "deployment")  # sic: upstream's word


def validate_stateful_set(sts: Obj) -> list[FieldError]:
    """ValidateStatefulSet, after SetDefaults_StatefulSet."""
    spec: Obj = sts.get("spec", {})
    errors = _meta(sts)
    policy = spec.get("podManagementPolicy", "")
    if not policy:
        errors.append(required("spec.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        errors.append(
            invalid(
                "spec.podManagementPolicy",
                policy,
                "must be 'OrderedReady' or 'Parallel'",
            )
        )
    errors += _strategy_type(spec, "updateStrategy")
    errors += validate_nonnegative(spec.get("replicas", 0), "spec.replicas")
    errors += validate_nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    if "ordinals" in spec:
        errors += validate_nonnegative(spec["ordinals"].get("start", 0), "spec.ordinals.start")
    return errors + validate_selector_and_template(spec, "statefulset")


def validate_daemon_set(ds: Obj) -> list[FieldError]:
    """ValidateDaemonSet, after SetDefaults_DaemonSet."""
    spec: Obj = ds.get("spec", {})
    errors = _meta(ds)
    errors += _strategy_type(spec, "updateStrategy")
    errors += validate_nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    return errors + validate_selector_and_template(spec, "daemonset")
