"""The namespace controller's deletion step (pkg/controller/namespace/deletion/
namespaced_resources_deleter.go): a namespace Terminating for NAMESPACE_FINALIZE_SECONDS loses
its content, through the API server's own deletes, and then goes itself.

The core keeps no timer: `finalize_due` compares the deletionTimestamp with the write's clock
(ws.now), and the shells call it from a timer after the DELETE and at the start of every write
(app/services/objects.py, app/db/repo.py), so no namespace stays Terminating forever.
"""

from __future__ import annotations

from datetime import datetime

from app.core.apiserver import namespaces
from app.core.apiserver.writes import RESOURCES, remove
from app.core.controllers import events
from app.core.model.workspace import CLUSTER_SCOPED, Workspace

WORKLOADS_FIRST = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
"""Owners go before what they own, so that no controller replaces a pod the namespace
controller has just deleted."""


def finalize_due(ws: Workspace, now: datetime | None = None) -> list[str]:
    """Finalize every namespace whose turn has come (at `now`, by default the write's clock);
    returns their names."""
    moment = now if now is not None else ws.now
    due = sorted(
        ns["metadata"]["name"] for ns in ws.items("Namespace") if namespaces.due(ns, moment)
    )
    for name in due:
        _finalize(ws, name)
    return due


def _finalize(ws: Workspace, name: str) -> None:
    ns = ws.get("Namespace", "", name)
    if ns is None:
        return
    kinds = sorted(
        (k for k in RESOURCES if k not in CLUSTER_SCOPED),
        key=lambda k: (k not in WORKLOADS_FIRST, k),
    )

    def remove_one(kind: str, namespace: str, obj_name: str) -> None:
        if kind == "ServiceAccount":  # its controller stops once the namespace terminates
            ws.delete(kind, namespace, obj_name)
            return
        remove(ws, kind, namespace, obj_name)

    namespaces.finalize(ws, ns, kinds, remove_one)
    events.discard_namespace(ws, name)  # what its deletion recorded went with it
