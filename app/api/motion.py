"""The live traffic stream and the probability ladder the topology page animates (issue 11).

GET /api/clusters/{cluster}/traffic answers `text/event-stream`: one `request` event per
request, paced at `rate` requests a second, each routed against the cluster as the watch
cache holds it at that moment (so a node marked NotReady mid-run changes the next request),
then one `done` event with the totals. The same seed replays the same paths in the same
order (app/core/simulation/stream.py). A stream holds one of the server's simulation slots
(SVCSCOPE_MAX_SIMULATIONS) while it runs and ends when its client goes.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from app.api.deps import ClusterDep
from app.api.errors import READ_ERRORS
from app.core.model.fielderrors import ValidationFailed, invalid
from app.core.network.routing import RouteError, Source
from app.core.simulation.simulate import Spec
from app.core.simulation.stream import RUN_LENGTH, TrafficStream
from app.db import snapshots
from app.db.session import ReadSession
from app.services.simulations import Slot
from app.services.traffic import open_stream, probability_ladder, traffic_events
from app.settings import get_settings

router = APIRouter(prefix="/api/clusters/{cluster}", tags=["traffic"], responses=READ_ERRORS)
MAX_STREAM_SECONDS = 3600
"""A run lasts at most an hour of wall clock (requests / rate): a lesson, not a soak test."""
MAX_CLIENTS = 1000
EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {"description": "Server-sent events", "content": {"text/event-stream": {}}}
}


def parse_source(text: str) -> Source:
    """`external`, `external:IP`, `node:NAME` or `pod:NAMESPACE/NAME`."""
    kind, _, rest = text.partition(":")
    if kind == "external":
        return Source.external(rest) if rest else Source.external()
    if kind == "node" and rest:
        return Source.node(rest)
    if kind == "pod" and "/" in rest:
        namespace, _, name = rest.partition("/")
        if namespace and name:
            return Source.pod(namespace, name)
    why = "must be external, external:IP, node:NAME or pod:NAMESPACE/NAME"
    raise ValidationFailed("Traffic", "", [invalid("source", text, why)])


def _check_limits(requests: int, rate: float, start: int) -> None:
    limit = min(get_settings().SVCSCOPE_MAX_SCALAR_REQUESTS, RUN_LENGTH)
    if requests > limit:
        why = f"must be at most {limit}: each request is routed one by one"
        raise ValidationFailed("Traffic", "", [invalid("requests", requests, why)])
    if start >= requests:
        raise ValidationFailed("Traffic", "", [invalid(
            "start", start, f"must be less than requests ({requests})")])  # fmt: skip
    if (requests - start) / rate > MAX_STREAM_SECONDS:
        raise ValidationFailed("Traffic", "", [invalid(
            "rate", rate, f"must send the {requests - start} requests within "
            f"{MAX_STREAM_SECONDS} s: at least {(requests - start) / MAX_STREAM_SECONDS:g} "
            "requests a second")])  # fmt: skip


def _message(name: str, data: dict[str, Any] | None) -> bytes:
    if data is None:
        return b": heartbeat\n\n"
    return b"event: %s\ndata: %s\n\n" % (name.encode(), orjson.dumps(data))


class _Release:
    """Frees the stream's slot once, whichever ends first: the body or the response."""

    def __init__(self, slot: Slot) -> None:
        self.slot = slot
        self._lock, self._done = threading.Lock(), False

    def __call__(self) -> None:
        with self._lock:
            if not self._done:
                self._done = True
                self.slot.free()


@router.get("/traffic", response_class=StreamingResponse, responses=EVENT_STREAM)
async def stream_traffic(
    session: ReadSession,
    row: ClusterDep,
    destination: str = Query(..., min_length=1, max_length=300, examples=["web.default:80"]),
    requests: int = Query(100, ge=1, le=10_000_000),
    clients: int = Query(5, ge=1, le=MAX_CLIENTS),
    rate: float = Query(20.0, ge=0.01, le=1000.0),
    seed: int = Query(0, ge=0, le=2**63 - 1),
    source: str = Query("external", max_length=330),
    start: int = Query(0, ge=0, le=10_000_000),
) -> StreamingResponse:
    """Requests as server-sent events: one `request` (its path) each, paced at `rate`, then
    `done` with the totals. `start` resumes a run: the requests before it are routed unseen,
    so ClientIP affinity and IPVS round robin remember them."""
    _check_limits(requests, rate, start)
    spec = Spec(destination=destination, requests=requests, clients=clients,
                source=parse_source(source), rate=rate, seed=seed)  # fmt: skip
    state = (await run_in_threadpool(snapshots.snapshot, session, row))[1]
    slot = Slot()
    await run_in_threadpool(slot.take)
    release = _Release(slot)
    try:
        stream = await run_in_threadpool(open_stream, spec, start, state)
    except RouteError as exc:
        release()
        field = "source" if str(exc).startswith(("no node", "no pod", "pod ")) else "destination"
        value = source if field == "source" else destination
        raise ValidationFailed("Traffic", "", [invalid(field, value, str(exc))]) from None
    except BaseException:
        release()
        raise
    body = _body(row.name, stream, start, release)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers,
                             background=BackgroundTask(release))  # fmt: skip


async def _body(
    cluster: str, stream: TrafficStream, start: int, release: _Release
) -> AsyncIterator[bytes]:
    try:
        async for name, data in traffic_events(cluster=cluster, stream=stream, start=start):
            yield _message(name, data)
            if release.slot.due():  # a held slot goes stale unless renewed (app/db/limits.py)
                await run_in_threadpool(release.slot.renew)
    finally:
        release()


@router.get("/nodes/{node}/ladder")
def read_ladder(
    node: str,
    session: ReadSession,
    row: ClusterDep,
    chain: str = Query(..., min_length=1, max_length=400, examples=["KUBE-SVC-…"]),
) -> dict[str, Any]:
    """The probability ladder of one Service chain on the node: its endpoint rules in order,
    each with its chance, read off the rules kube-proxy writes (iptables, nftables or IPVS)."""
    state = snapshots.snapshot(session, row)[1]
    return probability_ladder(state=state, node=node, chain=chain)
