"""Reads wait their turn so that writes never queue behind them (a read-only in-flight limit).

kube-apiserver keeps separate in-flight limits for read-only and for mutating requests
(k8s.io/apiserver/pkg/server/filters/maxinflight.go: --max-requests-inflight and
--max-mutating-requests-inflight), and exempts long-running requests (watches, streams) from
them. One svcscope process runs every request under one interpreter lock: fifty reads at once
made each write wait for its share of the CPU behind all of them. Here at most
SVCSCOPE_MAX_READS_INFLIGHT reads run at once per process; the others wait, costing nothing,
until one finishes (queued as API Priority and Fairness queues, not refused with 429), while
writes, watches and live pages pass straight through.

While a write runs, fewer reads start (SVCSCOPE_MAX_READS_INFLIGHT_WHILE_WRITING, 1 by default):
the write holds the database's write lock, and every read running beside it takes a share of
the interpreter lock from it, so each read let in multiplied the lock's hold time for every
write queued behind it. Measured with tests/load/writers_readers.py (20 writers, 50 readers,
same machine, side by side): 6 reads beside writes gave write p50 314–403 ms, 1 gave 90–115 ms.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from functools import partial
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from app.security.asgi import Middleware
from app.settings import get_settings

READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})
TRUE = frozenset({"1", "t", "y", "on", "yes", "true"})
"""What the list routes' `watch: bool` query accepts as true (pydantic, any case): the Python
client sends `watch=True`."""


def long_running(scope: Scope) -> bool:
    """Watches and event streams (upstream's longRunningRequestCheck: watch=true, /watch/):
    the live pages and the traffic stream run as long as their client listens, so counted as
    reads they would hold a slot each for minutes."""
    path: str = scope.get("path", "")
    if path.endswith(("/live", "/traffic")) or "/watch/" in path:
        return True
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    watch = query.get("watch", [])  # the first one counts (app/api/kube_query.py)
    return bool(watch) and watch[0].strip().lower() in TRUE


class Gate:
    """One event loop's reads and writes in flight: a read starts when there is room for it,
    less room while any write runs. Everything happens on the loop's thread, so the counters
    need no lock; the condition only wakes the reads waiting."""

    def __init__(self, idle: int, writing: int) -> None:
        self.idle, self.writing = idle, min(idle, writing)
        self.reads = self.writes = 0
        self.changed = asyncio.Condition()

    def _room(self) -> bool:
        return self.reads < (self.writing if self.writes else self.idle)

    async def read(self, run: Callable[[], Awaitable[None]]) -> None:
        async with self.changed:
            await self.changed.wait_for(self._room)
            self.reads += 1
        try:
            await run()
        finally:
            self.reads -= 1
            await self._wake()

    async def write(self, run: Callable[[], Awaitable[None]]) -> None:
        self.writes += 1
        try:
            await run()
        finally:
            self.writes -= 1
            await self._wake()

    async def _wake(self) -> None:
        async with self.changed:
            self.changed.notify_all()


class ReadInFlightMiddleware(Middleware):
    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Gate] = (
            weakref.WeakKeyDictionary()
        )

    def _gate(self) -> Gate:
        loop = asyncio.get_running_loop()
        found = self._gates.get(loop)
        if found is None:
            settings = get_settings()
            found = self._gates[loop] = Gate(
                settings.SVCSCOPE_MAX_READS_INFLIGHT,
                settings.SVCSCOPE_MAX_READS_INFLIGHT_WHILE_WRITING,
            )
        return found

    def applies(self, scope: Scope) -> bool:
        return not long_running(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        gate, run = self._gate(), partial(self.app, scope, receive, send)
        if scope["method"] in READ_ONLY:
            await gate.read(run)
        else:
            await gate.write(run)
