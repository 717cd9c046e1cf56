"""Kubernetes YAML/JSON ⇄ a cluster: import (with dry run) and export, as `kubectl` users expect.

An import is applied to one Workspace and therefore lands whole or not at all: every document
is tried, every failure is reported with its document number, and the caller saves nothing
unless all of them succeeded. Objects that exist are replaced (allocated values kept, as a PUT
does); objects that would not change are reported `unchanged` and not rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.apiserver import namespaces
from app.core.apiserver import writes as apiserver
from app.core.apiserver.subresources import RESTORE
from app.core.model import jsonsafe
from app.core.model.decoding import DecodeError
from app.core.model.fielderrors import ValidationFailed
from app.core.model.kept import KEPT
from app.core.model.workspace import CLUSTER_SCOPED, Manifest, Workspace, clone
from app.core.model.yamlsafe import YamlError, load_all

KINDS = {
    ("v1", "Service"): "Service",
    ("v1", "Pod"): "Pod",
    ("v1", "Node"): "Node",
    ("apps/v1", "Deployment"): "Deployment",
    ("apps/v1", "ReplicaSet"): "ReplicaSet",
    ("apps/v1", "StatefulSet"): "StatefulSet",
    ("apps/v1", "DaemonSet"): "DaemonSet",
    ("discovery.k8s.io/v1", "EndpointSlice"): "EndpointSlice",
}
KINDS.update({(k.api_version, k.kind): k.kind for k in KEPT})
# Namespaces before anything lives in them (kubectl apply does not sort, but an import is
# all-or-nothing in one transaction, so it must); then nodes so pods and workloads can be
# scheduled; workloads before the Services that select them; user EndpointSlices after the
# Services they belong to; the kept kinds that only refer to others last.
ORDER = {
    "Node": 0,
    "Deployment": 1,
    "ReplicaSet": 1,
    "StatefulSet": 1,
    "DaemonSet": 1,
    "Pod": 2,
    "Service": 3,
    "EndpointSlice": 4,
}
ORDER.update({"Namespace": -3, "StorageClass": -2})
ORDER.update(dict.fromkeys(("ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim"), -1))
ORDER.update(dict.fromkeys(("Ingress", "NetworkPolicy", "HorizontalPodAutoscaler"), 5))
ORDER["PodDisruptionBudget"] = 5
IMPLICIT_NAMESPACE = (
    "created because document {index} writes into it and the manifest does not define it "
    "(a real API server answers NotFound; svcscope's import creates it to be friendly)"
)
VOLATILE_META = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")


@dataclass(frozen=True)
class Outcome:
    index: int
    kind: str
    namespace: str
    name: str
    action: str  # created | configured | unchanged
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = {
            "document": self.index,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "action": self.action,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class ImportFailed(Exception):
    """Some documents failed; nothing was saved. Each error names its document (1-based)."""

    errors: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"document {e['document']}: {e['message']}" for e in self.errors)


MAX_DOCUMENTS = 20_000
"""Objects in one manifest: each one costs a validation and, when wrong, an error entry. Twice
the 10,000-object import the store is measured with."""


def parse(text: str) -> list[Any]:
    """JSON (one object or a List) or multi-document YAML; `kind: List` is flattened."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            docs: list[Any] = [jsonsafe.loads(text)]
        except (ValueError, RecursionError) as exc:
            raise YamlError(f"json parse error: {exc}") from None
    else:
        try:
            docs = [jsonsafe.plain(doc) for doc in load_all(text)]
        except jsonsafe.UnsafeDocument as exc:
            raise YamlError(f"error converting YAML to JSON: {exc}") from None
    flat: list[Any] = []
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == "List":
            items = doc.get("items") or []
            if not isinstance(items, list):
                raise YamlError("the items of a List must be a list of objects")
            flat.extend(items)
        elif isinstance(doc, list):
            flat.extend(doc)
        else:
            flat.append(doc)
        if len(flat) > MAX_DOCUMENTS:  # refused whole, before a document is looked at
            raise YamlError(f"the manifest holds more than {MAX_DOCUMENTS} objects")
    return flat


def _kind_of(doc: Any) -> str:
    if not isinstance(doc, dict):
        raise apiserver.BadRequest("the document is not a Kubernetes object (a mapping)")
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if not api_version or not kind:
        raise apiserver.BadRequest("Object 'Kind' is missing or 'apiVersion' is not set")
    found = KINDS.get((str(api_version), str(kind)))
    if found is None:
        raise apiserver.BadRequest(
            f'no matches for kind "{kind}" in version "{api_version}" '
            "(svcscope models Services, Pods, Nodes, Deployments and EndpointSlices, and keeps "
            + ", ".join(k.kind for k in KEPT)
            + ")"
        )
    return found


def _comparable(obj: Manifest) -> Manifest:
    out = clone(obj)
    for key in VOLATILE_META:
        out.get("metadata", {}).pop(key, None)
    return out


def apply(
    ws: Workspace,
    docs: list[Any],
    namespace: str = "default",
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Create or replace every document; raise ImportFailed listing every failing document.

    `progress(n)` is called after each document, for a progress bar on long imports.
    """
    outcomes: list[Outcome] = []
    errors: list[dict[str, Any]] = []
    numbered = list(enumerate(docs, start=1))
    ranked = []
    for index, doc in numbered:
        try:
            ranked.append((ORDER[_kind_of(doc)], index, doc))
        except apiserver.ApiError as exc:
            errors.append({"document": index, "message": exc.message, "reason": exc.reason})
    ranked.sort(key=lambda r: (r[0], r[1]))
    outcomes += _implicit_namespaces(ws, ranked, namespace)
    for _, index, doc in ranked:
        kind = _kind_of(doc)
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        ns = "" if kind in CLUSTER_SCOPED else str(meta.get("namespace") or namespace)
        name = str(meta.get("name") or "")
        try:
            outcomes.append(_apply_one(ws, index, kind, ns, name, doc))
        except ValidationFailed as exc:
            errors.append(_error(index, kind, name, str(exc), "Invalid", exc))
        except (apiserver.ApiError, DecodeError) as exc:
            reason = exc.reason if isinstance(exc, apiserver.ApiError) else "BadRequest"
            errors.append(_error(index, kind, name, str(exc), reason, None))
        if progress is not None:
            progress(1)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e["document"]))
    return sorted(outcomes, key=lambda o: o.index)


def _implicit_namespaces(
    ws: Workspace, ranked: list[tuple[int, int, Any]], namespace: str
) -> list[Outcome]:
    """Create the namespaces documents write into that neither exist nor are defined in the
    manifest, and say so in the result (the /k8s API refuses such writes, as upstream)."""
    defined: set[str] = set()
    needed: dict[str, int] = {}
    for _, index, doc in ranked:
        kind = _kind_of(doc)
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        if kind == "Namespace":
            defined.add(str(meta.get("name") or ""))
        elif kind not in CLUSTER_SCOPED:
            needed.setdefault(str(meta.get("namespace") or namespace), index)
    out: list[Outcome] = []
    for name, index in needed.items():
        if name in defined or ws.exists("Namespace", "", name):
            continue
        try:
            apiserver.create(ws, "Namespace", namespaces.namespace_manifest(name), "")
        except (apiserver.ApiError, ValidationFailed):
            continue  # an invalid name: the documents in it report their own errors
        note = IMPLICIT_NAMESPACE.format(index=index)
        out.append(Outcome(index, "Namespace", "", name, "created", note))
    return out


def _error(
    index: int, kind: str, name: str, message: str, reason: str, exc: ValidationFailed | None
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "document": index,
        "kind": kind,
        "name": name,
        "message": message,
        "reason": reason,
    }
    if exc is not None:
        error["causes"] = [{"field": e.field, "message": e.body} for e in exc.errors]
    return error


def _apply_one(ws: Workspace, index: int, kind: str, ns: str, name: str, doc: Manifest) -> Outcome:
    existing = ws.get(kind, ns, name) if name else None
    if existing is None:
        stored = apiserver.create(ws, kind, clone(doc), ns or "default")
        return Outcome(index, kind, ns, stored["metadata"]["name"], "created")
    before = clone(existing)
    changes = len(ws.changes)
    body = clone(doc)
    body.get("metadata", {}).pop("resourceVersion", None)
    stored = apiserver.replace(ws, kind, ns or "default", name, body, subresource=RESTORE)
    if _comparable(stored) == _comparable(before) and len(ws.changes) == changes + 1:
        ws.unput(kind, before)  # nothing to write: keep resourceVersion
        return Outcome(index, kind, ns, name, "unchanged")
    return Outcome(index, kind, ns, name, "configured")


def _owned_by_controller(obj: Manifest) -> bool:
    return any(r.get("controller") for r in obj.get("metadata", {}).get("ownerReferences", []))


def export(ws: Workspace, *, include_system: bool = False) -> list[Manifest]:
    """Objects as `kubectl get -o yaml` shows them, minus what the server regenerates.

    Pods and ReplicaSets owned by a controller are left out (their owner re-creates them),
    and so are the kubeadm system objects every cluster already has, unless include_system.
    """
    out: list[Manifest] = []
    for kind in sorted(ORDER, key=ORDER.__getitem__):
        for obj in sorted(ws.items(kind), key=lambda o: _key(o)):
            meta = obj.get("metadata", {})
            system = (
                meta.get("namespace") == "kube-system"
                or (kind == "Service" and meta.get("name") == "kubernetes")
                or (kind == "Namespace" and meta.get("name") in namespaces.SYSTEM)
                or (kind == "ServiceAccount" and meta.get("name") == "default")
            )
            owned = kind in ("Pod", "ReplicaSet") and _owned_by_controller(obj)
            if (system and not include_system) or owned:
                continue
            clean = _comparable(obj)
            if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Service"):
                clean.pop("status", None)
            out.append(clean)
    return out


def _key(obj: Manifest) -> tuple[str, str]:
    meta = obj.get("metadata", {})
    return str(meta.get("namespace", "")), str(meta.get("name", ""))
