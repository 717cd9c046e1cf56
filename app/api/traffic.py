"""Simulator functions over traffic: one routed request, and what kube-proxy writes on a node."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import ClusterDep
from app.api.errors import READ_ERRORS, WRITE_ERRORS
from app.api.results import RoutedRequests, SimulationResult
from app.core.model.fielderrors import ValidationFailed, invalid
from app.core.network.routing import RouteError, Source
from app.core.simulation.events import parse_events
from app.core.simulation.simulate import MAX_REQUESTS, Spec
from app.db import snapshots
from app.db.session import ReadSession
from app.services import exports
from app.services.simulations import run_simulation
from app.services.traffic import proxy_rules, route_repeatedly

TEXT = "text/plain"
MAX_REPEATED = 100
router = APIRouter(prefix="/api/clusters/{cluster}", tags=["traffic"], responses=READ_ERRORS)


class SourceIn(BaseModel):
    """Where the request starts: an external client, a node's host network, or a pod."""

    model_config = ConfigDict(extra="forbid", strict=True)  # false is not a seed
    kind: Literal["external", "node", "pod"] = "external"
    ip: str = Field("203.0.113.7", max_length=64)
    name: str = Field("", max_length=253)
    namespace: str = Field("default", max_length=63)

    def to_core(self) -> Source:
        if self.kind == "node":
            return Source.node(self.name)
        if self.kind == "pod":
            return Source.pod(self.namespace, self.name)
        return Source.external(self.ip)


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # false is not a seed
    source: SourceIn = Field(default_factory=SourceIn)
    destination: str = Field(..., min_length=1, max_length=300, examples=["web.default:80"])
    seed: int = Field(0, ge=0, le=2**63 - 1)
    requests: int = Field(
        1, ge=1, le=MAX_REPEATED, description="new connections from the same client, in turn"
    )
    interval: float = Field(1.0, ge=0, le=86400, description="seconds between them")


def source_error(exc: RouteError, body: RouteIn | SimulateIn) -> ValidationFailed:
    """A route that cannot be described is answered 422 with the field at fault."""
    text = str(exc)
    field = (
        "source"
        if text.startswith(("no node", "no pod", "pod ", "unknown source"))
        else ("destination")
    )
    value: Any = body.destination if field == "destination" else body.source.model_dump()
    return ValidationFailed("Route", field, [invalid(field, value, text)])


class EventIn(BaseModel):
    """A change at a moment of simulated time (see app/core/simevents.py for the actions)."""

    model_config = ConfigDict(extra="forbid", strict=True)  # false is not a seed
    at: float = Field(..., ge=0, le=10**9)
    action: str = Field(..., max_length=40, examples=["node-down"])
    node: str = Field("", max_length=253)
    pod: str = Field("", max_length=317)
    deployment: str = Field("", max_length=253)
    service: str = Field("", max_length=63)
    namespace: str = Field("default", max_length=63)
    replicas: int = Field(0, ge=0, le=5000)
    value: str = Field("", max_length=16)
    timeoutSeconds: int = Field(10800, ge=1, le=86400)


class SimulateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # false is not a seed
    destination: str = Field(..., min_length=1, max_length=300, examples=["web.default:80"])
    requests: int = Field(10_000, ge=1, le=MAX_REQUESTS)
    clients: int = Field(50, ge=1, le=100_000)
    source: SourceIn = Field(default_factory=SourceIn)
    rate: float = Field(1000.0, ge=1e-3, le=1e9)  # slower: times past float precision
    seed: int = Field(0, ge=0, le=2**63 - 1)
    sample: int = Field(100, ge=0, le=1000)
    events: list[EventIn] = Field(default_factory=list, max_length=1000)
    engine: Literal["auto", "vector", "scalar"] = "auto"


# JSONResponse: floats print as json.dumps prints them (1e-05), as they always have.
@router.post(
    "/route",
    response_model=RoutedRequests,
    response_model_exclude_unset=True,  # one request answers as it always has
    response_class=JSONResponse,
    responses=WRITE_ERRORS,
)
def route_request(body: RouteIn, session: ReadSession, row: ClusterDep) -> dict[str, Any]:
    """Follow one request hop by hop: client, load balancer, node, Service, pod, and why.

    With `requests` > 1 the same client sends again (`interval` seconds apart), the nodes
    remembering in between; the first path answers at the top, the others in `repeated`.
    """
    state = snapshots.snapshot(session, row)[1]
    try:
        paths = route_repeatedly(state=state, source=body.source.to_core(),
                                 destination=body.destination, seed=body.seed,
                                 requests=body.requests, interval=body.interval)  # fmt: skip
    except RouteError as exc:
        raise source_error(exc, body) from None
    answer = paths[0].to_dict()
    if len(paths) > 1:
        answer["repeated"] = [p.to_dict() for p in paths[1:]]
    return answer


@router.post(
    "/simulate",
    response_model=SimulationResult,
    response_model_exclude_unset=True,  # a series point without by_pod stays without it
    response_class=JSONResponse,
    responses={
        **WRITE_ERRORS,
        200: {
            "description": "The result; with format=csv (or Accept: text/csv) one table",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
)
async def simulate_requests(
    body: SimulateIn,
    request: Request,
    session: ReadSession,
    row: ClusterDep,
    format: Literal["json", "csv"] | None = Query(
        None, description="a file to save: json (the result), or csv (one `table`)"
    ),
    table: Literal["series", "pods", "sample", "explanations"] = Query(
        "series", description="with format=csv: which table"
    ),
) -> Any:
    """Send many requests over simulated time, with events, and count where they went.

    Nothing is stored: events change a private copy of the cluster for this run only.
    `format` (or an Accept of text/csv) answers a file to save instead.
    """
    events = parse_events([e.model_dump(exclude_defaults=False) for e in body.events])
    spec = Spec(
        destination=body.destination,
        requests=body.requests,
        clients=body.clients,
        source=body.source.to_core(),
        rate=body.rate,
        seed=body.seed,
        sample=body.sample,
        events=tuple(events),
        engine=body.engine,
    )
    ws, state = await run_in_threadpool(snapshots.snapshot, session, row)
    try:
        result = await run_simulation(ws, spec, state, request.is_disconnected)
    except RouteError as exc:
        raise source_error(exc, body) from None
    if format is None and "text/csv" in request.headers.get("accept", ""):
        format = "csv"
    return result if format is None else export_response(row.name, result, format, table)


def export_response(cluster: str, result: dict[str, Any], format: str, table: str) -> Response:
    """The result as a file to save: JSON whole, or one CSV table."""
    if format == "csv":
        text, media = exports.to_csv(result, table), "text/csv; charset=utf-8"
    else:
        text, media = exports.to_json(result), "application/json"
    name = exports.file_name(cluster, result, table, format)
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(text, media_type=media, headers=disposition)


@router.get(
    "/nodes/{node}/proxy-rules",
    response_class=Response,  # errors stay JSON Status objects in the document
    responses={
        200: {
            "description": "Successful Response",
            "content": {TEXT: {"schema": {"type": "string"}}},
        }
    },
)
def read_proxy_rules(
    node: str,
    session: ReadSession,
    row: ClusterDep,
    mode: Literal["iptables", "ipvs", "nftables"] | None = Query(None),
) -> PlainTextResponse:
    """What kube-proxy writes on the node: iptables-save, `ipvsadm -Ln` or the nft ruleset."""
    state = snapshots.snapshot(session, row)[1]
    return PlainTextResponse(proxy_rules(state=state, node=node, mode=mode))
