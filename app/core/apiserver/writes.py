"""One write to the cluster, as kube-apiserver and the controllers behind it handle it.

create/replace/delete take Kubernetes JSON and run the upstream pipeline — decode, default,
allocate (Services), validate, store — then let the simulated controllers settle the cluster
(schedule pods, run Deployments, assign load balancers). Errors are raised as exceptions that
carry everything a Kubernetes `Status` needs; app/api/errors.py renders them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from app.core.apiserver import (
    appsdefaults,
    defaults,
    fieldmanager,
    keptdefaults,
    namespaces,
    subresources,
)
from app.core.apiserver import registry as service_registry
from app.core.apiserver.validation import apps as validation_apps
from app.core.apiserver.validation import endpoints as validation_endpoints
from app.core.apiserver.validation import kept as validation_kept
from app.core.apiserver.validation import keptgroups as validation_keptgroups
from app.core.apiserver.validation import services as validation
from app.core.controllers import events, kubelet, nodeipam, scheduler, workloads
from app.core.model import rand
from app.core.model.decoding import decode
from app.core.model.fielderrors import FieldError, ValidationFailed, required
from app.core.model.kept import BY_KIND as KEPT_KINDS
from app.core.model.workspace import CLUSTER_SCOPED, Manifest, Workspace, clone


class ApiError(Exception):
    """Base of the errors a write can end in; `code` and `reason` are the Status fields."""

    code = 500
    reason = "InternalError"

    def __init__(self, message: str, *, kind: str = "", name: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.name = name


class NotFound(ApiError):
    code, reason = 404, "NotFound"


class AlreadyExists(ApiError):
    code, reason = 409, "AlreadyExists"


class Conflict(ApiError):
    code, reason = 409, "Conflict"


class BadRequest(ApiError):
    code, reason = 400, "BadRequest"


class Forbidden(ApiError):
    code, reason = 403, "Forbidden"


MAX_PODS = 150_000
"""Kubernetes' documented scalability envelope: "No more than 150,000 total pods" per cluster
(kubernetes.io/docs/setup/best-practices/cluster-large). Past it a write is refused as a
quota is upstream (403): one request could otherwise ask for a million pods at once."""


class AllocationFailed(Conflict):
    """An allocator could not hand out a value: a full range, a requested port that is taken.

    Upstream answers these with 500 `Internal error occurred: …`. svcscope promises never to
    answer 5xx for something a client caused: a full range is the cluster's state, so 409 with
    upstream's message ("failed to allocate a nodePort: range is full").
    """


RESOURCES = {
    "Service": "services",
    "Pod": "pods",
    "Node": "nodes",
    "Deployment": "deployments.apps",
    "EndpointSlice": "endpointslices.discovery.k8s.io",
    "Endpoints": "endpoints",
    "ReplicaSet": "replicasets.apps",
    "StatefulSet": "statefulsets.apps",
    "DaemonSet": "daemonsets.apps",
    "Event": "events",
}
API_VERSIONS = {
    "Service": "v1",
    "Pod": "v1",
    "Node": "v1",
    "Deployment": "apps/v1",
    "EndpointSlice": "discovery.k8s.io/v1",
    "Endpoints": "v1",
    "ReplicaSet": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Event": "v1",
}
RESOURCES.update({k.kind: k.qualified for k in KEPT_KINDS.values()})
API_VERSIONS.update({k.kind: k.api_version for k in KEPT_KINDS.values()})


_W = TypeVar("_W")
_P = ParamSpec("_P")


def records_events(
    write: Callable[Concatenate[Workspace, _P], _W],
) -> Callable[Concatenate[Workspace, _P], _W]:
    """The Events a write's components recorded are stored when it succeeds (events.flush);
    a failed write's are forgotten with the rest of it."""

    def wrapper(ws: Workspace, /, *args: _P.args, **kwargs: _P.kwargs) -> _W:
        try:
            result = write(ws, *args, **kwargs)
        except Exception:
            events.discard(ws)
            raise
        events.flush(ws)
        return result

    functools.update_wrapper(wrapper, write)
    return wrapper


def not_found(kind: str, name: str) -> NotFound:
    resource = RESOURCES[kind]
    return NotFound(f'{resource} "{name}" not found', kind=resource, name=name)


def _prepare(ws: Workspace, kind: str, body: object, namespace: str) -> Manifest:
    obj = decode(kind, body)
    obj["apiVersion"] = obj.get("apiVersion") or API_VERSIONS[kind]
    obj["kind"] = obj.get("kind") or kind
    # k8s.io/apiserver pkg/endpoints/handlers/create.go: the body's group/version must be the
    # URL's; a body of another kind cannot be decoded into the URL's kind.
    if obj["apiVersion"] != API_VERSIONS[kind]:
        raise BadRequest(
            f"the API version in the data ({obj['apiVersion']}) does not match the expected "
            f"API version ({API_VERSIONS[kind]})"
        )
    if obj["kind"] != kind:
        raise BadRequest(
            f'{kind} in version "{API_VERSIONS[kind]}" cannot be handled as a {kind}: '
            f"the kind in the data ({obj['kind']}) does not match the expected kind ({kind})"
        )
    meta = obj.setdefault("metadata", {})
    if kind not in CLUSTER_SCOPED:
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise BadRequest(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    return obj


_DEFAULTERS: dict[str, Callable[[Manifest], Manifest]] = {
    "Service": defaults.default_service,
    "Pod": defaults.default_pod,
    "Node": defaults.default_node,
    "Deployment": defaults.default_deployment,
    "EndpointSlice": defaults.default_endpoint_slice,
    "Endpoints": validation_endpoints.default_endpoints,
    "ReplicaSet": appsdefaults.default_replica_set,
    "StatefulSet": appsdefaults.default_stateful_set,
    "DaemonSet": appsdefaults.default_daemon_set,
    **keptdefaults.DEFAULTERS,
}
_VALIDATORS: dict[str, Callable[[Manifest], list[FieldError]]] = {
    "Pod": validation.validate_pod,
    "Node": validation.validate_node,
    "Deployment": validation.validate_deployment,
    "Endpoints": validation_endpoints.validate_endpoints,
    "EndpointSlice": validation.validate_endpoint_slice,
    "ReplicaSet": validation_apps.validate_replica_set,
    "StatefulSet": validation_apps.validate_stateful_set,
    "DaemonSet": validation_apps.validate_daemon_set,
}
_KEPT_VALIDATORS: dict[str, Callable[[Manifest, Manifest | None], list[FieldError]]] = {
    "Namespace": validation_kept.validate_namespace,
    "ServiceAccount": validation_kept.validate_service_account,
    "ConfigMap": validation_kept.validate_config_map,
    "Secret": validation_kept.validate_secret,
    "PersistentVolumeClaim": validation_kept.validate_persistent_volume_claim,
    "StorageClass": validation_kept.validate_storage_class,
    "Ingress": validation_keptgroups.validate_ingress,
    "NetworkPolicy": validation_keptgroups.validate_network_policy,
    "HorizontalPodAutoscaler": validation_keptgroups.validate_horizontal_pod_autoscaler,
    "PodDisruptionBudget": validation_keptgroups.validate_pod_disruption_budget,
}


def _validate(kind: str, obj: Manifest, old: Manifest | None) -> list[FieldError]:
    if kind in _KEPT_VALIDATORS:
        return _KEPT_VALIDATORS[kind](obj, old)
    if kind == "Service":
        return validation.validate_service(obj, old=old)
    return _VALIDATORS[kind](obj)


def _check_valid(kind: str, obj: Manifest, old: Manifest | None = None) -> None:
    errors = _validate(kind, obj, old)
    if errors:
        raise ValidationFailed(kind, obj["metadata"].get("name", ""), errors)


def admit(ws: Workspace, kind: str, namespace: str, name: str, *, create: bool) -> None:
    """The NamespaceLifecycle admission plugin (app/core/apiserver/namespaces.py), which runs
    before defaulting and validation: 404 for a missing namespace, 403 while it terminates."""
    try:
        namespaces.admit(ws, kind, namespace, RESOURCES[kind], name, create=create)
    except namespaces.NamespaceRefused as exc:
        if exc.code == 404:
            raise NotFound(exc.message, kind="namespaces", name=exc.namespace) from None
        raise Forbidden(exc.message, kind=RESOURCES[kind], name=exc.name) from None


@records_events
def create(
    ws: Workspace,
    kind: str,
    body: object,
    namespace: str = "default",
    *,
    manager: str | None = None,
) -> Manifest:
    """POST: the stored object, or an ApiError / ValidationFailed / DecodeError. A `manager`
    is recorded in managedFields as an Update (the fields it set, defaults included)."""
    obj = _prepare(ws, kind, body, namespace)
    meta = obj["metadata"]
    admit(ws, kind, namespace, str(meta.get("name") or ""), create=True)
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = meta["generateName"] + rand.random_suffix(ws)
    if not meta.get("name"):
        raise ValidationFailed(
            kind, "", [required("metadata.name", "name or generateName is required")]
        )
    meta.pop("deletionTimestamp", None)
    ws.stamp_new(obj)
    meta["generation"] = 1
    obj = _DEFAULTERS[kind](obj)
    _track(kind, None, obj, manager, "")
    ns = "" if kind in CLUSTER_SCOPED else namespace
    if kind == "Service":
        obj = defaults.init_ip_family_fields(obj)
        obj.setdefault("status", {}).setdefault("loadBalancer", {})
        try:
            service_registry.allocate(ws, obj)
        except service_registry.InternalError as exc:
            raise AllocationFailed(str(exc)) from None
        _check_valid(kind, obj)
        if ws.exists(kind, ns, meta["name"]):
            raise _exists(kind, meta["name"])
        service_registry.assign_load_balancer(ws, obj)
        return ws.put(kind, obj)
    _check_valid(kind, obj)
    if ws.exists(kind, ns, meta["name"]) or _controller_owns(ws, kind, ns, meta["name"]):
        raise _exists(kind, meta["name"])
    if kind in KEPT_KINDS:
        if kind in keptdefaults.WITHOUT_GENERATION:
            meta.pop("generation", None)
        stored = ws.put(kind, obj)
        if kind == "Namespace":
            namespaces.default_service_account(ws, meta["name"])
        return stored
    if kind == "Node":
        try:
            stored = ws.put(kind, kubelet.complete_node(ws, obj))
        except nodeipam.NoAddressLeft as exc:
            raise AllocationFailed(str(exc), kind="nodes", name=meta["name"]) from None
        scheduler.schedule_pending(ws)
        workloads.node_changed(ws, meta["name"])
        return stored
    if kind == "Pod":
        _check_pod_limit(ws, kind, obj, 1)
        return ws.put(kind, scheduler.complete_pod(ws, obj))
    return _store_workload(ws, kind, obj)


def _store_workload(ws: Workspace, kind: str, obj: Manifest) -> Manifest:
    """Store the object; a workload's controller then settles its pods in the same write."""
    if kind in workloads.SCALABLE:
        _check_pod_limit(ws, kind, obj, obj["spec"].get("replicas", 1))
    stored = ws.put(kind, obj)
    if kind in workloads.RECONCILERS:
        workloads.reconcile(ws, kind, stored)
    return stored


def _check_pod_limit(ws: Workspace, kind: str, obj: Manifest, requested: int) -> None:
    """At most MAX_PODS pods in the cluster once this write settles (counted from the index)."""
    used = ws.indexed_count("Pod", ("all",))
    meta = obj["metadata"]
    if kind == "Deployment":
        used -= ws.indexed_count("Pod", ("owner", meta.get("namespace", "default"), meta["name"]))
    elif kind in workloads.SCALABLE:
        owner = ("controller", meta.get("namespace", "default"), kind, meta["name"])
        used -= ws.indexed_count("Pod", owner)
    if used + requested > MAX_PODS:
        resource, name = RESOURCES[kind], obj["metadata"].get("name", "")
        raise Forbidden(
            f'{resource} "{name}" is forbidden: exceeded quota: svcscope-pods, requested: '
            f"pods={requested}, used: pods={used}, limited: pods={MAX_PODS}",
            kind=resource,
            name=name,
        )


def _controller_owns(ws: Workspace, kind: str, namespace: str, name: str) -> bool:
    """The endpoints controller already maintains Endpoints for a Service with a selector."""
    if kind != "Endpoints":
        return False
    service = ws.get("Service", namespace, name)
    return service is not None and service.get("spec", {}).get("selector") is not None


def _exists(kind: str, name: str) -> AlreadyExists:
    resource = RESOURCES[kind]
    return AlreadyExists(f'{resource} "{name}" already exists', kind=resource, name=name)


def _track(
    kind: str, old: Manifest | None, obj: Manifest, manager: str | None, subresource: str
) -> None:
    """managedFields after defaulting, before the registry allocates (as upstream's handlers
    run the field manager on the decoded, defaulted object)."""
    if manager is not None:
        has_status = kind in subresources.STATUS_KEEPS
        fieldmanager.track_update(
            kind, old, obj, manager, subresource=subresource, has_status=has_status
        )


@records_events
def replace(
    ws: Workspace,
    kind: str,
    namespace: str,
    name: str,
    body: object,
    *,
    subresource: str = "",
    manager: str | None = None,
) -> Manifest:
    """PUT: the whole object; allocated values omitted by the client are kept. The object
    keeps its stored status, and a `status` subresource write keeps its stored spec."""
    ns = "" if kind in CLUSTER_SCOPED else namespace
    obj = _prepare(ws, kind, body, namespace)
    meta = obj["metadata"]
    if meta.get("name") and meta["name"] != name:
        raise BadRequest(
            f"the name of the object ({meta['name']}) does not match the name on the URL ({name})"
        )
    meta["name"] = name
    admit(ws, kind, namespace, name, create=False)
    old = ws.get(kind, ns, name)
    if old is None:
        raise not_found(kind, name)
    old_meta = old["metadata"]
    if meta.get("resourceVersion") and meta["resourceVersion"] != old_meta.get("resourceVersion"):
        raise Conflict(
            f'Operation cannot be fulfilled on {RESOURCES[kind]} "{name}": the object has been '
            "modified; please apply your changes to the latest version and try again",
            kind=RESOURCES[kind],
            name=name,
        )
    meta["uid"] = old_meta["uid"]
    meta["creationTimestamp"] = old_meta.get("creationTimestamp")
    subresources.prepare_for_update(kind, obj, old, subresource)
    changed_spec = obj.get("spec") != old.get("spec")
    meta["generation"] = old_meta.get("generation", 1) + (1 if changed_spec else 0)
    if kind in KEPT_KINDS:
        return _replace_kept(ws, kind, obj, old)
    obj = _DEFAULTERS[kind](obj)
    _track(kind, old, obj, manager, subresource)
    if kind == "Service":
        return _replace_service(ws, obj, old, subresource)
    _check_valid(kind, obj, old)
    if kind == "Node":
        was_ready = kubelet.node_ready(old)
        obj.setdefault("status", clone(old.get("status", {})))
        stored = ws.put(kind, obj)
        if kubelet.node_ready(stored) != was_ready:
            kubelet.set_node_ready(ws, stored, kubelet.node_ready(stored))
        if kubelet.node_ready(stored):
            scheduler.schedule_pending(ws)
        workloads.node_changed(ws, name)
        return stored
    if kind == "Pod":
        obj.setdefault("status", clone(old.get("status", {})))
        return ws.put(kind, obj)
    return _store_workload(ws, kind, obj)


def _replace_kept(ws: Workspace, kind: str, obj: Manifest, old: Manifest) -> Manifest:
    obj = _DEFAULTERS[kind](obj)  # a status they set is replaced by the stored one below
    if kind in keptdefaults.WITHOUT_GENERATION:
        obj["metadata"].pop("generation", None)
    keptdefaults.prepare_for_update(kind, obj, old)
    _check_valid(kind, obj, old)
    if kind == "Namespace" and namespaces.release_if_finalized(ws, obj):
        return obj
    return ws.put(kind, obj)


def _replace_service(ws: Workspace, obj: Manifest, old: Manifest, subresource: str) -> Manifest:
    service_registry.patch_allocated_values(obj, old)
    service_registry.drop_type_dependent_fields(obj, old)
    status = clone((obj if subresource == subresources.STATUS else old).get("status", {}))
    if obj["spec"].get("type") != "LoadBalancer":
        status["loadBalancer"] = {}
    obj["status"] = status
    obj = defaults.init_ip_family_fields(obj, old=old)
    try:
        service_registry.allocate(ws, obj, old)
    except service_registry.InternalError as exc:
        raise AllocationFailed(str(exc)) from None
    _check_valid("Service", obj, old)
    service_registry.assign_load_balancer(ws, obj)
    return ws.put("Service", obj)


@records_events
def remove(ws: Workspace, kind: str, namespace: str, name: str) -> Manifest:
    """DELETE: removed at once (no finalizers), cascading as the garbage collector would."""
    ns = "" if kind in CLUSTER_SCOPED else namespace
    if kind == "Namespace":
        return _remove_namespace(ws, name)
    obj = ws.delete(kind, ns, name)
    if obj is None:
        raise not_found(kind, name)
    if kind == "ServiceAccount" and name == namespaces.DEFAULT_SERVICE_ACCOUNT:
        namespaces.default_service_account(ws, ns)  # its controller puts it back at once
    if kind == "Service":
        service_registry.release_all(ws, obj["metadata"]["uid"])
    elif kind in workloads.RECONCILERS:
        workloads.delete_owned(ws, kind, obj)
    elif kind == "Node":
        # The pod garbage collector deletes pods bound to a node that no longer exists;
        # their controllers then replace them on the remaining nodes.
        orphans = [ws.delete("Pod", *key) for key in sorted(ws.indexed("Pod", ("node", name)))]
        workloads.reconcile_owners(ws, [pod for pod in orphans if pod is not None])
    elif kind == "Pod":
        events.killing(ws, obj)
        workloads.reconcile_owners(ws, [obj])
    return obj


def _remove_namespace(ws: Workspace, name: str) -> Manifest:
    """Mark it Terminating; namespace_deleter.finalize_due deletes the content later."""
    try:
        namespaces.refuse_immortal(name)
    except namespaces.NamespaceRefused as exc:
        raise Forbidden(exc.message, kind="namespaces", name=name) from None
    ns = ws.get("Namespace", "", name)
    if ns is None:
        raise not_found("Namespace", name)
    return namespaces.mark_terminating(ws, ns)


def pod_owned_by(pod: Manifest, deployment: Manifest) -> bool:
    pod_hash = pod["metadata"].get("labels", {}).get("pod-template-hash")
    rs = f"{deployment['metadata']['name']}-{pod_hash}"
    return any(
        r.get("kind") == "ReplicaSet" and r.get("name") == rs
        for r in pod["metadata"].get("ownerReferences", [])
    )


@records_events
def set_ready(ws: Workspace, kind: str, namespace: str, name: str, ready: bool) -> Manifest:
    """The simulator's switch for a node or pod's Ready condition (the demo's fault button)."""
    ns = "" if kind in CLUSTER_SCOPED else namespace
    obj = ws.get(kind, ns, name)
    if obj is None:
        raise not_found(kind, name)
    if kind == "Node":
        kubelet.set_node_ready(ws, obj, ready)
        stored = ws.put("Node", obj)
        if ready:
            scheduler.schedule_pending(ws)
            workloads.node_changed(ws, name)
        return stored
    kubelet.set_pod_ready(ws, obj, ready)
    return obj


def scale(
    ws: Workspace, namespace: str, name: str, replicas: int, kind: str = "Deployment"
) -> Manifest:
    """The scale subresource's write: spec.replicas, through the ordinary update."""
    obj = ws.get(kind, namespace, name)
    if obj is None:
        raise not_found(kind, name)
    body: dict[str, Any] = clone(obj)
    body["spec"]["replicas"] = replicas
    body["metadata"].pop("resourceVersion", None)
    return replace(ws, kind, namespace, name, body)
