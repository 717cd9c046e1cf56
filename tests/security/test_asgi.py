"""The pieces every security middleware shares: what they pass through untouched, how they read
a request header, and how they edit a response's headers."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from app.security.asgi import Middleware, editing_headers, header, header_values


class Marking(Middleware):
    """Records which connections reached `handle`; only paths under /marked apply."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.handled: list[str] = []

    def applies(self, scope: Scope) -> bool:
        path: str = scope["path"]
        return path.startswith("/marked")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.handled.append(scope["path"])


def test_a_middleware_handles_only_its_scope_types_and_the_requests_it_applies_to() -> None:
    passed: list[str] = []

    async def app(scope: Scope, _receive: Receive, _send: Send) -> None:
        passed.append(f"{scope['type']} {scope.get('path', '')}")

    middleware = Marking(app)

    async def main() -> None:
        for scope in (
            {"type": "http", "path": "/marked/a"},
            {"type": "http", "path": "/other"},
            {"type": "websocket", "path": "/marked/b"},
            {"type": "lifespan"},  # no path: applies() must not be asked
        ):
            await middleware(scope, None, None)  # type: ignore[arg-type]

    asyncio.run(main())
    assert middleware.handled == ["/marked/a"]
    assert passed == ["http /other", "websocket /marked/b", "lifespan "]


def test_header_reads_the_first_value_and_header_values_reads_them_all() -> None:
    scope: Scope = {
        "type": "http",
        "headers": [(b"cookie", b"a=1"), (b"host", b"caf\xe9"), (b"cookie", b"b=2")],
    }
    assert header(scope, b"cookie") == "a=1"
    assert header(scope, b"host") == "café"  # latin-1, as HTTP header bytes are decoded
    assert header(scope, b"content-length") is None
    assert header_values(scope, b"cookie") == ["a=1", "b=2"]
    assert header_values({"type": "http"}, b"cookie") == []


def test_editing_headers_changes_only_the_response_start() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    def add(headers: MutableHeaders) -> None:
        headers["x-added"] = "yes"

    async def main() -> None:
        edited = editing_headers(send, add)
        await edited({"type": "http.response.start", "status": 200, "headers": []})
        await edited({"type": "http.response.body", "body": b"ok"})

    asyncio.run(main())
    assert sent[0]["headers"] == [(b"x-added", b"yes")]
    assert sent[1] == {"type": "http.response.body", "body": b"ok"}
