"""The topology page's "Simulate" panel: run the simulator from a form and chart the result.

The form posts here (HTMX, with the page's CSRF header); the run is the same core call as
`POST /api/clusters/{c}/simulate`, and the answer is the panel's result fragment: problems as
messages next to their fields, or the totals and the plotly charts (app/web/charts.py).
"""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.core.apiserver.writes import ApiError
from app.core.model.fielderrors import ValidationFailed
from app.core.model.workspace import Workspace
from app.core.network.routing import RouteError, Source
from app.core.simulation.events import parse_events
from app.core.simulation.simulate import Spec
from app.db.session import ReadSession
from app.services import exports
from app.services.simulations import run_simulation
from app.web import charts, panel
from app.web.views import templates

router = APIRouter()
MAX_PAGE_REQUESTS = 1_000_000
"""The page's limit: a run should answer within seconds (the API allows more)."""
EVENT_ACTIONS = ("node-down", "node-up")
FIELDS = ("destination", "requests", "seed", "event", "at", "node", "source", "clients", "same")
MAX_PAGE_CLIENTS = 10_000
SAMPLE = 100
"""Requests kept whole for the replay and the sampled-paths file."""


def destinations(ws: Workspace) -> list[str]:
    """`name.namespace:port` for every Service port, as the simulator's destination reads it."""
    found = []
    for svc in ws.items("Service"):
        meta = svc.get("metadata", {})
        for port in svc.get("spec", {}).get("ports", []) or []:
            found.append(f"{meta.get('name')}.{meta.get('namespace')}:{port.get('port')}")
    return sorted(found)[:500]


def _number(text: str, low: int, high: int, errors: dict[str, str], field: str) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        errors[field] = f"must be a whole number from {low:,} to {high:,}"
        return low
    return int(text)


def parse_form(values: dict[str, str]) -> tuple[Spec | None, dict[str, str]]:
    """The form as a simulation Spec, or the message for each field at fault."""
    errors: dict[str, str] = {}
    if not values["destination"]:
        errors["destination"] = "pick a Service port, e.g. web.default:80"
    requests = _number(values["requests"], 1, MAX_PAGE_REQUESTS, errors, "requests")
    seed = _number(values["seed"] or "0", 0, 2**63 - 1, errors, "seed")
    clients = _number(values["clients"] or "50", 1, MAX_PAGE_CLIENTS, errors, "clients")
    source = parse_source(values["source"] or "external")
    if source is None:
        errors["source"] = "pick outside, a node (node:NAME) or a pod (pod:NAMESPACE/NAME)"
    raw_events: list[dict[str, Any]] = []
    if values["event"]:
        if values["event"] not in EVENT_ACTIONS:
            errors["event"] = f"supported: {', '.join(EVENT_ACTIONS)}"
        try:
            at = float(values["at"])
        except ValueError:
            at = -1.0
        if not math.isfinite(at) or not 0 <= at <= 1e9:
            errors["at"] = "must be a number of simulated seconds >= 0"
        if not values["node"]:
            errors["node"] = "pick the node"
        raw_events.append({"at": at, "action": values["event"], "node": values["node"]})
    if errors:
        return None, errors
    try:
        events = parse_events(raw_events)
    except ValidationFailed as exc:
        return None, {"event": "; ".join(e.body for e in exc.errors)}
    assert source is not None
    spec = Spec(
        destination=values["destination"],
        requests=requests,
        clients=1 if values["same"] else clients,
        source=source,
        seed=seed,
        sample=SAMPLE,
        events=tuple(events),
    )
    return spec, {}


def parse_source(text: str) -> Source | None:
    """ "external", "node:NAME" or "pod:NAMESPACE/NAME" (the trace form's values)."""
    kind, _, ref = text.partition(":")
    if kind == "external" and not ref:
        return Source.external("203.0.113.7")
    if kind == "node" and ref:
        return Source.node(ref)
    namespace, _, name = ref.partition("/")
    if kind == "pod" and namespace and name:
        return Source.pod(namespace, name)
    return None


async def run_form(
    request: Request, ws: Workspace, state: Any, values: dict[str, str]
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The form's run: its result, or the message for each field at fault."""
    spec, errors = parse_form(values)
    if spec is None:
        return None, errors
    try:
        return await run_simulation(ws, spec, state, request.is_disconnected), {}
    except RouteError as exc:
        text = str(exc)
        return None, {"source" if text.startswith(SOURCE_ERRORS) else "destination": text}
    except ValidationFailed as exc:
        return None, {"event": "; ".join(e.body for e in exc.errors)}
    except ApiError as exc:
        return None, {"destination": exc.message}


SOURCE_ERRORS = ("no node", "no pod", "pod ", "unknown source")


@router.post("/clusters/{cluster}/simulate", response_class=HTMLResponse)
async def simulate_panel(request: Request, session: ReadSession, cluster: str) -> Response:
    """Run a simulation from the panel's form; answer the result fragment."""
    form = await request.form(max_files=0, max_fields=20)
    values = {k: str(form.get(k, "")).strip()[:300] for k in FIELDS}
    context: dict[str, Any] = {"values": values, "errors": {}, "figures": [], "result": None}
    loaded = panel.load(session, cluster)
    if loaded is None:
        context["errors"] = {"destination": f'cluster "{cluster}" not found'}
        return templates.TemplateResponse(request, "partials/simulate_result.html", context)
    _, ws, state = loaded
    result, errors = await run_form(request, ws, state, values)
    if result is not None:
        context["result"] = result
        context["cluster"] = cluster
        context["figures"] = await run_in_threadpool(charts.figures, result)
        context["chart_templates"] = charts.theme_templates()
        context["replay"] = json.dumps(replay_frames(result))
        context["export_query"] = urlencode(values)
    context["errors"] = errors
    return templates.TemplateResponse(request, "partials/simulate_result.html", context)


def replay_frames(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The sampled requests, small: what the replay slider steps through, by request index."""
    frames = []
    for s in result["sample"]:
        pod = s.get("pod") or {}
        frames.append({"request": s["request"], "t": s["t"], "client": s["client"],
                       "outcome": s["outcome"], "pod": pod.get("name", ""),
                       "node": pod.get("node", ""),
                       "hops": [f"{h['kind']} {h['name']}" for h in s["hops"]],
                       "reason": s["reason"], "instead": s.get("instead") or ""})  # fmt: skip
    return frames


@router.get("/clusters/{cluster}/simulate/export")
async def export_simulation(
    request: Request,
    session: ReadSession,
    cluster: str,
    format: Literal["json", "csv"] = Query("json"),
    table: Literal["series", "pods", "sample", "explanations"] = Query("series"),
) -> Response:
    """The panel's run again (same seed, same numbers) as a file to save: a plain link, since
    a simulation changes nothing."""
    values = {k: str(request.query_params.get(k, "")).strip()[:300] for k in FIELDS}
    loaded = panel.load(session, cluster)
    if loaded is None:
        return HTMLResponse(f"cluster {escape(cluster)!r} not found", status_code=404)
    _, ws, state = loaded
    result, errors = await run_form(request, ws, state, values)
    if result is None:
        text = "; ".join(f"{field}: {message}" for field, message in errors.items())
        return HTMLResponse(escape(text), status_code=422)
    body = exports.to_csv(result, table) if format == "csv" else exports.to_json(result)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    name = exports.file_name(cluster, result, table, format)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media, headers=headers)
