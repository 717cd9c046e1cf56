"""Guided scenarios in the browser: /scenarios, a URL per step, and the presenter's strip.

`GET /scenarios/<name>?step=N` is a link an instructor can put on a slide. A GET never writes,
so that page carries a form that posts the step (the page's script submits it at once; without
script it is one click): the post brings the scenario's cluster to the step through the service
layer (app/services/scenarios.py) and redirects to the topology page in presenter mode with the
step's caption, changes and request (partials/presenter.html).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.core.apiserver.writes import ApiError
from app.core.model.objects import ClusterState
from app.db.session import WriteSession
from app.services import scenarios
from app.web.views import templates

router = APIRouter()


def _step_number(text: str, scenario: scenarios.Scenario) -> int | None:
    if not text.isdigit() or not 0 <= int(text) < len(scenario.steps):
        return None
    return int(text)


@router.get("/scenarios", response_class=HTMLResponse)
def list_scenarios(request: Request) -> Response:
    """The guided scenarios, each with a link to every step."""
    context = {"scenarios": list(scenarios.SCENARIOS.values()), "scenario": None}
    return templates.TemplateResponse(request, "pages/scenario.html", context)


@router.get("/scenarios/{name}", response_class=HTMLResponse)
def read_scenario(request: Request, name: str, step: str = "0") -> Response:
    """A step's link: the form that opens it (submitted at once by present.js)."""
    scenario = scenarios.SCENARIOS.get(name)
    context: dict[str, Any] = {"scenarios": list(scenarios.SCENARIOS.values()),
                               "scenario": scenario, "step": 0, "error": ""}  # fmt: skip
    if scenario is None:
        context["error"] = f"No scenario named {name!r}."
        return templates.TemplateResponse(request, "pages/scenario.html", context, 404)
    number = _step_number(step, scenario)
    if number is None:
        context["error"] = f"step: must be a whole number from 0 to {len(scenario.steps) - 1}"
    else:
        context["step"] = number
    return templates.TemplateResponse(request, "pages/scenario.html", context)


@router.post("/scenarios/{name}/open", response_class=HTMLResponse)
async def open_scenario_step(request: Request, session: WriteSession, name: str) -> Response:
    """Bring the scenario's cluster to the step, then show it in presenter mode."""
    scenario = scenarios.SCENARIOS.get(name)
    form = await request.form(max_files=0, max_fields=5)
    number = _step_number(str(form.get("step", "")), scenario) if scenario else None
    if scenario is None or number is None:
        return HTMLResponse("<p class='error'>No such scenario step.</p>", status_code=422)
    try:
        cluster = await run_in_threadpool(
            scenarios.open_step, session=session, scenario=scenario, step=number
        )
    except ApiError as exc:
        context = {"scenarios": list(scenarios.SCENARIOS.values()), "scenario": scenario,
                   "step": number, "error": exc.message}  # fmt: skip
        if request.headers.get("HX-Request") == "true":
            return HTMLResponse(f"<p class='error'>{escape(exc.message)}</p>")
        return templates.TemplateResponse(request, "pages/scenario.html", context, exc.code)
    query = urlencode({"present": "1", "scenario": name, "step": number})
    url = f"/clusters/{cluster}?{query}"
    if request.headers.get("HX-Request") == "true":  # the page's own post: htmx navigates
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _first_pod(state: ClusterState, selector: str) -> Any:
    key, _, value = selector.partition("=")
    pods = sorted((p for p in state.pods if p.labels.get(key) == value and p.pod_ip),
                  key=lambda p: p.name)  # fmt: skip
    return pods[0] if pods else None


def resolve_send(state: ClusterState, send: scenarios.Send) -> tuple[str, str]:
    """The step's (source, destination) with labels and node names turned into this cluster's
    pods and addresses, as the trace form takes them."""
    source = send.source
    if source.startswith("pod:app="):
        pod = _first_pod(state, source.removeprefix("pod:"))
        source = f"pod:{pod.key}" if pod is not None else "external"
    destination = send.destination
    if destination.startswith("{"):
        ref, _, port = destination[1:].partition("}")
        kind, _, what = ref.partition(":")
        node_name = what
        if kind == "pod-node":
            pod = _first_pod(state, what)
            node_name = pod.node_name if pod is not None else ""
        elif kind == "pod-free-node":
            key, _, value = what.partition("=")
            busy = {p.node_name for p in state.pods if p.labels.get(key) == value}
            node_name = next((n.name for n in sorted(state.nodes, key=lambda n: n.name)
                              if n.name not in busy), "")  # fmt: skip
        node = state.node(node_name)
        destination = f"{node.internal_ip if node else '0.0.0.0'}{port}"
    return source, destination


def presenter_context(request: Request, state: ClusterState) -> dict[str, Any]:
    """What partials/presenter.html needs: the mode, and the scenario step when one is open."""
    params = request.query_params
    context: dict[str, Any] = {"present": params.get("present") == "1", "scenario": None}
    scenario = scenarios.SCENARIOS.get(params.get("scenario", ""))
    number = _step_number(params.get("step", ""), scenario) if scenario else None
    if scenario is None or number is None:
        return context
    step = scenario.steps[number]
    source, destination = resolve_send(state, step.send)
    context.update(
        scenario=scenario,
        step=number,
        current=step,
        source=source,
        destination=destination,
        changes=[c.describe() for c in step.changes],
        previous=f"/scenarios/{scenario.name}?step={number - 1}" if number > 0 else "",
        next=f"/scenarios/{scenario.name}?step={number + 1}"
        if number + 1 < len(scenario.steps)
        else "",
    )
    return context
