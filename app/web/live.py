"""Live pages: GET /clusters/{cluster}/live streams the cluster's changes as server-sent events.

Fed by the same follower as the /k8s watches (app/db/follower.py), so a write by anyone, through
any worker (kubectl, the API, another browser), reaches every open page. The page's small script
(static/js/live.js) turns each event into the `service-changed` event its widgets already
refresh on (HX-Trigger, STYLE.md), so what is redrawn keeps the user's view and selection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Header, Query
from fastapi.responses import Response, StreamingResponse

from app.db import feed, follower, repo
from app.db.session import ReadSession, get_engine

router = APIRouter(tags=["pages"], include_in_schema=False)
HEARTBEAT_SECONDS = 15.0
"""A comment line now and then: proxies drop idle streams, and it finds closed pages."""
RETRY_MS = 2000


def message(resource_version: int, events: list[feed.Event]) -> bytes:
    kinds = sorted({e.kind for e in events})
    data = orjson.dumps({"resourceVersion": str(resource_version), "kinds": kinds})
    return b"id: %d\nevent: change\ndata: %s\n\n" % (resource_version, data)


@router.get("/clusters/{cluster}/live")
def live_changes(
    session: ReadSession,
    cluster: str,
    since: int | None = Query(None, ge=0),
    last_event_id: str | None = Header(None),
) -> Response:
    """The cluster's changes as `text/event-stream`, one event per committed write."""
    try:
        row = repo.get_cluster(session, cluster)
    except repo.ClusterNotFound:
        return Response(status_code=404)
    assert row.id is not None
    seen = since
    if last_event_id and last_event_id.isdigit():  # the browser reconnecting
        seen = int(last_event_id)
    stale = seen is not None and seen < row.resource_version
    body = _stream(row.id, row.resource_version if stale else None)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)


async def _stream(cluster_id: int, changed_at: int | None) -> AsyncIterator[bytes]:
    source = follower.follower(get_engine())
    sub = source.subscribe(cluster_id)
    try:
        yield b"retry: %d\n\n" % RETRY_MS
        if changed_at is not None:  # a change landed between the page's render and now
            yield message(changed_at, [])
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                yield b": heartbeat\n\n"
                continue
            if item is None:
                return
            if isinstance(item, list) and item:
                yield message(item[-1].resource_version, item)
    finally:
        source.unsubscribe(sub)
