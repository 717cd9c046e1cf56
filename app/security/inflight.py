"""Reads wait their turn so that writes never queue behind them (a read-only in-flight limit).

kube-apiserver keeps separate in-flight limits for read-only and for mutating requests
(k8s.io/apiserver/pkg/server/filters/maxinflight.go: --max-requests-inflight and
--max-mutating-requests-inflight), and exempts long-running requests (watches, streams) from
them. One svcscope process runs every request under one interpreter lock: fifty reads at once
made each write wait for its share of the CPU behind all of them. Here at most
SVCSCOPE_MAX_READS_INFLIGHT reads run at once per process; the others wait, costing nothing,
until one finishes (queued as API Priority and Fairness queues, not refused with 429), while
writes, watches and live pages pass straight through.
"""

from __future__ import annotations

import asyncio
import weakref
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from app.security.asgi import Middleware
from app.settings import get_settings

READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})
TRUE = frozenset({"1", "t", "y", "on", "yes", "true"})
"""What the list routes' `watch: bool` query accepts as true (pydantic, any case): the Python
client sends `watch=True`."""


def long_running(scope: Scope) -> bool:
    """Watches and event streams (upstream's longRunningRequestCheck: watch=true, /watch/)."""
    path: str = scope.get("path", "")
    if path.endswith("/live") or "/watch/" in path:
        return True
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return any(value.strip().lower() in TRUE for value in query.get("watch", []))


class ReadInFlightMiddleware(Middleware):
    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        found = self._slots.get(loop)
        if found is None:
            found = self._slots[loop] = asyncio.Semaphore(
                get_settings().SVCSCOPE_MAX_READS_INFLIGHT
            )
        return found

    def applies(self, scope: Scope) -> bool:
        return scope["method"] in READ_ONLY and not long_running(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with self._semaphore():
            await self.app(scope, receive, send)
