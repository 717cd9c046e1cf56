"""Guided scenarios: the classic teaching case, one step at a time, on a cluster of its own.

Each scenario runs on a dedicated demo cluster, `lesson-<name>` (frontend NodePort 30080 and web
LoadBalancer in front of 3 frontend pods, backend ClusterIP in front of 4 pods; see
app/core/apiserver/bootstrap.py). A step is a caption, the changes it makes to the cluster and
the request the room then sends. Steps are declarative so that any step opens directly: the
cluster is put back to the scenario's baseline and every change up to the step is applied, each
only where the object differs, through the same write path as every other change (one
transaction; the feed tells every viewer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from app.core.apiserver import writes as apiserver
from app.core.model.workspace import Workspace
from app.db import repo
from app.db.tables import ClusterRow
from app.services.clusters import create_cluster, update_cluster
from app.services.errors import refusals


@dataclass(frozen=True)
class Change:
    """One change a step makes: `what` is provider, service, replicas or node-ready."""

    what: str
    name: str = ""
    value: Any = None

    def describe(self) -> str:
        """The change as the kubectl command (or cluster setting) a learner would use."""
        if self.what == "provider":
            return f"cluster provider: {self.value}"
        if self.what == "replicas":
            return f"kubectl scale deployment {self.name} --replicas={self.value}"
        if self.what == "node-ready":
            return f"node {self.name} {'Ready' if self.value else 'NotReady'}"
        patch = ",".join(f'"{k}":"{v}"' for k, v in sorted(self.value.items()))
        return f"kubectl patch svc {self.name} -p '{{\"spec\":{{{patch}}}}}'"


@dataclass(frozen=True)
class Send:
    """The request a step sends: `source` is external, node:NAME or pod:app=LABEL (the first
    pod with that app label); `destination` may start with a node's IP: {node:NAME},
    {pod-node:app=LABEL} (the node of that first pod) or {pod-free-node:app=LABEL} (the first
    node running no such pod)."""

    destination: str
    source: str = "external"
    requests: int = 1


@dataclass(frozen=True)
class Step:
    caption: str
    send: Send
    changes: tuple[Change, ...] = ()
    predict: bool = False
    """Ask the room to click the pod they expect before the request goes."""
    subject: str = ""
    """The diagram id the step is about, kept in view (e.g. svc:default/backend)."""


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    steps: tuple[Step, ...]
    baseline: tuple[Change, ...] = field(default=())


BASELINE = (
    Change("provider", value="cloud"),
    Change("replicas", "frontend", 3),
    Change("replicas", "backend", 4),
    Change("service", "frontend", {"externalTrafficPolicy": "Cluster", "sessionAffinity": "None"}),
    Change("service", "web", {"externalTrafficPolicy": "Cluster", "sessionAffinity": "None"}),
    *(Change("node-ready", f"node-{i}", True) for i in (1, 2, 3)),
)
"""What every scenario starts from: the demo as created."""

FRONTEND_POD = "pod:app=frontend"
SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            "clusterip",
            "ClusterIP between frontend and backend",
            (
                Step(
                    "backend is a ClusterIP Service: one virtual IP in front of 4 pods. A frontend "
                    "pod calls it by name; kube-proxy on the frontend's node picks a backend pod.",
                    Send("backend.default:80", FRONTEND_POD),
                    subject="svc:default/backend",
                ),
                Step(
                    "Which backend pod answers next? Click the pod you expect, then send.",
                    Send("backend.default:80", FRONTEND_POD),
                    predict=True,
                    subject="svc:default/backend",
                ),
                Step(
                    "The same request from outside the cluster: a ClusterIP exists only in the "
                    "nodes' rules, so nothing outside routes it.",
                    Send("backend.default:80"),
                    subject="svc:default/backend",
                ),
                Step(
                    "From a node's own network it works again: kube-proxy's rules are on every "
                    "node.",
                    Send("backend.default:80", "node:node-1"),
                    subject="svc:default/backend",
                ),
            ),
        ),
        Scenario(
            "nodeport",
            "NodePort: three ports, and ANY node",
            (
                Step(
                    "frontend has three ports: port 80 on its ClusterIP, targetPort 8080 on the "
                    "pods, nodePort 30080 on every node. From outside, send to a node's IP:30080.",
                    Send("{node:node-1}:30080"),
                    subject="svc:default/frontend",
                ),
                Step(
                    "Scale frontend to one pod. The nodePort stays open on EVERY node: a request "
                    "to a node without it crosses to the node that runs the pod (and is SNATed on "
                    "the way).",
                    Send("{pod-free-node:app=frontend}:30080"),
                    (Change("replicas", "frontend", 1),),
                    subject="svc:default/frontend",
                ),
                Step(
                    "Which pod answers a request to node-2's nodePort? Click it, then send.",
                    Send("{node:node-2}:30080"),
                    predict=True,
                    subject="svc:default/frontend",
                ),
            ),
        ),
        Scenario(
            "loadbalancer",
            "LoadBalancer with and without a cloud provider",
            (
                Step(
                    "Without a load balancer provider, web's EXTERNAL-IP stays <pending>: nothing "
                    "carries traffic to it, but its nodePort works.",
                    Send("web.default:80"),
                    (Change("provider", value="none"),),
                    subject="svc:default/web",
                ),
                Step(
                    "With a cloud provider the Service gets an EXTERNAL-IP; the cloud load "
                    "balancer spreads connections over the healthy nodes.",
                    Send("web.default:80"),
                    (Change("provider", value="cloud"),),
                    subject="svc:default/web",
                ),
                Step(
                    "MetalLB in layer 2 mode: one elected speaker node answers ARP for the IP and "
                    "receives all of its traffic.",
                    Send("web.default:80"),
                    (Change("provider", value="metallb-l2"),),
                    subject="svc:default/web",
                ),
            ),
        ),
        Scenario(
            "affinity",
            "Session affinity",
            (
                Step(
                    "Five requests from ONE client, sessionAffinity None: each is a new choice.",
                    Send("frontend.default:80", "node:node-1", 5),
                    subject="svc:default/frontend",
                ),
                Step(
                    "sessionAffinity ClientIP: the first request picks a pod; the same client's "
                    "next ones are caught by the affinity rule and stay on it.",
                    Send("frontend.default:80", "node:node-1", 5),
                    (Change("service", "frontend", {"sessionAffinity": "ClientIP"}),),
                    subject="svc:default/frontend",
                ),
                Step(
                    "Which pod will this client land on now? Click it, then send.",
                    Send("frontend.default:80", "node:node-1", 2),
                    predict=True,
                    subject="svc:default/frontend",
                ),
            ),
        ),
        Scenario(
            "traffic-policy",
            "externalTrafficPolicy: Cluster vs Local",
            (
                Step(
                    "One frontend pod, policy Cluster: the nodePort of a node without it "
                    "forwards to the pod on another node, and SNAT hides the client's IP.",
                    Send("{pod-free-node:app=frontend}:30080"),
                    (Change("replicas", "frontend", 1),),
                    subject="svc:default/frontend",
                ),
                Step(
                    "Policy Local: a node without a local endpoint drops the packet.",
                    Send("{pod-free-node:app=frontend}:30080"),
                    (Change("service", "frontend", {"externalTrafficPolicy": "Local"}),),
                    subject="svc:default/frontend",
                ),
                Step(
                    "The node that runs the pod serves it, and the client's IP is kept.",
                    Send("{pod-node:app=frontend}:30080"),
                    subject="svc:default/frontend",
                ),
            ),
        ),
        Scenario(
            "node-failure",
            "A node failure",
            (
                Step(
                    "Three Ready nodes: the load balancer spreads web's traffic over all of them.",
                    Send("web.default:80", "external", 10),
                    subject="node:node-2",
                ),
                Step(
                    "node-2 goes NotReady: the load balancer's health check fails there and "
                    "traffic moves to the other nodes.",
                    Send("web.default:80", "external", 10),
                    (Change("node-ready", "node-2", False),),
                    subject="node:node-2",
                ),
                Step(
                    "node-2 is back: it takes traffic again.",
                    Send("web.default:80", "external", 10),
                    (Change("node-ready", "node-2", True),),
                    subject="node:node-2",
                ),
            ),
        ),
    )
}


def cluster_name(scenario: Scenario) -> str:
    return f"lesson-{scenario.name}"


def changes_up_to(scenario: Scenario, step: int) -> list[Change]:
    """Baseline, then every step's changes up to and including `step`."""
    out = [*BASELINE, *scenario.baseline]
    for s in scenario.steps[: step + 1]:
        out.extend(s.changes)
    return out


def _apply(ws: Workspace, change: Change) -> None:
    """One change, written only where the object differs (no event for a no-op)."""
    if change.what == "replicas":
        dep = ws.get("Deployment", "default", change.name)
        if dep is not None and dep["spec"].get("replicas") != change.value:
            apiserver.scale(ws, "default", change.name, int(change.value))
    elif change.what == "node-ready":
        node = ws.get("Node", "", change.name)
        conditions = (node or {}).get("status", {}).get("conditions", [])
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
        if node is not None and ready != bool(change.value):
            apiserver.set_ready(ws, "Node", "", change.name, bool(change.value))
    elif change.what == "service":
        svc = ws.get("Service", "default", change.name)
        if svc is None or all(svc["spec"].get(k) == v for k, v in change.value.items()):
            return
        spec = {**svc["spec"], **change.value}
        if spec.get("sessionAffinity") == "None":
            spec.pop("sessionAffinityConfig", None)
        apiserver.replace(ws, "Service", "default", change.name, {**svc, "spec": spec})


def open_step(*, session: Session, scenario: Scenario, step: int) -> str:
    """Create (or reuse) the scenario's cluster and bring it to `step`; answers its name."""
    name = cluster_name(scenario)
    if session.exec(select(ClusterRow).where(ClusterRow.name == name)).first() is None:
        create_cluster(session=session, body={"name": name, "nodes": 3, "provider": "cloud"},
                       template="demo")  # fmt: skip
    changes = changes_up_to(scenario, step)
    provider = next((c.value for c in reversed(changes) if c.what == "provider"), "cloud")
    if repo.config_of(repo.get_cluster(session, name)).provider != provider:
        update_cluster(session=session, cluster=name, body={"provider": provider})
    objects = [c for c in changes if c.what != "provider"]

    def change(ws: Workspace) -> None:
        for c in objects:
            _apply(ws, c)

    with refusals():
        repo.write(session, name, change)
    return name
