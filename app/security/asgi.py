"""What the ASGI middlewares share: passing through the requests one does not act on, reading
a request header, editing the response's headers, and answering before any route runs with a
Kubernetes Status, as the APIs answer every error (kubectl and client-go parse it)."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Middleware:
    """An ASGI middleware that acts in `handle` on the connections whose scope type is in
    `scope_types` and that `applies` to; everything else (lifespan, other requests) goes
    straight to the app."""

    scope_types: frozenset[str] = frozenset({"http"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def applies(self, scope: Scope) -> bool:
        """Whether `handle` should see this request (every one of `scope_types` by default)."""
        return True

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in self.scope_types and self.applies(scope):
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def editing_headers(send: Send, edit: Callable[[MutableHeaders], None]) -> Send:
    """`send`, with `edit` applied to the response's headers before they leave."""

    async def send_edited(message: Message) -> None:
        if message["type"] == "http.response.start":
            edit(MutableHeaders(scope=message))
        await send(message)

    return send_edited


async def send_status(
    send: Send, code: int, reason: str, message: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }
    ).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": code, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def header_values(scope: Scope, name: bytes) -> list[str]:
    """Every value of a request header (`name` in lower case), decoded as HTTP does (latin-1)."""
    return [value.decode("latin-1") for key, value in scope.get("headers", []) if key == name]


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header, or None when the request has none."""
    return next(iter(header_values(scope, name)), None)
