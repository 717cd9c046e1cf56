"""The side panel: what a clicked Service, node, pod, port or load balancer is, and how traffic
through it goes — its YAML, its endpoints, kube-proxy's rules on a node, and a traced request.

Everything shown comes from core functions (endpoint slices, proxy rules, route()); the panel
only chooses and formats.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import yaml
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape
from sqlmodel import Session

from app.core.controllers import endpointslices as endpoints
from app.core.diagram.groups import natural_key
from app.core.diagram.trace import path_ids
from app.core.kubeproxy import endpointcache, ruleslice
from app.core.kubeproxy import rules as proxyrules
from app.core.kubeproxy.plan import is_proxied
from app.core.model.objects import ClusterState, Service
from app.core.model.workspace import Workspace
from app.core.network.routing import RouteError, Source
from app.db import repo, snapshots
from app.db.repo import ClusterNotFound
from app.db.session import ReadSession
from app.db.tables import ClusterRow
from app.services.traffic import route_repeatedly
from app.web.views import templates

router = APIRouter(prefix="/clusters/{cluster}")
MAX_SOURCES = 200
MAX_TRACE_REQUESTS = 20
RULES_INLINE_MAX = 400
"""Service ports above which a node's rules are linked, not rendered (10,000 Services take
minutes to render, and only a slice of them would be shown)."""


class Loaded(NamedTuple):
    """A cluster row with a read-only snapshot: its objects and their typed state."""

    row: ClusterRow
    ws: Workspace
    state: ClusterState


def load(session: Session, cluster: str) -> Loaded | None:
    """The cluster as of now (None: no such cluster); never modify what it returns."""
    try:
        row = repo.get_cluster(session, cluster)
    except ClusterNotFound:
        return None
    return Loaded(row, *snapshots.snapshot(session, row))


def to_yaml(obj: Any) -> str:
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, allow_unicode=True)


def to_yaml_all(docs: list[Any]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False, allow_unicode=True)


def _destinations(state: ClusterState, svc: Service) -> list[tuple[str, str]]:
    """(source, destination) pairs worth tracing for a Service, most external first."""
    found: list[tuple[str, str]] = []
    port = svc.ports[0] if svc.ports else None
    if port is None or svc.type == "ExternalName":
        return found
    for ip in svc.load_balancer_ingress:
        found.append(("external", f"{ip}:{port.port}"))
    ready_nodes = sorted(
        (n for n in state.nodes if n.internal_ip), key=lambda n: natural_key(n.name)
    )
    if port.node_port and ready_nodes:
        found.append(("external", f"{ready_nodes[0].internal_ip}:{port.node_port}"))
    pods = [p for p in state.pods if p.pod_ip and p.node_name]
    client = f"pod:{pods[0].key}" if pods else "external"
    suffix = "" if port.protocol == "TCP" else f"/{port.protocol.lower()}"
    found.append((client, f"{svc.name}.{svc.namespace}:{port.port}{suffix}"))
    return found


def sources(state: ClusterState) -> list[tuple[str, str]]:
    nodes = [(f"node:{n.name}", f"node {n.name}") for n in state.nodes][:MAX_SOURCES]
    pods = [(f"pod:{p.key}", f"pod {p.key}") for p in state.pods if p.pod_ip][:MAX_SOURCES]
    return [("external", "an external client (203.0.113.7)"), *nodes, *pods]


def _default_destination(state: ClusterState) -> str:
    for svc in state.services:
        if svc.ports and not svc.namespace.startswith("kube-") and svc.name != "kubernetes":
            return f"{svc.name}.{svc.namespace}:{svc.ports[0].port}"
    return "kube-dns.kube-system:53"


def _rules(state: ClusterState, node: str, svc: Service | None) -> str | None:
    """The node's rules (only `svc`'s lines when given); None when the node's whole rule set
    is too big to render for a panel — it is still one click away as text."""
    ports = sum(len(s.ports) for s in state.services if is_proxied(s))
    if ports > RULES_INLINE_MAX:
        return None
    text = proxyrules.rules(state, node)
    if svc is None:
        return text
    return ruleslice.service_rules(text, svc, ipvs=state.config.proxy_mode == "ipvs")


def _service_details(state: ClusterState, svc: Service) -> dict[str, Any]:
    picked = endpoints.selected_pods(state, svc)
    near: list[Any] = []
    if svc.selector and not picked:
        # "Which pods does this selector pick?" — none; show who almost matches.
        near = [
            p
            for p in state.pods
            if p.namespace == svc.namespace
            and any(p.labels.get(k) == v for k, v in svc.selector.items())
        ][:20]
    slices = [
        *endpoints.endpoint_slices(state, svc),
        *endpointcache.user_slices(state).get((svc.namespace, svc.name), []),
    ]
    return {
        "service": svc,
        "picked": picked,
        "near": near,
        "slices": slices,
        "proxy_endpoints": endpointcache.proxy_endpoints(state, svc),
        "traces": _destinations(state, svc),
    }


def _deployment_details(ws: Workspace, state: ClusterState, ref: str) -> dict[str, Any]:
    """A Deployment: its replicas, the pods its selector owns, and the scale control."""
    namespace, _, name = ref.partition("/")
    manifest = ws.get("Deployment", namespace, name)
    if manifest is None:
        return {}
    match = manifest["spec"].get("selector", {}).get("matchLabels", {}).items()
    pods = sorted(
        (p for p in state.pods if p.namespace == namespace and match <= p.labels.items()),
        key=lambda p: natural_key(p.name),
    )
    return {"found": True, "deployment": manifest, "pods": pods, "yaml": to_yaml(manifest)}


def panel_context(ws: Workspace, state: ClusterState, cluster: str, sel: str) -> dict[str, Any]:
    """What the panel shows for a diagram id (see app/core/layoutmodel.py)."""
    kind, _, ref = sel.partition(":")
    nodes = sorted((n.name for n in state.nodes), key=natural_key)
    context: dict[str, Any] = {
        "cluster": cluster,
        "sel": sel,
        "kind": kind,
        "nodes": nodes,
        "sources": sources(state),
        "mode": state.config.proxy_mode,
        "found": False,
    }
    svc: Service | None = None
    if kind in ("svc", "lb"):
        namespace, _, name = ref.partition("/")
        svc = state.service(namespace, name)
        manifest = ws.get("Service", namespace, name)
        if svc is not None and manifest is not None:
            context.update(_service_details(state, svc), found=True, yaml=to_yaml(manifest))
    elif kind == "np":
        node_name, _, port = ref.rpartition(":")
        number = int(port.split("/")[0]) if port.split("/")[0].isdigit() else -1
        svc = next((s for s in state.services for p in s.ports if p.node_port == number), None)
        node = state.node(node_name)
        if svc is not None and node is not None:
            context.update(_service_details(state, svc), found=True, node=node)
            context["traces"] = [("external", f"{node.internal_ip}:{number}")]
            context["rules_node"] = node.name
    elif kind == "node":
        node = state.node(ref)
        manifest = ws.get("Node", "", ref)
        if node is not None and manifest is not None:
            on_node = sorted((p for p in state.pods if p.node_name == ref), key=lambda p: p.key)
            context.update(found=True, node=node, yaml=to_yaml(manifest), pods=on_node)
            context["traces"] = [(f"node:{ref}", _default_destination(state))]
            context["rules_node"] = ref
    elif kind == "pod":
        namespace, _, name = ref.partition("/")
        manifest = ws.get("Pod", namespace, name)
        pod = next((p for p in state.pods if p.namespace == namespace and p.name == name), None)
        if pod is not None and manifest is not None:
            owners = [
                d for d in ws.items("Deployment", namespace)
                if d["spec"].get("selector", {}).get("matchLabels", {}).items()
                <= pod.labels.items()
            ]  # fmt: skip
            # Only a Service whose selector pairs are all among the pod's labels can pick it;
            # selected_pods (the controller's own rule) decides among those few.
            candidates = [
                s for s in state.services
                if s.namespace == pod.namespace and s.selector
                and s.selector.items() <= pod.labels.items()
            ]  # fmt: skip
            backing = [s for s in candidates if pod in endpoints.selected_pods(state, s)]
            context.update(found=True, pod=pod, yaml=to_yaml(manifest), owners=owners)
            context["backing"] = backing
            context["traces"] = [(f"pod:{pod.key}", _default_destination(state))]
    elif kind == "deploy":
        context.update(_deployment_details(ws, state, ref))
    if nodes:
        context.setdefault("rules_node", nodes[0])
        context["rules"] = _rules(state, context["rules_node"], svc)
    context["rules_service"] = svc.key if svc else ""
    return context


def _gone() -> Response:
    """A partial asked for after its cluster was deleted (another tab, another presenter)."""
    return HTMLResponse("<p class='error'>This cluster no longer exists.</p>", 404)


@router.get("/panel", response_class=HTMLResponse)
def read_panel(
    request: Request,
    session: ReadSession,
    cluster: str,
    sel: str = Query("", max_length=400),
    owner: str = Query("", max_length=400),
) -> Response:
    """The side panel for one diagram element; `owner` (a pod's Deployment) stands in for a
    pod that is gone, as after a scale-down removed the selected pod."""
    loaded = load(session, cluster)
    if loaded is None:
        return _gone()
    context = panel_context(loaded.ws, loaded.state, cluster, sel)
    if not context["found"] and owner.startswith("deploy:"):
        context = panel_context(loaded.ws, loaded.state, cluster, owner) | {"gone": sel}
    return templates.TemplateResponse(request, "partials/panel.html", {"panel": context})


@router.get("/rules", response_class=HTMLResponse)
def read_rules(
    request: Request,
    session: ReadSession,
    cluster: str,
    node: str = Query("", max_length=253),
    service: str = Query("", max_length=300),
) -> Response:
    """kube-proxy's rules on one node (only the lines for `service`, when given)."""
    loaded = load(session, cluster)
    if loaded is None:
        return _gone()
    state = loaded.state
    if state.node(node) is None:
        return HTMLResponse(f"<p class='error'>No node named “{escape(node)}”.</p>")
    namespace, _, name = service.partition("/")
    svc = state.service(namespace, name) if service else None
    text = _rules(state, node, svc)
    context = {"rules": text, "mode": state.config.proxy_mode, "cluster": cluster, "node": node}
    return templates.TemplateResponse(request, "partials/rules.html", context)


def _source(text: str) -> Source:
    kind, _, ref = text.partition(":")
    if kind == "node":
        return Source.node(ref)
    if kind == "pod":
        namespace, _, name = ref.partition("/")
        return Source.pod(namespace, name)
    return Source.external(ref) if ref else Source.external()


@router.get("/trace", response_class=HTMLResponse)
def read_trace(
    request: Request,
    session: ReadSession,
    cluster: str,
    source: str = Query("external", max_length=400),
    destination: str = Query("", max_length=300),
    seed: str = Query("0", max_length=20),
    requests: str = Query("1", max_length=4),
) -> Response:
    """One request routed hop by hop, each hop with the reason for its decision; with
    `requests` > 1 the same client sends again and the nodes remember (affinity)."""
    loaded = load(session, cluster)
    if loaded is None:
        return _gone()
    state = loaded.state
    context: dict[str, Any] = {"destination": destination, "seed": seed}
    if not seed.isdigit():
        context["error"] = f"seed: must be a whole number, not {seed!r}"
    elif not requests.isdigit() or not 1 <= int(requests) <= MAX_TRACE_REQUESTS:
        context["error"] = f"requests: must be a whole number from 1 to {MAX_TRACE_REQUESTS}"
    elif not destination.strip():
        context["error"] = "destination: required, e.g. web.default:80 or 192.168.49.3:30080"
    else:
        try:
            path, *repeated = route_repeatedly(
                state=state, source=_source(source), destination=destination,
                seed=int(seed), requests=int(requests), interval=1.0,
            )  # fmt: skip
        except RouteError as exc:
            context["error"] = str(exc)
        else:
            context.update(path=path, repeated=repeated, ids=path_ids(path, state))
    return templates.TemplateResponse(request, "partials/trace.html", context)
