"""Kubernetes objects: create, replace, delete, scale, readiness, and a node joining.

Each runs app.core.apiserver.writes inside repo.write — one transaction, the API server's
pipeline (decode, default, allocate, validate) and the controllers settling the cluster — so
kubectl on /k8s and the page's forms change a cluster in exactly the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine
from sqlmodel import Session

from app.core.apiserver import bootstrap, namespace_deleter
from app.core.apiserver import writes as apiserver
from app.core.apiserver.namespaces import NAMESPACE_FINALIZE_SECONDS
from app.core.model.workspace import CLUSTER_SCOPED, Manifest, Workspace
from app.db import repo
from app.services.errors import refusals

log = logging.getLogger(__name__)


class _DryRun(Exception):
    """Carries a dry run's result out of the transaction, which is then rolled back."""

    def __init__(self, result: Manifest) -> None:
        super().__init__("dry run")
        self.result = result


def _write(
    session: Session,
    cluster: str,
    change: Callable[[Workspace], Manifest],
    *,
    dry_run: bool = False,
) -> Manifest:
    """Run a change in one transaction; with dry_run (dryRun=All) run it all, keep nothing."""

    def run(ws: Workspace) -> Manifest:
        result = change(ws)
        if dry_run:
            raise _DryRun(result)
        return result

    try:
        with refusals():
            return repo.write(session, cluster, run)
    except _DryRun as done:
        return done.result


def create_object(
    *,
    session: Session,
    cluster: str,
    kind: str,
    body: Any,
    namespace: str = "default",
    manager: str | None = None,
) -> Manifest:
    """Create an object of `kind` from its JSON (namespace: where the body names none);
    `manager`: the field manager recorded in managedFields."""
    return _write(
        session, cluster, lambda ws: apiserver.create(ws, kind, body, namespace, manager=manager)
    )


def edit_object(
    *,
    session: Session,
    cluster: str,
    kind: str,
    namespace: str,
    name: str,
    edit: Callable[[Manifest | None], Any],
    dry_run: bool = False,
    manager: str | None = None,
    subresource: str = "",
) -> Manifest:
    """Replace an object with `edit(stored)`: a change made from the object as stored now,
    in the same transaction (the stored object is None when it is gone)."""

    def change(ws: Workspace) -> Manifest:
        body = edit(ws.get(kind, "" if kind == "Node" else namespace, name))
        return apiserver.replace(
            ws, kind, namespace, name, body, subresource=subresource, manager=manager
        )

    return _write(session, cluster, change, dry_run=dry_run)


def apply_object(
    *,
    session: Session,
    cluster: str,
    kind: str,
    namespace: str,
    name: str,
    edit: Callable[[Manifest | None], Any],
    dry_run: bool = False,
) -> Manifest:
    """Create or replace an object with `edit(stored)` (server-side apply: a missing object
    is created from the applied configuration)."""

    def change(ws: Workspace) -> Manifest:
        stored = ws.get(kind, "" if kind in CLUSTER_SCOPED else namespace, name)
        body = edit(stored)
        if stored is None:
            return apiserver.create(ws, kind, body, namespace)
        return apiserver.replace(ws, kind, namespace, name, body)

    return _write(session, cluster, change, dry_run=dry_run)


def replace_object(
    *,
    session: Session,
    cluster: str,
    kind: str,
    namespace: str,
    name: str,
    body: Any,
    manager: str | None = None,
    subresource: str = "",
) -> Manifest:
    """Replace an object with the body (PUT): its resourceVersion, if any, must be current;
    subresource "status" changes only its status."""
    return _write(
        session,
        cluster,
        lambda ws: apiserver.replace(
            ws, kind, namespace, name, body, subresource=subresource, manager=manager
        ),
    )


def delete_object(
    *, session: Session, cluster: str, kind: str, namespace: str, name: str
) -> Manifest:
    """Delete an object; what owned it (a Deployment's pods, a node's pods) follows. A
    Namespace is only marked Terminating: a timer finalizes it once its turn has come."""
    deleted = _write(session, cluster, lambda ws: apiserver.remove(ws, kind, namespace, name))
    if kind == "Namespace":
        _finalize_later(session.get_bind(), cluster)
    return deleted


def finalize_namespaces(*, session: Session, cluster: str) -> list[str]:
    """The namespace controller's turn: delete the content of every namespace Terminating for
    NAMESPACE_FINALIZE_SECONDS, then the namespace (app/core/apiserver/namespace_deleter.py).
    repo.write runs it before every write; this runs it on its own."""
    return repo.write(session, cluster, namespace_deleter.finalize_due)


def _finalize_later(bind: Engine | Connection, cluster: str) -> None:
    """Run finalize_namespaces just after the namespace's turn, on a daemon thread with its
    own session: the DELETE has answered by then, and a lost timer (a restart) is made up for
    by the next write to the cluster."""

    def run() -> None:
        try:
            with Session(bind) as session:
                finalize_namespaces(session=session, cluster=cluster)
        except Exception:  # the cluster deleted, the database gone: the next write finalizes
            log.warning("finalizing namespaces of cluster %s failed", cluster, exc_info=True)
        finally:
            with _timers_lock:
                _timers.discard(timer)

    timer = threading.Timer(NAMESPACE_FINALIZE_SECONDS + 0.2, run)
    timer.daemon = True
    with _timers_lock:
        _timers.add(timer)
    timer.start()


_timers: set[threading.Timer] = set()
"""Finalize timers not yet run, for cancel_finalize_timers."""
_timers_lock = threading.Lock()


def cancel_finalize_timers() -> None:
    """Shutdown: a timer that fires after the engine is disposed would open a connection that
    nobody closes. Nothing is lost: the next write to the cluster finalizes what is due."""
    with _timers_lock:
        pending = list(_timers)
        _timers.clear()
    for timer in pending:
        timer.cancel()
        if timer is not threading.current_thread():
            timer.join(5)  # one already running finishes its write first


def scale_deployment(
    *, session: Session, cluster: str, namespace: str, name: str, replicas: int
) -> Manifest:
    """Set a Deployment's replicas; the simulated controllers add or remove pods."""
    return _write(session, cluster, lambda ws: apiserver.scale(ws, namespace, name, replicas))


def set_ready(
    *, session: Session, cluster: str, kind: str, namespace: str, name: str, ready: bool
) -> Manifest:
    """Flip a pod's or node's Ready condition."""
    return _write(
        session, cluster, lambda ws: apiserver.set_ready(ws, kind, namespace, name, ready)
    )


def add_node(*, session: Session, cluster: str) -> Manifest:
    """Join one more worker node: the next free node-N name, zones in turn."""
    return _write(session, cluster, lambda ws: apiserver.create(ws, "Node", _next_node(ws)))


def _next_node(ws: Workspace) -> dict[str, Any]:
    names = {n["metadata"]["name"] for n in ws.items("Node")}
    index = next(i for i in range(1, len(names) + 2) if f"node-{i}" not in names)
    zone = bootstrap.ZONES[(index - 1) % len(bootstrap.ZONES)]
    return bootstrap.worker_node(f"node-{index}", zone)
