"""The topology page's "Simulate" panel: run the simulator from a form and chart the result.

The form posts here (HTMX, with the page's CSRF header); the run is the same core call as
`POST /api/clusters/{c}/simulate`, and the answer is the panel's result fragment: problems as
messages next to their fields, or the totals and the plotly charts (app/web/charts.py).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.core.apiserver.writes import ApiError
from app.core.model.fielderrors import ValidationFailed
from app.core.model.workspace import Workspace
from app.core.network.routing import RouteError, Source
from app.core.simulation.events import parse_events
from app.core.simulation.simulate import Spec
from app.db.session import ReadSession
from app.services.simulations import run_simulation
from app.web import charts, panel
from app.web.views import templates

router = APIRouter()
MAX_PAGE_REQUESTS = 1_000_000
"""The page's limit: a run should answer within seconds (the API allows more)."""
EVENT_ACTIONS = ("node-down", "node-up")
FIELDS = ("destination", "requests", "seed", "event", "at", "node")


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
    spec = Spec(
        destination=values["destination"],
        requests=requests,
        source=Source.external("203.0.113.7"),
        seed=seed,
        sample=0,
        events=tuple(events),
    )
    return spec, {}


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
    spec, errors = parse_form(values)
    if spec is not None:
        try:
            result = await run_simulation(ws, spec, state, request.is_disconnected)
        except RouteError as exc:
            errors = {"destination": str(exc)}
        except ValidationFailed as exc:
            errors = {"event": "; ".join(e.body for e in exc.errors)}
        except ApiError as exc:
            errors = {"destination": exc.message}
        else:
            context["result"] = result
            context["figures"] = await run_in_threadpool(charts.figures, result)
            context["chart_templates"] = charts.theme_templates()
    context["errors"] = errors
    return templates.TemplateResponse(request, "partials/simulate_result.html", context)
