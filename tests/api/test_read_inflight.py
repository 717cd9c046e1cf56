"""Reads wait for a free slot; writes, watches and live pages never wait behind them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.security.inflight import ReadInFlightMiddleware, long_running
from app.settings import get_settings


def scope(method: str, path: str, query: bytes = b"") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "query_string": query}


def test_watches_and_live_pages_are_long_running() -> None:
    assert long_running(scope("GET", "/k8s/demo/api/v1/services", b"watch=true"))
    assert long_running(scope("GET", "/k8s/demo/api/v1/pods", b"labelSelector=a&watch=1"))
    assert long_running(scope("GET", "/k8s/demo/api/v1/pods", b"watch=True"))  # Python client
    assert long_running(scope("GET", "/clusters/demo/live"))
    assert long_running(scope("GET", "/api/clusters/demo/traffic", b"requests=100"))
    assert not long_running(scope("GET", "/k8s/demo/api/v1/services", b"watch=false"))
    assert not long_running(scope("GET", "/clusters/demo"))
    # the first of a repeated watch counts, as the /k8s routes read it (app/api/kube_query.py)
    assert long_running(scope("GET", "/k8s/demo/api/v1/pods", b"watch=1&watch=false"))
    assert not long_running(scope("GET", "/k8s/demo/api/v1/pods", b"watch=false&watch=1"))
    assert not long_running(scope("GET", "/k8s/demo/api/v1/pods", b"watch=&watch=1"))


def test_a_write_passes_reads_that_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCSCOPE_MAX_READS_INFLIGHT", "1")
    get_settings.cache_clear()
    order: list[str] = []

    async def main() -> None:
        release = asyncio.Event()

        async def app(sc: Any, _receive: Any, _send: Any) -> None:
            order.append(f"start {sc['method']} {sc['path']}")
            if sc["path"] == "/slow":
                await release.wait()

        middleware = ReadInFlightMiddleware(app)

        async def call(method: str, path: str, query: bytes = b"") -> None:
            await middleware(scope(method, path, query), None, None)  # type: ignore[arg-type]

        slow = asyncio.create_task(call("GET", "/slow"))
        await asyncio.sleep(0)
        waiting = asyncio.create_task(call("GET", "/next"))
        await asyncio.sleep(0.05)
        await call("POST", "/write")
        await call("GET", "/list", b"watch=true")
        assert not waiting.done()
        release.set()
        await asyncio.gather(slow, waiting)

    try:
        asyncio.run(main())
    finally:
        get_settings.cache_clear()
    assert order == ["start GET /slow", "start POST /write", "start GET /list", "start GET /next"]


def test_fewer_reads_start_while_a_write_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCSCOPE_MAX_READS_INFLIGHT", "3")
    monkeypatch.setenv("SVCSCOPE_MAX_READS_INFLIGHT_WHILE_WRITING", "1")
    get_settings.cache_clear()
    running: list[str] = []

    async def main() -> None:
        gates = {name: asyncio.Event() for name in ("/write", "/r1", "/r2", "/r3", "/r4")}

        async def app(sc: Any, _receive: Any, _send: Any) -> None:
            running.append(sc["path"])
            await gates[sc["path"]].wait()

        middleware = ReadInFlightMiddleware(app)

        def call(method: str, path: str) -> asyncio.Task[None]:
            return asyncio.create_task(middleware(scope(method, path), None, None))  # type: ignore[arg-type]

        write = call("POST", "/write")
        await asyncio.sleep(0.01)
        reads = [call("GET", path) for path in ("/r1", "/r2", "/r3", "/r4")]
        await asyncio.sleep(0.05)
        assert running == ["/write", "/r1"]  # one read beside a write, not three
        gates["/write"].set()
        await write
        await asyncio.sleep(0.05)
        assert running == ["/write", "/r1", "/r2", "/r3"]  # the write is done: three at once
        for event in gates.values():
            event.set()
        await asyncio.gather(*reads)
        assert running[-1] == "/r4"

    try:
        asyncio.run(main())
    finally:
        get_settings.cache_clear()
