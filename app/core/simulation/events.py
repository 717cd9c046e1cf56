"""Faults and changes over simulated time: what an instructor does to a cluster mid-run.

Each event is applied to the run's private copy of the cluster through the same write path
as the API (app/core/apiserver), so a node going down marks its pods not ready exactly as a
NodeNotReady does, and a scaled Deployment places its new pods as the scheduler would.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from app.core.apiserver import writes as apiserver
from app.core.model.fielderrors import (
    FieldError,
    ValidationFailed,
    invalid,
    not_supported,
    required,
)
from app.core.model.workspace import Workspace

ACTIONS = (
    "node-down",
    "node-up",
    "pod-not-ready",
    "pod-ready",
    "scale",
    "set-session-affinity",
    "set-external-traffic-policy",
    "set-internal-traffic-policy",
)


@dataclass(frozen=True)
class Event:
    at: float
    action: str
    node: str = ""
    pod: str = ""
    deployment: str = ""
    service: str = ""
    namespace: str = "default"
    replicas: int = 0
    value: str = ""
    timeout_seconds: int = 10800

    def describe(self) -> str:
        target = self.node or self.pod or self.deployment or self.service
        extra = f" → {self.replicas}" if self.action == "scale" else ""
        extra += f" = {self.value}" if self.value else ""
        return f"t={self.at:g}s {self.action} {target}{extra}"


def parse_events(raw: list[dict[str, Any]], field: str = "events") -> list[Event]:
    """Validate the JSON events; every problem is a field error with its index."""
    errors: list[FieldError] = []
    events: list[Event] = []
    for i, item in enumerate(raw):
        path = f"{field}[{i}]"
        action = item.get("action")
        at = item.get("at")
        if action not in ACTIONS:
            errors.append(not_supported(f"{path}.action", action, list(ACTIONS)))
            continue
        if isinstance(at, bool) or not isinstance(at, int | float) or at < 0:
            errors.append(invalid(f"{path}.at", at, "must be a number of seconds >= 0"))
            continue
        needs = {
            "node-down": "node",
            "node-up": "node",
            "pod-not-ready": "pod",
            "pod-ready": "pod",
            "scale": "deployment",
        }.get(action, "service")
        if not isinstance(item.get(needs), str) or not item.get(needs):
            errors.append(required(f"{path}.{needs}"))
            continue
        replicas = item.get("replicas", 0)
        if action == "scale" and (
            isinstance(replicas, bool) or not isinstance(replicas, int) or not 0 <= replicas <= 5000
        ):
            errors.append(invalid(f"{path}.replicas", replicas, "must be between 0 and 5000"))
            continue
        allowed = {
            "set-session-affinity": ["ClientIP", "None"],
            "set-external-traffic-policy": ["Cluster", "Local"],
            "set-internal-traffic-policy": ["Cluster", "Local"],
        }.get(action)
        if allowed is not None and item.get("value") not in allowed:
            errors.append(not_supported(f"{path}.value", item.get("value"), allowed))
            continue
        events.append(
            Event(
                at=float(at),
                action=action,
                node=str(item.get("node", "")),
                pod=str(item.get("pod", "")),
                deployment=str(item.get("deployment", "")),
                service=str(item.get("service", "")),
                namespace=str(item.get("namespace", "default")),
                replicas=int(replicas),
                value=str(item.get("value", "")),
                timeout_seconds=int(item.get("timeoutSeconds", 10800)),
            )
        )
    if errors:
        raise ValidationFailed("Simulation", "", errors)
    return sorted(events, key=lambda e: e.at)


def _pod_name(ws: Workspace, event: Event) -> tuple[str, str]:
    namespace, _, name = event.pod.rpartition("/")
    return namespace or event.namespace, name


def apply_event(ws: Workspace, event: Event) -> None:
    """Change the run's copy of the cluster; unknown targets raise apiserver.NotFound."""
    if event.action in ("node-down", "node-up"):
        apiserver.set_ready(ws, "Node", "", event.node, event.action == "node-up")
    elif event.action in ("pod-not-ready", "pod-ready"):
        namespace, name = _pod_name(ws, event)
        apiserver.set_ready(ws, "Pod", namespace, name, event.action == "pod-ready")
    elif event.action == "scale":
        apiserver.scale(ws, event.namespace, event.deployment, event.replicas)
    else:
        service = ws.get("Service", event.namespace, event.service)
        if service is None:
            raise apiserver.not_found("Service", event.service)
        body = copy.deepcopy(service)
        body["metadata"].pop("resourceVersion", None)
        spec = body["spec"]
        if event.action == "set-session-affinity":
            spec["sessionAffinity"] = event.value
            spec.pop("sessionAffinityConfig", None)
            if event.value == "ClientIP":
                spec["sessionAffinityConfig"] = {
                    "clientIP": {"timeoutSeconds": event.timeout_seconds}
                }
        elif event.action == "set-external-traffic-policy":
            spec["externalTrafficPolicy"] = event.value
        else:
            spec["internalTrafficPolicy"] = event.value
        apiserver.replace(ws, "Service", event.namespace, event.service, body)
