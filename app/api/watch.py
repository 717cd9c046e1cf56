"""`watch=true` on every /k8s list: newline-delimited {"type", "object"} events, as kube-apiserver.

Stored kinds (Services, Pods, Nodes, Deployments) replay the change feed after the requested
resourceVersion and then follow it (app/db/follower.py); the kinds the controllers derive
(Endpoints, EndpointSlices, Namespaces) are recomputed after each change to their cluster and
streamed as the difference. Upstream rules followed:
- resourceVersion unset or "0": synthetic ADDED for what matches now, then the changes
  (apiserver storage/cacher/watch_cache.go getAllEventsSinceLocked); N: the changes after N,
  or one ERROR event carrying a 410 Expired Status when N was compacted (cacher.go answers
  with an error watcher once the request is accepted, so the HTTP status stays 200).
- with a selector, a change that makes an object stop matching is a DELETED, one that makes it
  start matching an ADDED (storage/cacher/cache_watcher.go convertToWatchEvent).
- a watch lasts timeoutSeconds, or minRequestTimeout (1800 s) times a random factor in [1, 2)
  (apiserver/pkg/endpoints/handlers/get.go); BOOKMARKs carry only metadata.resourceVersion.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from sqlmodel import Session

from app.api import kube_read
from app.core.apiserver import tables
from app.core.apiserver.writes import BadRequest
from app.core.model import selectors
from app.core.model.workspace import Manifest
from app.db import feed, follower, repo
from app.db.session import get_engine
from app.db.tables import ClusterRow
from app.services import lists
from app.settings import get_settings

MIN_REQUEST_TIMEOUT = 1800.0


class Watch:
    """One watch request: what it selects and how its events are written."""

    def __init__(
        self,
        request: Request,
        row: ClusterRow,
        resource: str,
        namespace: str | None,
        label_selector: str | None,
        field_selector: str | None,
    ) -> None:
        assert row.id is not None
        self.cluster, self.cluster_id = row.name, row.id
        self.resource, self.namespace = resource, namespace
        self.kind = lists.STORED.get(resource)
        self.requirements = selectors.parse(label_selector or "")
        kube_read.check_field_selector(field_selector, resource)
        self.field_selector = field_selector
        self.table = kube_read.wants_table(request) and resource in tables.COLUMNS
        self.request = request

    def matches(self, obj: Manifest, labels: dict[str, str] | None = None) -> bool:
        meta = obj.get("metadata", {})
        if self.namespace is not None and meta.get("namespace", "") != self.namespace:
            return False
        if labels is None:
            labels = meta.get("labels", {})
        return selectors.matches(self.requirements, labels) and kube_read._field_matches(
            obj, self.field_selector, self.resource
        )

    def line(self, event_type: str, obj: Manifest, resource_version: int) -> bytes:
        obj = kube_read.present(self.resource, obj)
        if self.table:
            obj = tables.table(self.resource, [obj], str(resource_version))
        else:
            api_version, list_kind = lists.LIST_KINDS[self.resource]
            obj = {"apiVersion": api_version, "kind": list_kind.removesuffix("List"), **obj}
        return orjson.dumps({"type": event_type, "object": obj}) + b"\n"

    def bookmark(self, resource_version: int) -> bytes:
        api_version, list_kind = lists.LIST_KINDS[self.resource]
        obj = {
            "kind": list_kind.removesuffix("List"),
            "apiVersion": api_version,
            "metadata": {"resourceVersion": str(resource_version)},
        }
        return orjson.dumps({"type": "BOOKMARK", "object": obj}) + b"\n"

    def convert(self, event: feed.Event) -> bytes | None:
        """The event this watcher sees, if any (cache_watcher.go convertToWatchEvent)."""
        if event.kind != self.kind:
            return None
        now = event.type != feed.DELETED and self.matches(event.object)
        before = event.prev_labels is not None and self.matches(event.object, event.prev_labels)
        if now:
            return self.line(
                feed.MODIFIED if before else feed.ADDED, event.object, event.resource_version
            )
        if before:
            gone = {**event.object, "metadata": {**event.object["metadata"]}}
            gone["metadata"]["labels"] = event.prev_labels
            return self.line(feed.DELETED, gone, event.resource_version)
        return None


def expired_line(exc: feed.Expired) -> bytes:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": exc.message,
        "reason": "Expired",
        "code": 410,
    }
    return orjson.dumps({"type": "ERROR", "object": status}) + b"\n"


def _session(engine: Engine) -> Session:
    """A read whose statements all see one snapshot (SQLite's WAL reads always do)."""
    if engine.dialect.name == "postgresql":
        return Session(engine.execution_options(isolation_level="REPEATABLE READ"))
    return Session(engine)


def _current(engine: Engine, watch: Watch) -> tuple[int, list[Manifest]]:
    """The cluster's resourceVersion and the matching objects, read from one snapshot."""
    with _session(engine) as session:
        row = repo.get_cluster(session, watch.cluster)
        if row.id != watch.cluster_id:
            return row.resource_version, []
        version, items = lists.listing(session, row, watch.resource, watch.namespace)
        return version, [i for i in items if watch.matches(i)]


def _backlog(engine: Engine, cluster_id: int, after: int) -> list[feed.Event]:
    with Session(engine) as session:
        return feed.backlog(session, cluster_id, after)


def parse_version(value: str | None) -> int | None:
    """None for unset or "0" (start with the current state), else the number."""
    if value in (None, "", "0"):
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise BadRequest(
            f'resourceVersion: Invalid value: "{value}": must be a non-negative integer'
        )
    return number


def respond(
    watch: Watch, resource_version: str | None, bookmarks: bool, timeout_seconds: int | None
) -> StreamingResponse:
    start = parse_version(resource_version)
    timeout = (
        float(timeout_seconds)
        if timeout_seconds is not None and timeout_seconds > 0
        else MIN_REQUEST_TIMEOUT * (1 + random.random())
    )
    body = _events(watch, start, bookmarks, time.monotonic() + timeout)
    return StreamingResponse(body, media_type="application/json")


async def _events(
    watch: Watch, start: int | None, bookmarks: bool, deadline: float
) -> AsyncIterator[bytes]:
    engine = get_engine()
    sub = follower.follower(engine).subscribe(watch.cluster_id)
    try:
        stream = _stored if watch.kind is not None else _derived
        async for line in stream(engine, watch, sub, start, bookmarks, deadline):
            yield line
    finally:
        follower.follower(engine).unsubscribe(sub)


async def _next(
    sub: follower.Subscription, deadline: float, bookmarks: bool, tick: Callable[[], float]
) -> follower.Item | bool:
    """The next item, True when a BOOKMARK is due, False when the watch is over."""
    wait = deadline - time.monotonic()
    if bookmarks:
        wait = min(wait, tick())
    if wait <= 0:
        return time.monotonic() < deadline
    try:
        return await asyncio.wait_for(sub.queue.get(), wait)
    except TimeoutError:
        return time.monotonic() < deadline


def _ticker() -> Callable[[], float]:
    every = get_settings().SVCSCOPE_BOOKMARK_SECONDS
    due = [time.monotonic() + every]

    def tick() -> float:
        left = due[0] - time.monotonic()
        if left <= 0:
            due[0] = time.monotonic() + every
        return max(left, 0.0)

    return tick


async def _stored(
    engine: Engine,
    watch: Watch,
    sub: follower.Subscription,
    start: int | None,
    bookmarks: bool,
    deadline: float,
) -> AsyncIterator[bytes]:
    if start is None:
        begin, items = await asyncio.to_thread(_current, engine, watch)
        for obj in items:
            yield watch.line(feed.ADDED, obj, int(obj["metadata"].get("resourceVersion", begin)))
    else:
        begin = start
    try:
        backlog = await asyncio.to_thread(_backlog, engine, watch.cluster_id, begin)
    except feed.Expired as exc:
        yield expired_line(exc)
        return
    last = progress = begin
    tick = _ticker()
    pending: list[feed.Event] = backlog
    while True:
        for event in pending:
            if event.resource_version > last:
                last = event.resource_version
                line = watch.convert(event)
                if line is not None:
                    yield line
        pending = []
        item = await _next(sub, deadline, bookmarks, tick)
        if item is None or item is False:
            return
        if item is True:
            yield watch.bookmark(max(last, progress))
        elif isinstance(item, int):
            progress = max(progress, item)
        else:
            pending = item


def _key(obj: Manifest) -> tuple[str, str]:
    meta = obj.get("metadata", {})
    return meta.get("namespace", ""), meta["name"]


def _content(obj: Manifest) -> Any:
    meta = {k: v for k, v in obj.get("metadata", {}).items() if k != "resourceVersion"}
    return {**obj, "metadata": meta}


async def _derived(
    engine: Engine,
    watch: Watch,
    sub: follower.Subscription,
    start: int | None,
    bookmarks: bool,
    deadline: float,
) -> AsyncIterator[bytes]:
    """Endpoints, EndpointSlices, Namespaces: the controllers' output, diffed after each change."""
    version, items = await asyncio.to_thread(_current, engine, watch)
    if start is not None and start < version:
        # There is no history of derived objects to replay; the client lists again.
        yield expired_line(feed.Expired(start, version))
        return
    known = {_key(i): i for i in items}
    if start is None:
        for obj in items:
            yield watch.line(feed.ADDED, obj, version)
    tick = _ticker()
    while True:
        item = await _next(sub, deadline, bookmarks, tick)
        if item is None or item is False:
            return
        if item is True:
            yield watch.bookmark(version)
        elif isinstance(item, list) and item[-1].resource_version > version:
            version, items = await asyncio.to_thread(_current, engine, watch)
            now = {_key(i): i for i in items}
            for key, obj in now.items():
                old = known.get(key)
                if old is None or _content(old) != _content(obj):
                    yield watch.line(feed.ADDED if old is None else feed.MODIFIED, obj, version)
            for key in known.keys() - now.keys():
                gone = {**known[key], "metadata": {**known[key]["metadata"]}}
                gone["metadata"]["resourceVersion"] = str(version)
                yield watch.line(feed.DELETED, gone, version)
            known = now
