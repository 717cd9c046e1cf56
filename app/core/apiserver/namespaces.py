"""Namespaces as kube-apiserver and kube-controller-manager give them their lifecycle.

- Admission (NamespaceLifecycle, staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/
  lifecycle/admission.go): a create or update in a namespace that does not exist is 404
  `namespaces "x" not found`; a create in a Terminating namespace is 403 `unable to create new
  content in namespace x because it is being terminated`; `default`, `kube-system` and
  `kube-public` (its immortal namespaces) may not be deleted.
- Deletion (pkg/registry/core/namespace/storage and the namespace controller,
  pkg/controller/namespace/deletion): DELETE marks the namespace Terminating and the controller
  deletes its content a moment later, then removes the `kubernetes` finalizer; the namespace
  goes once no finalizer is left. Meanwhile its objects can be read and deleted (so
  `kubectl delete -f` of a file with the Namespace first works) but not created (403).
  svcscope runs the controller's step (namespace_deleter.finalize_due) once the namespace has
  been Terminating for NAMESPACE_FINALIZE_SECONDS: from a timer the DELETE starts
  (app/services/objects.py) and at the start of every later write to the cluster.
- The ServiceAccount controller (pkg/controller/serviceaccount/serviceaccounts_controller.go)
  keeps a `default` ServiceAccount in every active namespace, re-creating it when deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from app.core.model.workspace import CLUSTER_SCOPED, Manifest, Workspace, clone

SYSTEM = ("default", "kube-node-lease", "kube-public", "kube-system")
"""What every cluster has (kube-apiserver's system namespaces controller creates them)."""
IMMORTAL = frozenset({"default", "kube-system", "kube-public"})
DEFAULT_SERVICE_ACCOUNT = "default"
NAMESPACE_FINALIZE_SECONDS = 2
"""How long a deleted namespace stays Terminating with its content before the namespace
controller removes it: upstream the controller's workqueue picks the namespace up within
moments (pkg/controller/namespace/namespace_controller.go), so kubectl's next deletes in the
same file still find their objects."""


class NamespaceRefused(Exception):
    """Admission refused a write: `code` 404 (missing) or 403 (terminating / immortal)."""

    def __init__(self, code: int, message: str, namespace: str, name: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.namespace, self.name = code, message, namespace, name


def namespace_manifest(name: str) -> Manifest:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def terminating(ns: Manifest) -> bool:
    return bool(ns.get("status", {}).get("phase") == "Terminating")


def admit(
    ws: Workspace, kind: str, namespace: str, resource: str, name: str, *, create: bool
) -> None:
    """NamespaceLifecycle's Admit for a create or update of a namespaced object."""
    if kind in CLUSTER_SCOPED:
        return
    ns = ws.peek("Namespace", ("", namespace))
    if ns is None:
        raise NamespaceRefused(404, f'namespaces "{namespace}" not found', namespace, namespace)
    if create and terminating(ns):
        who = f'{resource} "{name}"' if name else resource
        raise NamespaceRefused(
            403,
            f"{who} is forbidden: unable to create new content in namespace {namespace} "
            "because it is being terminated",
            namespace,
            name,
        )


def refuse_immortal(name: str) -> None:
    if name in IMMORTAL:
        raise NamespaceRefused(
            403, f'namespaces "{name}" is forbidden: this namespace may not be deleted', name, name
        )


def default_service_account(ws: Workspace, namespace: str) -> Manifest | None:
    """The ServiceAccount controller: a `default` ServiceAccount where none is."""
    if ws.exists("ServiceAccount", namespace, DEFAULT_SERVICE_ACCOUNT):
        return None
    ns = ws.peek("Namespace", ("", namespace))
    if ns is None or terminating(ns):
        return None
    sa: Manifest = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": DEFAULT_SERVICE_ACCOUNT, "namespace": namespace},
    }
    ws.stamp_new(sa)
    return ws.put("ServiceAccount", sa)


def mark_terminating(ws: Workspace, ns: Manifest) -> Manifest:
    """The namespace registry's Delete (pkg/registry/core/namespace/storage/storage.go): set the
    deletionTimestamp and phase Terminating, keep the `kubernetes` finalizer for the namespace
    controller, and answer with the namespace. Its content stays until `finalize_due`."""
    if "deletionTimestamp" not in ns["metadata"]:
        ns["metadata"]["deletionTimestamp"] = ws.timestamp()
        # Every namespace carries it from its creation (keptdefaults.default_namespace); one
        # stored before that still has its content to delete.
        finalizers = ns.setdefault("spec", {}).setdefault("finalizers", [])
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
    ns["metadata"]["deletionGracePeriodSeconds"] = 0
    ns["status"] = {"phase": "Terminating"}
    return clone(ws.put("Namespace", ns))


def due(ns: Manifest, now: datetime) -> bool:
    """Whether the namespace controller's turn has come: Terminating, still holding its
    `kubernetes` finalizer, for NAMESPACE_FINALIZE_SECONDS at least."""
    stamp = ns.get("metadata", {}).get("deletionTimestamp")
    if not stamp or "kubernetes" not in ns.get("spec", {}).get("finalizers", []):
        return False
    since = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return (now - since).total_seconds() >= NAMESPACE_FINALIZE_SECONDS


def finalize(
    ws: Workspace,
    ns: Manifest,
    kinds: Iterable[str],
    remove: Callable[[str, str, str], None],
) -> None:
    """The namespace controller (pkg/controller/namespace/deletion/
    namespaced_resources_deleter.go): delete the content (`remove(kind, namespace, name)` for
    every object of `kinds`, in that order), drop the `kubernetes` finalizer, and remove the
    namespace unless other finalizers hold it."""
    name = ns["metadata"]["name"]
    for kind in kinds:
        for key in sorted(k for k, _ in ws.keyed(kind, name)):
            if ws.exists(kind, *key):
                remove(kind, *key)
    spec_finalizers = [f for f in ns.get("spec", {}).get("finalizers", []) if f != "kubernetes"]
    ns.setdefault("spec", {})["finalizers"] = spec_finalizers
    if not spec_finalizers and not ns["metadata"].get("finalizers"):
        ws.delete("Namespace", "", name)
    else:
        ws.put("Namespace", ns)


def release_if_finalized(ws: Workspace, ns: Manifest) -> bool:
    """An update of a Terminating namespace that dropped its last finalizer removes it."""
    meta = ns.get("metadata", {})
    if "deletionTimestamp" not in meta:
        return False
    if meta.get("finalizers") or ns.get("spec", {}).get("finalizers"):
        return False
    ws.delete("Namespace", "", meta["name"])
    return True
